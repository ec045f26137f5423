import { base58 } from '@scure/base'
import { and, count, desc, eq, inArray, isNull, or } from 'drizzle-orm'
import { constantTimeEqual } from '../../auth/crypto'
import { publicOrigin } from '../../config'
import { chainsFor } from '../../chain/registry'
import type { AuthContext } from '../../context'
import { getDb, type PaymentRow } from '../../db/client'
import { bills, events, merchants, payments } from '../../db/schema'
import {
  advancesBill,
  billEditable,
  billStatusForPayment,
  billTotal,
  type BillItem,
  type BillStatus,
} from '../../domain/bills'
import { ApiError, notFound } from '../../errors'
import { attemptEmail, queueEmail } from '../email/outbox'
import { createPayment, normalizeOrderAmount, paymentObject } from '../payments/payments'
import { billEmail } from './email'

export type BillRow = typeof bills.$inferSelect
type Owner = Pick<AuthContext, 'merchantId' | 'livemode'>

/** A bill's contents as every surface gives them (BitPay's field names; decimals as strings). */
export interface BillInput {
  number?: string | null
  currency: string
  email: string
  cc?: string[]
  items: { description?: string | null; price: string; quantity: number }[]
  name?: string | null
  address1?: string | null
  address2?: string | null
  city?: string | null
  state?: string | null
  zip?: string | null
  country?: string | null
  phone?: string | null
  /** ISO date or date-time. */
  dueDate?: string | null
  passProcessingFee?: boolean
}

/** BitPay-shaped ids (22 base58 characters) and resource tokens. */
export const newResourceId = () => base58.encode(crypto.getRandomValues(new Uint8Array(16)))
export const newResourceToken = () => base58.encode(crypto.getRandomValues(new Uint8Array(36)))

/** Normalises a due date ("2021-5-31" as the SDK sends it) to ISO; null when absent. */
export function normalizeDueDate(value: string | null | undefined, field = 'dueDate'): string | null {
  if (value === undefined || value === null || value === '') return null
  const ymd = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value)
  const ms = ymd ? Date.UTC(Number(ymd[1]), Number(ymd[2]) - 1, Number(ymd[3])) : Date.parse(value)
  if (Number.isNaN(ms))
    throw new ApiError('VALIDATION_ERROR', `${field} must be a date (YYYY-MM-DD or ISO 8601)`, field)
  return new Date(ms).toISOString()
}

/** Checks prices against the currency and computes the total; item ids are issued afresh. */
export function priceItems(env: Env, currency: string, items: BillInput['items'], field = 'items') {
  const chains = chainsFor(env)
  if (items.length === 0) throw new ApiError('VALIDATION_ERROR', `${field} must have at least one item`, field)
  const priced: BillItem[] = items.map((item, i) => {
    try {
      return {
        id: newResourceId(),
        description: item.description ?? null,
        price: normalizeOrderAmount(chains, item.price, currency),
        quantity: item.quantity,
      }
    } catch (err) {
      if (err instanceof ApiError && err.field === 'amount')
        throw new ApiError(err.code, err.message.replace(/^Amount/, 'Price'), `${field}.${i}.price`, {
          reason: err.reason,
        })
      throw err
    }
  })
  return { items: priced, total: normalizeOrderAmount(chains, billTotal(priced), currency) }
}

function contents(env: Env, input: BillInput) {
  const { items, total } = priceItems(env, input.currency, input.items)
  return {
    number: input.number ?? null,
    currency: input.currency,
    items: JSON.stringify(items),
    total,
    email: input.email,
    cc: JSON.stringify(input.cc ?? []),
    name: input.name ?? null,
    address1: input.address1 ?? null,
    address2: input.address2 ?? null,
    city: input.city ?? null,
    state: input.state ?? null,
    zip: input.zip ?? null,
    country: input.country ?? null,
    phone: input.phone ?? null,
    dueDate: normalizeDueDate(input.dueDate),
    passProcessingFee: input.passProcessingFee ?? false,
  }
}

/** A new bill row (not stored): `draft`, with its own resource token. */
export function buildBill(env: Env, owner: Owner, input: BillInput, now = new Date()): BillRow {
  const at = now.toISOString()
  return {
    id: newResourceId(),
    merchantId: owner.merchantId,
    livemode: owner.livemode,
    ...contents(env, input),
    emailBill: false,
    status: 'draft',
    token: newResourceToken(),
    paymentId: null,
    subscriptionId: null,
    period: null,
    createdAt: at,
    updatedAt: at,
  }
}

