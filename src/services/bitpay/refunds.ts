import { and, desc, eq, inArray, sql } from 'drizzle-orm'
import { constantTimeEqual, randomHex } from '../../auth/crypto'
import type { AuthContext } from '../../context'
import { getDb, type PaymentRow } from '../../db/client'
import { bitpayRefunds, payments } from '../../db/schema'
import { insertLedgerEntriesIf } from '../../db/ledger'
import { refundEntry } from '../../domain/ledger'
import { compareDecimals, parseDecimal } from '../../domain/money'
import { ApiError, notFound } from '../../errors'

export type BitPayRefundRow = typeof bitpayRefunds.$inferSelect
const ACTIVE: BitPayRefundRow['status'][] = ['preview', 'created', 'pending']

/**
 * Records a refund request for a paid invoice: only completed payments can be refunded, for at most
 * the invoice price, one active refund at a time. Sending the money is the payout work's job.
 */
export async function createRefund(
  env: Env,
  auth: AuthContext,
  payment: PaymentRow,
  input: {
    amount: string
    currency?: string
    preview?: boolean
    immediate?: boolean
    buyerPaysRefundFee?: boolean
    reference?: string
    guid?: string
  },
): Promise<BitPayRefundRow> {
  if (payment.status !== 'completed') throw new ApiError('INVALID_STATE_TRANSITION', 'Invalid invoice state for refund')
  if (input.currency && input.currency.toUpperCase() !== payment.currency) {
    throw new ApiError(
      'VALIDATION_ERROR',
      `Refund currency must be the invoice currency ${payment.currency}`,
      'currency',
    )
  }
  if (parseDecimal(input.amount).units === 0n)
    throw new ApiError('VALIDATION_ERROR', 'Refund amount must be greater than 0', 'amount')
  if (compareDecimals(input.amount, payment.amount) > 0)
    throw new ApiError('VALIDATION_ERROR', `Refund amount exceeds the invoice price of ${payment.amount}`, 'amount')
  const db = getDb(env.DB)
  const now = new Date().toISOString()
  const row: BitPayRefundRow = {
    id: randomHex(11),
    guid: input.guid ?? crypto.randomUUID(),
    merchantId: auth.merchantId,
    livemode: auth.livemode,
    paymentId: payment.id,
    amount: input.amount,
    currency: payment.currency,
    status: input.preview ? 'preview' : 'created',
    reference: input.reference ?? null,
    immediate: input.immediate ?? false,
    buyerPaysRefundFee: input.buyerPaysRefundFee ?? false,
    refundToken: randomHex(20),
    createdAt: now,
    updatedAt: now,
  }
  // Both rules are unique indexes (guid per merchant and mode; one active refund per invoice), so
  // concurrent requests cannot both pass them; the insert that loses says which one it broke.
  const inserted = await db.insert(bitpayRefunds).values(row).onConflictDoNothing().returning({ id: bitpayRefunds.id })
  if (inserted.length === 0) {
    const [active] = await db
      .select({ id: bitpayRefunds.id })
      .from(bitpayRefunds)
      .where(and(eq(bitpayRefunds.paymentId, payment.id), inArray(bitpayRefunds.status, ACTIVE)))
    if (active) throw new ApiError('CONFLICT', 'Active refund request already exists')
    throw new ApiError('VALIDATION_ERROR', `A refund with guid ${row.guid} already exists`, 'guid')
  }
  return row
}

export async function findRefund(
  env: Env,
  auth: AuthContext,
  by: { id: string } | { guid: string },
): Promise<BitPayRefundRow> {
  const where = 'id' in by ? eq(bitpayRefunds.id, by.id) : eq(bitpayRefunds.guid, by.guid)
  const [row] = await getDb(env.DB)
    .select({ refund: bitpayRefunds })
    .from(bitpayRefunds)
    .innerJoin(payments, eq(payments.id, bitpayRefunds.paymentId))
    .where(and(eq(bitpayRefunds.merchantId, auth.merchantId), eq(payments.livemode, auth.livemode), where))
  if (!row) throw notFound('Refund')
  return row.refund
}

