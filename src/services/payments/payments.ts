import { and, count, desc, eq, gte, inArray, lte, type SQL } from 'drizzle-orm'
import { randomAlphanumeric } from '../../auth/crypto'
import { knownTokenSymbols, type Chain } from '../../chain/registry'
import { chainsFor } from '../../chain/registry'
import { rateSourceFor } from '../../chain/price-feeds'
import type { AuthContext } from '../../context'
import { getDb, type Db, type PaymentRow } from '../../db/client'
import { payments } from '../../db/schema'
import { fiatDecimals } from '../../domain/currencies'
import { canonicalAmount, MoneyError, parseDecimal, formatUnits, toBaseUnits } from '../../domain/money'
import type { PaymentStatus, TransactionSpeed } from '../../domain/payment-status'
import { sandboxOutcome, simulatedTotal, type SimulatedShare } from '../../domain/sandbox'
import { checkUrls } from '../../domain/url-policy'
import { ApiError, notFound } from '../../errors'
import type { PaymentResult } from '../../objects/payment-object'
import { choosePaymentOption, defaultOption, resolveChainToken, type PaymentOption } from './payment-option'
import type { XpubClaim } from '../../db/deposit-claims'
import { ensureSandboxWallet, indexHintFailed, MAX_ADDRESS_SKIPS, sandboxKeyFor } from '../wallets/wallets'
import { log } from '../../log'

export interface CreatePaymentInput {
  /** The payment's id when the caller has claimed something under it first (a BitPay guid). */
  id?: string
  amount: string
  currency: string
  chainId?: number
  token?: string
  transactionSpeed: TransactionSpeed
  description?: string
  orderId?: string
  metadata?: Record<string, unknown>
  expiresIn: number
  successUrl?: string
  cancelUrl?: string
  notificationUrl?: string
  /** Set when the payment is a use of a payment link. */
  linkId?: string
  /** HMAC key for this payment's webhook X-Signature; a link passes its own, else a new one is made. */
  notifySecret?: string
}

/** Checks the amount against the currency's precision and returns its canonical form. */
export function normalizeOrderAmount(chains: Map<number, Chain>, amount: string, currency: string): string {
  const fiat = fiatDecimals(currency)
  const decimals = fiat ?? tokenPrecision(chains, currency)
  if (decimals === undefined) {
    throw new ApiError(
      'INVALID_CURRENCY',
      `Unsupported currency ${currency}: use an ISO 4217 code or a supported token symbol`,
      'currency',
    )
  }
  let canonical: string
  try {
    canonical =
      fiat !== undefined
        ? canonicalAmount(amount, decimals)
        : formatUnits(parseDecimal(canonicalAmount(amount, decimals)).units, decimals)
  } catch (err) {
    if (err instanceof MoneyError)
      throw new ApiError('INVALID_AMOUNT', `Amount ${err.message} for ${currency}`, 'amount')
    throw err
  }
  if (parseDecimal(canonical).units === 0n)
    throw new ApiError('INVALID_AMOUNT', 'Amount must be greater than 0', 'amount')
  return canonical
}

function tokenPrecision(chains: Map<number, Chain>, symbol: string): number | undefined {
  if (!knownTokenSymbols(chains).has(symbol)) return undefined
  // The same symbol can have different decimals per chain; the order amount needs the finest.
  return Math.max(
    ...[...chains.values()].flatMap((c) => c.tokens.filter((t) => t.symbol === symbol).map((t) => t.decimals)),
  )
}