export async function createBill(env: Env, owner: Owner, input: BillInput): Promise<BillRow> {
  const row = buildBill(env, owner, input)
  await getDb(env.DB).insert(bills).values(row)
  return row
}

/** A bill of the caller's merchant and mode; anything else is a 404. */
export async function findBill(env: Env, owner: Owner, id: string): Promise<BillRow> {
  const [row] = await getDb(env.DB)
    .select()
    .from(bills)
    .where(and(eq(bills.id, id), eq(bills.merchantId, owner.merchantId), eq(bills.livemode, owner.livemode)))
  if (!row) throw notFound('Bill')
  return row
}

/** The caller's bills, newest first, optionally of one status; with the total count. */
export async function listBills(env: Env, owner: Owner, f: { status?: BillStatus; limit: number; offset: number }) {
  const db = getDb(env.DB)
  const where = and(
    eq(bills.merchantId, owner.merchantId),
    eq(bills.livemode, owner.livemode),
    f.status ? eq(bills.status, f.status) : undefined,
  )
  const [rows, [total]] = await db.batch([
    db.select().from(bills).where(where).orderBy(desc(bills.createdAt), desc(bills.id)).limit(f.limit).offset(f.offset),
    db.select({ n: count() }).from(bills).where(where),
  ])
  return { rows, total: total?.n ?? 0 }
}

/** A bill found by id and its own resource token (compared in constant time); else a 404. */
export async function billByToken(env: Env, id: string, token: unknown): Promise<BillRow> {
  const [row] = await getDb(env.DB).select().from(bills).where(eq(bills.id, id))
  if (!row || typeof token !== 'string' || !constantTimeEqual(token, row.token)) throw notFound('Bill')
  return row
}

/** Replaces the fields given; items, when given, replace the list (with new ids). Only before payment starts. */
export async function updateBill(env: Env, bill: BillRow, changes: Partial<BillInput>): Promise<BillRow> {
  if (!billEditable(bill.status))
    throw new ApiError('INVALID_STATE_TRANSITION', `A ${bill.status} bill can no longer be changed`, 'status')
  const current = toInput(bill)
  const merged: BillInput = {
    ...current,
    ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
  }
  if (changes.currency !== undefined && changes.items === undefined) merged.items = current.items
  const [row] = await getDb(env.DB)
    .update(bills)
    .set({ ...contents(env, merged), updatedAt: new Date().toISOString() })
    .where(and(eq(bills.id, bill.id), eq(bills.status, bill.status)))
    .returning()
  if (!row) throw new ApiError('CONFLICT', 'The bill changed meanwhile; read it again', 'status')
  return row
}

function toInput(bill: BillRow): BillInput {
  const items = (JSON.parse(bill.items) as BillItem[]).map(({ description, price, quantity }) => ({
    description,
    price,
    quantity,
  }))
  return { ...bill, cc: JSON.parse(bill.cc) as string[], items }
}

/** Where the buyer sees and pays a bill. */
export const billUrl = (env: Env, id: string, requestUrl?: string) => `${publicOrigin(env, requestUrl)}/bill/${id}`

async function merchantName(env: Env, merchantId: string): Promise<string> {
  const [m] = await getDb(env.DB).select({ name: merchants.name }).from(merchants).where(eq(merchants.id, merchantId))
  return m?.name ?? 'your merchant'
}

/** The outbox insert (for the caller's batch) that emails a bill to its buyer and cc. */
export function billEmailQuery(
  env: Env,
  bill: BillRow,
  name: string,
  url: string,
  dedupeKey?: string,
  now = new Date(),
) {
  const message = billEmail(bill, name, url)
  return queueEmail(
    env,
    getDb(env.DB),
    {
      merchantId: bill.merchantId,
      livemode: bill.livemode,
      kind: 'bill',
      refId: bill.id,
      dedupeKey,
      to: [bill.email],
      cc: JSON.parse(bill.cc) as string[],
      ...message,
    },
    now,
  )
}

/**
 * Delivers a bill by email: the message is written to the outbox with the bill's move to `sent`
 * (one batch), then sent at once; a failed send stays queued for the cron to retry.
 */