export async function refundsOfInvoice(env: Env, auth: AuthContext, paymentId: string) {
  return getDb(env.DB)
    .select()
    .from(bitpayRefunds)
    .where(and(eq(bitpayRefunds.merchantId, auth.merchantId), eq(bitpayRefunds.paymentId, paymentId)))
    .orderBy(desc(bitpayRefunds.createdAt))
}

/** preview → created (BitPay's "submit"); anything else is an invalid state change. */
export async function updateRefundStatus(env: Env, refund: BitPayRefundRow, status: string): Promise<BitPayRefundRow> {
  if (status !== 'created') throw new ApiError('VALIDATION_ERROR', 'status can only be changed to created', 'status')
  if (refund.status !== 'preview')
    throw new ApiError('INVALID_STATE_TRANSITION', `Cannot change a ${refund.status} refund to created`)
  return setStatus(env, refund, 'created')
}

export async function cancelRefund(env: Env, refund: BitPayRefundRow): Promise<BitPayRefundRow> {
  if (!ACTIVE.includes(refund.status))
    throw new ApiError('INVALID_STATE_TRANSITION', `Cannot cancel a ${refund.status} refund`)
  return setStatus(env, refund, 'canceled')
}

async function setStatus(env: Env, refund: BitPayRefundRow, status: BitPayRefundRow['status']) {
  const [row] = await getDb(env.DB)
    .update(bitpayRefunds)
    .set({ status, updatedAt: new Date().toISOString() })
    .where(and(eq(bitpayRefunds.id, refund.id), eq(bitpayRefunds.status, refund.status)))
    .returning()
  if (!row) throw new ApiError('INVALID_STATE_TRANSITION', 'The refund changed meanwhile; fetch it again')
  return row
}

/**
 * A refund was paid out (the payout work calls this): created/pending → success, and its 1020
 * ledger debit in the same batch. The entry is written once even if this runs twice.
 */
export async function completeRefund(
  env: Env,
  refund: BitPayRefundRow,
  now = new Date().toISOString(),
): Promise<BitPayRefundRow> {
  if (refund.status !== 'created' && refund.status !== 'pending')
    throw new ApiError('INVALID_STATE_TRANSITION', `Cannot complete a ${refund.status} refund`)
  const db = getDb(env.DB)
  const [payment] = await db.select().from(payments).where(eq(payments.id, refund.paymentId))
  if (!payment) throw notFound('Invoice')
  const entry = refundEntry({ id: refund.id, amount: refund.amount, completedAt: now }, payment)
  const update = db
    .update(bitpayRefunds)
    .set({ status: 'success', updatedAt: now })
    .where(and(eq(bitpayRefunds.id, refund.id), eq(bitpayRefunds.status, refund.status)))
    .returning()
  // The debit is booked only if this batch's update won (the refund is now success at `now`).
  const won = sql`EXISTS (SELECT 1 FROM bitpay_refunds WHERE id = ${refund.id} AND status = 'success' AND updated_at = ${now})`
  const [updated] = await db.batch([update, insertLedgerEntriesIf(db, [entry], won)])
  const [row] = updated
  if (!row) throw new ApiError('INVALID_STATE_TRANSITION', 'The refund changed meanwhile; fetch it again')
  return row
}

/** A refund found by id and its own refund token (compared in constant time). */
export async function refundByOwnToken(env: Env, id: string, token: unknown): Promise<BitPayRefundRow> {
  const [row] = await getDb(env.DB).select().from(bitpayRefunds).where(eq(bitpayRefunds.id, id))
  if (!row || typeof token !== 'string' || !constantTimeEqual(token, row.refundToken)) throw notFound('Refund')
  return row
}
