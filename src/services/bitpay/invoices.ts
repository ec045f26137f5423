import { and, desc, eq, gte, inArray, isNull, lte, type SQL } from 'drizzle-orm'
import { constantTimeEqual, randomHex } from '../../auth/crypto'
import { chainsFor } from '../../chain/registry'
import type { AuthContext } from '../../context'
import { getDb, type PaymentRow } from '../../db/client'
import { bitpayInvoices, payments, wallets } from '../../db/schema'
import type { BitPayStatus } from '../../domain/bitpay'
import type { TransactionSpeed } from '../../domain/payment-status'
import { quote, type UsdPrices } from '../../domain/pricing'
import { checkUrls } from '../../domain/url-policy'
import { ApiError, notFound } from '../../errors'
import { createPayment, paymentObject, unwrap } from '../payments/payments'
import { ensureSandboxWallet, sandboxKeyFor, walletInUse } from '../wallets/wallets'

export type BitPayInvoiceRow = typeof bitpayInvoices.$inferSelect

export interface NewInvoice {
  price: string
  currency: string
  guid: string
  orderId?: string
  itemDesc?: string
  itemCode?: string
  posData?: string
  notificationURL?: string
  notificationEmail?: string
  redirectURL?: string
  closeURL?: string
  transactionSpeed: TransactionSpeed
  fullNotifications: boolean
  extendedNotifications: boolean
  buyer?: Record<string, unknown>
  /** A transaction currency code (see currencyOptions) chosen up front. */
  transactionCurrency?: string
}

/** A way to pay an invoice: a token on a chain where the merchant has a wallet. */
export interface CurrencyOption {
  /** BitPay-style code: the symbol, suffixed with the chain when several chains carry it (USDC_polygon). */
  code: string
  chainId: number
  symbol: string
  decimals: number
  address: `0x${string}` | null
}

/** The invoice's payable currencies, from the merchant's wallets of this mode. */
export async function currencyOptions(env: Env, merchantId: string, livemode: boolean): Promise<CurrencyOption[]> {
  const chains = chainsFor(env)
  const db = getDb(env.DB)
  if (!livemode) await ensureSandboxWallet(db, chains, sandboxKeyFor(env), merchantId)
  const rows = await db
    .select({ chainId: wallets.chainId })
    .from(wallets)
    .where(and(eq(wallets.merchantId, merchantId), eq(wallets.livemode, livemode), walletInUse(merchantId)))
    .orderBy(wallets.createdAt)
  const options: CurrencyOption[] = []
  for (const { chainId } of rows) {
    const chain = chains.get(chainId)
    if (!chain) continue
    for (const t of chain.tokens) {
      const taken = options.some((o) => o.code === t.symbol)
      options.push({
        code: taken ? `${t.symbol}_${chain.id}` : t.symbol,
        chainId: chain.id,
        symbol: t.symbol,
        decimals: t.decimals,
        address: t.address,
      })
    }
  }
  return options
}

/**
 * Creates a BitPay invoice: a payment plus its BitPay fields. The guid is unique per merchant and
 * mode and is claimed first (the invoice row, under the payment id to be), so of concurrent creates
 * with one guid exactly one makes a payment; the others get 4xx. A create that fails releases it.
 */
export async function createInvoice(
  env: Env,
  auth: AuthContext,
  input: NewInvoice,
): Promise<{ payment: PaymentRow; invoice: BitPayInvoiceRow }> {
  // Checked here too so BitPay's field names are the ones reported.
  checkUrls(env.ENVIRONMENT, [
    { field: 'notificationURL', kind: 'callback', value: input.notificationURL },
    { field: 'redirectURL', kind: 'redirect', value: input.redirectURL },
    { field: 'closeURL', kind: 'redirect', value: input.closeURL },
  ])
  const db = getDb(env.DB)
  const transactionCurrency = input.transactionCurrency?.toUpperCase()
  let option: CurrencyOption | undefined
  if (transactionCurrency) {
    option = (await currencyOptions(env, auth.merchantId, auth.livemode)).find((o) => o.code === transactionCurrency)
    if (!option)
      throw new ApiError(
        'VALIDATION_ERROR',
        `Transaction currency ${input.transactionCurrency} is not enabled for this merchant`,
        'forcedBuyerSelectedTransactionCurrency',
      )
  }
  const claim: BitPayInvoiceRow = {
    paymentId: crypto.randomUUID(),
    merchantId: auth.merchantId,
    livemode: auth.livemode,
    guid: input.guid,
    invoiceToken: randomHex(20),
    posData: input.posData ?? null,
    itemDesc: input.itemDesc ?? null,
    itemCode: input.itemCode ?? null,
    notificationEmail: input.notificationEmail ?? null,
    redirectUrl: input.redirectURL ?? null,
    closeUrl: input.closeURL ?? null,
    buyer: input.buyer ? JSON.stringify(input.buyer) : null,
    fullNotifications: input.fullNotifications,
    extendedNotifications: input.extendedNotifications,
    createdAt: new Date().toISOString(),
  }
  const claimed = await db
    .insert(bitpayInvoices)
    .values(claim)
    .onConflictDoNothing({ target: [bitpayInvoices.merchantId, bitpayInvoices.livemode, bitpayInvoices.guid] })
    .returning({ id: bitpayInvoices.paymentId })
  if (claimed.length === 0)
    throw new ApiError('VALIDATION_ERROR', `An invoice with guid ${input.guid} already exists`, 'guid')
  try {
    const payment = await createPayment(env, auth, {
      id: claim.paymentId,
      amount: input.price,
      currency: input.currency,
      chainId: option?.chainId,
      token: option?.symbol,
      transactionSpeed: input.transactionSpeed,
      description: input.itemDesc,
      orderId: input.orderId,
      notificationUrl: input.notificationURL,
      successUrl: input.redirectURL,
      cancelUrl: input.closeURL,
      expiresIn: 15 * 60,
    })
    return { payment, invoice: claim }
  } catch (err) {
    // Only a payment that was never stored lets the guid go; one that was is the invoice's.
    const [stored] = await db.select({ id: payments.id }).from(payments).where(eq(payments.id, claim.paymentId))
    if (!stored) await db.delete(bitpayInvoices).where(eq(bitpayInvoices.paymentId, claim.paymentId))
    throw err
  }
}