export async function deliverBill(env: Env, bill: BillRow, requestUrl?: string): Promise<BillRow> {
  const db = getDb(env.DB)
  const email = billEmailQuery(env, bill, await merchantName(env, bill.merchantId), billUrl(env, bill.id, requestUrl))
  const status: BillStatus = bill.status === 'draft' ? 'sent' : bill.status
  const [, [row]] = await db.batch([
    email.query,
    db
      .update(bills)
      .set({ status, emailBill: true, updatedAt: new Date().toISOString() })
      .where(eq(bills.id, bill.id))
      .returning(),
  ])
  await attemptEmail(env, email.id)
  return row ?? bill
}

/** What the bill page shows: the bill, its merchant's name, and its current payment if any. */
export async function publicBill(env: Env, id: string) {
  const [row] = await getDb(env.DB)
    .select({ bill: bills, merchantName: merchants.name, payment: payments })
    .from(bills)
    .innerJoin(merchants, eq(merchants.id, bills.merchantId))
    .leftJoin(payments, eq(payments.id, bills.paymentId))
    .where(eq(bills.id, id))
  return row ? { ...row, items: JSON.parse(row.bill.items) as BillItem[] } : undefined
}

const LIVE_PAYMENT = ['pending', 'processing', 'completed', 'refunded']

/**
 * The payment that pays a bill: its current one while that is still open or paid, else a new
 * ordinary payment for the total (the buyer picks chain and token on the hosted checkout).
 */
export async function paymentForBill(env: Env, id: string, requestUrl?: string): Promise<PaymentRow> {
  const found = await publicBill(env, id)
  if (!found) throw notFound('Bill')
  const { bill, payment } = found
  if (payment && LIVE_PAYMENT.includes(payment.status)) return payment
  const created = await createPayment(env, bill, {
    amount: bill.total,
    currency: bill.currency,
    transactionSpeed: 'medium',
    description: bill.number ? `Bill ${bill.number}` : 'Bill',
    orderId: bill.number ?? undefined,
    metadata: { bill_id: bill.id },
    expiresIn: 60 * 60,
    successUrl: billUrl(env, bill.id, requestUrl),
    cancelUrl: billUrl(env, bill.id, requestUrl),
  })
  const db = getDb(env.DB)
  const [claimed] = await db
    .update(bills)
    .set({
      paymentId: created.id,
      status: advancesBill(bill.status, 'new') ? 'new' : bill.status,
      updatedAt: new Date().toISOString(),
    })
    .where(
      and(
        eq(bills.id, bill.id),
        bill.paymentId === null ? isNull(bills.paymentId) : eq(bills.paymentId, bill.paymentId),
      ),
    )
    .returning()
  if (claimed) return created
  // Another request attached its payment first: use that one, drop ours.
  await paymentObject(env, created.id).cancel()
  return paymentForBill(env, id, requestUrl)
}

/** Moves a bill forward to what its payment's status implies (paid, complete); idempotent. */
async function advanceBill(env: Env, bill: BillRow, paymentStatus: PaymentRow['status']): Promise<void> {
  const target = billStatusForPayment(paymentStatus)
  if (!target || !advancesBill(bill.status, target)) return
  await getDb(env.DB)
    .update(bills)
    .set({ status: target, updatedAt: new Date().toISOString() })
    .where(and(eq(bills.id, bill.id), eq(bills.status, bill.status)))
}

/** Payment status hook (from the event consumer): the bill the event's payment pays follows it. */
export async function onPaymentEvent(env: Env, eventId: string): Promise<void> {
  const rows = await getDb(env.DB)
    .select({ bill: bills, status: payments.status })
    .from(events)
    .innerJoin(bills, eq(bills.paymentId, events.paymentId))
    .innerJoin(payments, eq(payments.id, events.paymentId))
    .where(eq(events.id, eventId))
  for (const { bill, status } of rows) await advanceBill(env, bill, status)
}

/** Cron backstop for a missed event: bills whose payment has moved on without them. */
export async function reconcileBills(env: Env, limit = 100): Promise<void> {
  const rows = await getDb(env.DB)
    .select({ bill: bills, status: payments.status })
    .from(bills)
    .innerJoin(payments, eq(payments.id, bills.paymentId))
    .where(
      or(
        and(eq(bills.status, 'new'), inArray(payments.status, ['processing', 'completed', 'refunded'])),
        and(eq(bills.status, 'paid'), inArray(payments.status, ['completed', 'refunded'])),
      ),
    )
    .limit(limit)
  for (const { bill, status } of rows) await advanceBill(env, bill, status)
}