/** A secret shaped like seed 002's notify_secret ("Cf9mx4nAvRuy5vwBY2FCtaKr"): 24 chars, ~143 bits. */
export function newNotifySecret(): string {
  return randomAlphanumeric(24, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')
}

/** Reference shown to buyers and used in the hosted URL, shaped like seed 002's "SDF-453672-PMT". */
function newReference(): string {
  return `${randomAlphanumeric(4, 'ABCDEFGHJKLMNPQRSTUVWXYZ')}-${randomAlphanumeric(8, '0123456789')}-PMT`
}

/** Builds and stores a payment through its PaymentObject. */
export async function createPayment(
  env: Env,
  auth: Pick<AuthContext, 'merchantId' | 'livemode'>,
  input: CreatePaymentInput,
): Promise<PaymentRow> {
  const chains = chainsFor(env)
  const db = getDb(env.DB)
  const amount = normalizeOrderAmount(chains, input.amount, input.currency)
  checkUrls(env.ENVIRONMENT, [
    { field: 'notification_url', kind: 'callback', value: input.notificationUrl },
    { field: 'success_url', kind: 'redirect', value: input.successUrl },
    { field: 'cancel_url', kind: 'redirect', value: input.cancelUrl },
  ])
  const now = new Date()
  const base = {
    merchantId: auth.merchantId,
    livemode: auth.livemode,
    amount,
    currency: input.currency,
    transactionSpeed: input.transactionSpeed,
  }
  if (input.chainId !== undefined && input.token !== undefined) resolveChainToken(chains, input.chainId, input.token)
  // Test mode needs no setup: without a test wallet of their own, the merchant gets the sandbox wallet.
  if (!auth.livemode) await ensureSandboxWallet(db, chains, sandboxKeyFor(env), auth.merchantId)
  // A live payment nobody could ever pay is refused now, not left pending.
  else if (input.chainId === undefined)
    await defaultOption(db, chains, { merchantId: auth.merchantId, livemode: true, currency: input.currency })
  const id = input.id ?? crypto.randomUUID()
  const sandbox = auth.livemode ? null : sandboxOutcome(amount)
  for (let attempt = 0; attempt <= MAX_ADDRESS_SKIPS; attempt++) {
    // The address claim goes into the PaymentObject's first batch with the payment row.
    const claims: XpubClaim[] = []
    const option =
      input.chainId !== undefined && input.token !== undefined
        ? await choosePaymentOption(db, chains, rateSourceFor(env), base, input.chainId, input.token, claims)
        : undefined
    const row = paymentRow(id, base, input, option, now)
    const result = await paymentObject(env, row.id).create(row, sandbox, claims[0] ?? null)
    if (!('addressTaken' in result)) return unwrap(result)
    if (input.chainId !== undefined) indexHintFailed(base, input.chainId)
    log.warn('deposit address claim did not stand; taking another index', {
      chainId: row.chainId,
      walletId: row.walletId,
      index: row.derivationIndex,
    })
  }
  throw new ApiError(
    'CONFLICT',
    `The wallet's next deposit addresses on chain ${input.chainId} are in use by another wallet; register another xpub`,
    'chain_id',
  )
}

function paymentRow(
  id: string,
  base: Pick<PaymentRow, 'merchantId' | 'livemode' | 'amount' | 'currency' | 'transactionSpeed'>,
  input: CreatePaymentInput,
  option: PaymentOption | undefined,
  now: Date,
): PaymentRow {
  return {
    id,
    reference: newReference(),
    status: 'pending',
    exception: null,
    ...base,
    chainId: null,
    token: null,
    tokenAddress: null,
    tokenDecimals: null,
    payAmount: null,
    amountReceived: '0',
    depositAddress: null,
    walletId: null,
    derivationIndex: null,
    baselineBalance: null,
    linkId: input.linkId ?? null,
    notifySecret: input.notifySecret ?? newNotifySecret(),
    rateSource: null,
    rate: null,
    requiredConfirmations: null,
    ...option,
    confirmations: 0,
    description: input.description ?? null,
    orderId: input.orderId ?? null,
    metadata: input.metadata ? JSON.stringify(input.metadata) : null,
    successUrl: input.successUrl ?? null,
    cancelUrl: input.cancelUrl ?? null,
    notificationUrl: input.notificationUrl ?? null,
    expiresAt: new Date(now.getTime() + input.expiresIn * 1000).toISOString(),
    completedAt: null,
    lastError: null,
    version: 0,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  }
}

export interface SimulateRequest {
  /** Chooses the chain and token first (the payment must not have received anything yet). */
  chainId?: number
  token?: string
  /** Total received, as a decimal in the pay currency; default the full amount due. */
  amount?: string
  /** Instead of `amount`: the hosted page's full, partial or over-payment. */
  share?: SimulatedShare
  confirmed: boolean
  /** With no chain chosen and none given, take the sandbox default (as the test amounts do). */
  pickDefault?: boolean
}

/**
 * Sandbox: funds arrive for a test payment, through its PaymentObject and the same state machine
 * as the chain watcher. POST /v1/sandbox/payments/{id}/simulate and the hosted page's test buttons.
 */
export async function simulatePayment(env: Env, payment: PaymentRow, request: SimulateRequest): Promise<PaymentRow> {
  if (payment.livemode) throw new ApiError('FORBIDDEN', 'Only test-mode payments can be simulated', 'id')
  const object = paymentObject(env, payment.id)
  if (request.chainId !== undefined && request.token !== undefined)
    payment = unwrap(await object.select(request.chainId, request.token))
  else if (payment.payAmount === null && request.pickDefault) {
    const option = await defaultOption(getDb(env.DB), chainsFor(env), payment)
    payment = unwrap(await object.select(option.chainId, option.token))
  }
  if (payment.payAmount === null || payment.tokenDecimals === null) {
    throw new ApiError(
      'VALIDATION_ERROR',
      'This payment has no chain and token yet: pass chain_id and token',
      'chain_id',
    )
  }
  const due = BigInt(payment.payAmount)
  let received = due
  if (request.amount !== undefined) {
    try {
      received = toBaseUnits(request.amount, payment.tokenDecimals)
    } catch (err) {
      if (err instanceof MoneyError)
        throw new ApiError('INVALID_AMOUNT', `Amount ${err.message} for ${payment.token}`, 'amount')
      throw err
    }
  } else if (request.share) received = simulatedTotal(request.share, due, BigInt(payment.amountReceived))
  return unwrap(await object.simulate({ received: received.toString(), confirmed: request.confirmed }))
}

export function paymentObject(env: Env, id: string) {
  return env.PAYMENT_OBJECT.get(env.PAYMENT_OBJECT.idFromName(id))
}

/** Turns a PaymentObject result into the payment or a thrown ApiError. */
export function unwrap(result: PaymentResult): PaymentRow {
  if (result.ok) return result.payment
  throw new ApiError(result.code, result.message, result.field)
}

/** A payment of the caller's merchant and mode; anything else is a 404. */
export async function getPayment(db: Db, auth: AuthContext, id: string): Promise<PaymentRow> {
  const [row] = await db
    .select()
    .from(payments)
    .where(and(eq(payments.id, id), eq(payments.merchantId, auth.merchantId), eq(payments.livemode, auth.livemode)))
  if (!row) throw notFound('Payment')
  return row
}

export interface PaymentFilters {
  page: number
  limit: number
  status?: PaymentStatus[]
  currency?: string
  from?: string
  to?: string
}

export async function listPayments(db: Db, auth: AuthContext, f: PaymentFilters) {
  const where: SQL[] = [eq(payments.merchantId, auth.merchantId), eq(payments.livemode, auth.livemode)]
  if (f.status?.length) where.push(inArray(payments.status, f.status))
  if (f.currency) where.push(eq(payments.currency, f.currency))
  if (f.from) where.push(gte(payments.createdAt, f.from))
  if (f.to) where.push(lte(payments.createdAt, f.to))
  const condition = and(...where)
  const [rows, [total]] = await db.batch([
    db
      .select()
      .from(payments)
      .where(condition)
      .orderBy(desc(payments.createdAt), desc(payments.id))
      .limit(f.limit)
      .offset((f.page - 1) * f.limit),
    db.select({ n: count() }).from(payments).where(condition),
  ])
  return { rows, total: total?.n ?? 0 }
}