const scoped = (auth: AuthContext) =>
  and(eq(payments.merchantId, auth.merchantId), eq(payments.livemode, auth.livemode))

/** An invoice of the caller by id or by guid; anything else is a 404. */
export async function findInvoice(env: Env, auth: AuthContext, by: { id: string } | { guid: string }) {
  const where = 'id' in by ? eq(payments.id, by.id) : eq(bitpayInvoices.guid, by.guid)
  const [row] = await getDb(env.DB)
    .select({ payment: payments, invoice: bitpayInvoices })
    .from(bitpayInvoices)
    .innerJoin(payments, eq(payments.id, bitpayInvoices.paymentId))
    .where(and(scoped(auth), where))
  if (!row) throw notFound('Invoice')
  return row
}

export interface InvoiceFilters {
  dateStart?: string
  dateEnd?: string
  status?: BitPayStatus
  orderId?: string
  limit: number
  offset: number
}

const STATUS_TO_DOMAIN: Record<BitPayStatus, PaymentRow['status'][]> = {
  new: ['pending'],
  paid: ['processing'],
  confirmed: ['completed'],
  complete: ['completed', 'refunded'],
  expired: ['expired', 'cancelled'],
  invalid: ['failed'],
}

export async function listInvoices(env: Env, auth: AuthContext, f: InvoiceFilters) {
  const where: (SQL | undefined)[] = [scoped(auth)]
  if (f.dateStart) where.push(gte(payments.createdAt, f.dateStart))
  if (f.dateEnd) where.push(lte(payments.createdAt, f.dateEnd))
  if (f.orderId) where.push(eq(payments.orderId, f.orderId))
  if (f.status) where.push(inArray(payments.status, STATUS_TO_DOMAIN[f.status]))
  return getDb(env.DB)
    .select({ payment: payments, invoice: bitpayInvoices })
    .from(bitpayInvoices)
    .innerJoin(payments, eq(payments.id, bitpayInvoices.paymentId))
    .where(and(...where))
    .orderBy(desc(payments.createdAt), desc(payments.id))
    .limit(f.limit)
    .offset(f.offset)
}

/** Cancels an invoice (BitPay: DELETE /invoices/:id) through its PaymentObject. */
export async function cancelInvoice(env: Env, payment: PaymentRow): Promise<PaymentRow> {
  return unwrap(await paymentObject(env, payment.id).cancel())
}

/** Updates the buyer's contact (BitPay: PUT /invoices/:id with buyerEmail / buyerSms). */
export async function updateInvoiceBuyer(
  env: Env,
  invoice: BitPayInvoiceRow,
  changes: { buyerEmail?: string; buyerSms?: string },
) {
  const buyer = { ...(invoice.buyer ? (JSON.parse(invoice.buyer) as Record<string, unknown>) : {}) }
  if (changes.buyerEmail !== undefined) {
    if (buyer.email) throw new ApiError('VALIDATION_ERROR', 'Email already set on invoice', 'buyerEmail')
    buyer.email = changes.buyerEmail
  }
  if (changes.buyerSms !== undefined) buyer.phone = changes.buyerSms
  // Written only over the buyer read above, so two updates at once cannot both set the email.
  const unchanged = invoice.buyer === null ? isNull(bitpayInvoices.buyer) : eq(bitpayInvoices.buyer, invoice.buyer)
  const [row] = await getDb(env.DB)
    .update(bitpayInvoices)
    .set({ buyer: JSON.stringify(buyer) })
    .where(and(eq(bitpayInvoices.paymentId, invoice.paymentId), unchanged))
    .returning()
  if (!row)
    throw new ApiError('CONFLICT', 'The invoice buyer changed meanwhile: read the invoice and try again', 'buyer')
  return row
}

/** Totals due in each payable currency at `prices` (the chosen currency keeps its locked amount). */
export function paymentTotals(payment: PaymentRow, options: CurrencyOption[], prices: UsdPrices) {
  const totals: { option: CurrencyOption; due: bigint; rate: string }[] = []
  for (const option of options) {
    if (payment.chainId === option.chainId && payment.token === option.symbol && payment.payAmount !== null) {
      totals.push({ option, due: BigInt(payment.payAmount), rate: payment.rate ?? '0' })
      continue
    }
    try {
      const q = quote(payment.amount, payment.currency, option, prices)
      totals.push({ option, due: q.payAmount, rate: q.rate })
    } catch {
      // No rate for this currency: it is not offered.
    }
  }
  return totals
}

/** An invoice found by id and its own invoice token (compared in constant time). */
export async function invoiceByOwnToken(env: Env, id: string, token: unknown): Promise<BitPayInvoiceRow> {
  const [invoice] = await getDb(env.DB).select().from(bitpayInvoices).where(eq(bitpayInvoices.paymentId, id))
  if (!invoice || typeof token !== 'string' || !constantTimeEqual(token, invoice.invoiceToken))
    throw notFound('Invoice')
  return invoice
}
