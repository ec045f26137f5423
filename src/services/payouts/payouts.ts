import { and, desc, eq, inArray, lte, sql } from 'drizzle-orm'
import { rateSourceFor } from '../../chain/price-feeds'
import type { AuthContext } from '../../context'
import { getDb } from '../../db/client'
import { insertLedgerEntriesIf } from '../../db/ledger'
import { merchants, payouts, payoutWallets } from '../../db/schema'
import {
  enqueueEvent,
  insertPayoutIf,
  insertSubjectEventIf,
  payoutIsAt,
  payoutTransition,
} from '../../db/subject-events'
import { findToken, type Chain, type Token } from '../../chain/registry'
import { fiatDecimals } from '../../domain/currencies'
import { LEDGER_CODES, toLedgerUnits } from '../../domain/ledger'
import { formatUnits, toBaseUnits } from '../../domain/money'
import { canFund, dailyLimitFor, isDue, LIMIT_SCALE, limitDay, limitUnits } from '../../domain/payouts'
import { PricingError, quote } from '../../domain/pricing'
import { pricesFor } from '../../domain/rates'
import { checkUrls } from '../../domain/url-policy'
import { ApiError, notFound } from '../../errors'
import { randomHex } from '../../auth/crypto'
import type { AdvanceResult } from '../../objects/payout-wallet'
import { findRecipientByEmail, getRecipient } from './recipients'
import { chainOf, getPayoutWallet, tokenBalance, type PayoutWalletRow } from './wallets'
import { log } from '../../log'

export type PayoutRow = typeof payouts.$inferSelect

export interface NewPayout {
  amount: string
  /** A token symbol (the amount is paid in it) or a fiat code (converted into ledger_currency). Default USDC. */
  currency?: string | undefined
  /** The token paid when `currency` is fiat (default USDC); must equal `currency` when that is a token. */
  ledger_currency?: string | undefined
  recipient_id?: string | undefined
  recipient_email?: string | undefined
  payout_wallet_id?: string | undefined
  reference?: string | undefined
  notification_url?: string | undefined
  effective_date?: string | undefined
  /** Set by createPayoutGroup (groups.ts). */
  group_id?: string | undefined
}

async function defaultWallet(env: Env, auth: AuthContext): Promise<PayoutWalletRow> {
  const [row] = await getDb(env.DB)
    .select()
    .from(payoutWallets)
    .where(
      and(
        eq(payoutWallets.merchantId, auth.merchantId),
        eq(payoutWallets.livemode, auth.livemode),
        eq(payoutWallets.status, 'active'),
      ),
    )
    .orderBy(payoutWallets.createdAt)
    .limit(1)
  if (!row)
    throw new ApiError(
      'WALLET_REQUIRED',
      'Register a payout wallet first (POST /v1/payout-wallets)',
      'payout_wallet_id',
    )
  return row
}

interface Priced {
  token: Token
  units: bigint
  requestedAmount: string | null
  requestedCurrency: string | null
  rate: string | null
}

/** The token amount of a payout: the amount itself for a token currency, else converted (exactly, rounded up) at the current rate. */
async function pricePayout(env: Env, chain: Chain, input: NewPayout): Promise<Priced> {
  const currency = (input.currency ?? 'USDC').toUpperCase()
  const fiat = fiatDecimals(currency)
  const ledger = (input.ledger_currency ?? (fiat === undefined ? currency : 'USDC')).toUpperCase()
  if (fiat === undefined && ledger !== currency)
    throw new ApiError(
      'VALIDATION_ERROR',
      'ledger_currency must equal currency when currency is a token',
      'ledger_currency',
    )
  const token = findToken(chain, ledger)
  if (!token)
    throw new ApiError(
      'UNSUPPORTED_TOKEN',
      `${ledger} is not available on chain ${chain.id}`,
      fiat === undefined ? 'currency' : 'ledger_currency',
    )
  if (fiat === undefined)
    return {
      token,
      units: parseAmount(input.amount, token.decimals),
      requestedAmount: null,
      requestedCurrency: null,
      rate: null,
    }
  const requested = formatUnits(parseAmount(input.amount, fiat), fiat)
  let priced: ReturnType<typeof quote>
  try {
    const rates = await pricesFor(rateSourceFor(env), [currency, token.symbol])
    priced = quote(requested, currency, token, rates.prices)
  } catch (err) {
    if (err instanceof PricingError)
      throw new ApiError(
        'RATE_UNAVAILABLE',
        `${err.message}: cannot convert ${currency} into ${token.symbol}`,
        'currency',
      )
    throw err
  }
  if (priced.payAmount <= 0n)
    throw new ApiError('INVALID_AMOUNT', `amount is below the smallest unit of ${token.symbol}`, 'amount')
  return { token, units: priced.payAmount, requestedAmount: requested, requestedCurrency: currency, rate: priced.rate }
}

function parseAmount(amount: string, decimals: number): bigint {
  let units: bigint
  try {
    units = toBaseUnits(amount, decimals)
  } catch {
    throw new ApiError('INVALID_AMOUNT', `amount must be a positive decimal with at most ${decimals} places`, 'amount')
  }
  if (units <= 0n) throw new ApiError('INVALID_AMOUNT', 'amount must be positive', 'amount')
  return units
}

/**
 * Creates a payout (`new`) and its payout.created event in one batch. The row is inserted only if,
 * inside that statement, the merchant's payouts of the token counted for the same UTC day (all but
 * cancelled and failed ones) plus this one stay within the daily limit: concurrent creations cannot
 * together pass it.
 */
export async function createPayout(env: Env, auth: AuthContext, input: NewPayout): Promise<PayoutRow> {
  checkUrls(env.ENVIRONMENT, [{ field: 'notification_url', kind: 'callback', value: input.notification_url }])
  if (!input.recipient_id && !input.recipient_email)
    throw new ApiError('VALIDATION_ERROR', 'recipient_id or recipient_email is required', 'recipient_id')
  const recipient = input.recipient_id
    ? await getRecipient(env, auth, input.recipient_id)
    : await findRecipientByEmail(env, auth, input.recipient_email ?? '')
  if (recipient.status !== 'active' || !recipient.address)
    throw new ApiError(
      'INVALID_STATE_TRANSITION',
      `The recipient is ${recipient.status}; payouts go to active recipients only`,
      'recipient_id',
    )
  const wallet = input.payout_wallet_id
    ? await getPayoutWallet(env, auth, input.payout_wallet_id)
    : await defaultWallet(env, auth)
  const chain = chainOf(env, wallet.chainId)
  const effective = input.effective_date ? new Date(input.effective_date) : new Date()
  if (Number.isNaN(effective.getTime()))
    throw new ApiError('VALIDATION_ERROR', 'effective_date must be an ISO 8601 date', 'effective_date')
  const { token, units, requestedAmount, requestedCurrency, rate } = await pricePayout(env, chain, input)
  const db = getDb(env.DB)
  const [merchant] = await db
    .select({ limits: merchants.payoutDailyLimits })
    .from(merchants)
    .where(eq(merchants.id, auth.merchantId))
  const limit = dailyLimitFor(merchant?.limits ?? null, token.symbol)
  const cap = toBaseUnits(limit, LIMIT_SCALE)
  const counted = limitUnits(units, token.decimals)
  const overLimit = () =>
    new ApiError('LIMIT_EXCEEDED', `amount is over the daily payout limit of ${limit} ${token.symbol}`, 'amount')
  if (counted > cap) throw overLimit()
  const now = new Date().toISOString()
  const row: PayoutRow = {
    id: `po_${randomHex(12)}`,
    merchantId: auth.merchantId,
    livemode: auth.livemode,
    payoutWalletId: wallet.id,
    recipientId: recipient.id,
    chainId: chain.id,
    token: token.symbol,
    amount: formatUnits(units, token.decimals),
    amountBaseUnits: units.toString(),
    toAddress: recipient.address,
    reference: input.reference ?? null,
    notificationUrl: input.notification_url ?? null,
    effectiveDate: effective.toISOString(),
    status: 'new',
    groupId: input.group_id ?? null,
    message: null,
    transactions: '[]',
    createdAt: now,
    updatedAt: now,
    version: 1,
    requestedAmount,
    requestedCurrency,
    rate,
    limitDay: limitDay(now),
    // An integer count of millionths, at most the cap (limits are ≤ 10^9 units, so ≤ 10^15 < 2^53): exact as a number.
    limitUnits: Number(counted),
  }
  const withinLimit = sql`(SELECT COALESCE(SUM(limit_units), 0) FROM payouts WHERE merchant_id = ${row.merchantId} AND livemode = ${row.livemode ? 1 : 0} AND token = ${row.token} AND limit_day = ${row.limitDay} AND status NOT IN ('cancelled', 'failed')) + ${Number(counted)} <= ${Number(cap)}`
  const event = insertSubjectEventIf(db, { subject: 'payout', type: 'payout.created', row }, payoutIsAt(row))
  await db.batch([insertPayoutIf(db, row, withinLimit), event.query])
  const [stored] = await db.select({ id: payouts.id }).from(payouts).where(eq(payouts.id, row.id))
  if (!stored) throw overLimit()
  await enqueueEvent(env, event.id)
  return row
}

export async function getPayout(env: Env, auth: AuthContext, id: string): Promise<PayoutRow> {
  const [row] = await getDb(env.DB)
    .select()
    .from(payouts)
    .where(and(eq(payouts.id, id), eq(payouts.merchantId, auth.merchantId), eq(payouts.livemode, auth.livemode)))
  if (!row) throw notFound('Payout')
  return row
}

export async function listPayouts(env: Env, auth: AuthContext): Promise<PayoutRow[]> {
  return getDb(env.DB)
    .select()
    .from(payouts)
    .where(and(eq(payouts.merchantId, auth.merchantId), eq(payouts.livemode, auth.livemode)))
    .orderBy(desc(payouts.createdAt))
    .limit(1000)
}

/** Cancels a payout that is still `new` (never funded, never signed); payout.cancelled in the same batch. */
export async function cancelPayout(env: Env, auth: AuthContext, id: string): Promise<PayoutRow> {
  const row = await getPayout(env, auth, id)
  if (row.status !== 'new')
    throw new ApiError('INVALID_STATE_TRANSITION', `A ${row.status} payout cannot be cancelled`, 'id')
  const db = getDb(env.DB)
  const t = payoutTransition(db, row, { status: 'cancelled' })
  const [updated] = await db.batch([t.update, ...(t.event ? [t.event.query] : [])])
  if (updated.length === 0) {
    // It moved meanwhile (funded by the cron, or cancelled by another call).
    const now = await getPayout(env, auth, id)
    throw new ApiError('INVALID_STATE_TRANSITION', `A ${now.status} payout cannot be cancelled`, 'id')
  }
  if (t.event) await enqueueEvent(env, t.event.id)
  return t.after
}

/**
 * Funds a due `new` payout when the wallet holds enough (on-chain balance less what its other funded
 * and processing payouts of the token committed): the status change and the 1034 debit in one batch.
 * Not enough → `failed` (no debit was written). Test mode is simulated: funded without a balance read.
 */
export async function fundPayout(env: Env, payout: PayoutRow): Promise<'funded' | 'failed' | 'skipped'> {
  const db = getDb(env.DB)
  const chain = chainOf(env, payout.chainId)
  const token = findToken(chain, payout.token)
  const at = new Date().toISOString()
  const amount = BigInt(payout.amountBaseUnits)
  if (payout.livemode) {
    const [wallet] = await db.select().from(payoutWallets).where(eq(payoutWallets.id, payout.payoutWalletId))
    let problem: string | null = null
    if (!wallet || wallet.status !== 'active' || !token) problem = 'The payout wallet was deleted'
    else {
      const balance = await tokenBalance(chain, wallet.address, token.address)
      // Summed here with bigint: base units of an 18-decimal token pass int64 above ~9.2 tokens, so SQL's SUM cannot.
      const open = await db
        .select({ units: payouts.amountBaseUnits })
        .from(payouts)
        .where(
          and(
            eq(payouts.payoutWalletId, wallet.id),
            eq(payouts.token, payout.token),
            inArray(payouts.status, ['funded', 'processing']),
          ),
        )
      const committed = open.reduce((sum, p) => sum + BigInt(p.units), 0n)
      if (!canFund(amount, balance, committed))
        problem = `Insufficient funds: the payout wallet holds ${balance} base units of ${payout.token}, ${committed} of them committed`
    }
    if (problem) {
      const t = payoutTransition(db, payout, { status: 'failed', message: problem }, at)
      const [updated] = await db.batch([t.update, ...(t.event ? [t.event.query] : [])])
      if (updated.length === 0) return 'skipped'
      if (t.event) await enqueueEvent(env, t.event.id)
      return 'failed'
    }
  }
  const debit = {
    merchantId: payout.merchantId,
    livemode: payout.livemode,
    currency: payout.token,
    code: LEDGER_CODES.payout,
    amount: -toLedgerUnits(amount, token?.decimals ?? 6),
    sourceType: 'payout' as const,
    sourceId: payout.id,
    paymentId: null,
    description: payout.reference ?? 'Payout',
    createdAt: at,
  }
  const t = payoutTransition(db, payout, { status: 'funded' }, at)
  const [update] = await db.batch([
    t.update,
    ...(t.event ? [t.event.query] : []),
    insertLedgerEntriesIf(db, [debit], payoutIsAt(t.after)),
  ])
  if (update.length === 0) return 'skipped'
  if (t.event) await enqueueEvent(env, t.event.id)
  return 'funded'
}

export function payoutWallet(env: Env, walletId: string) {
  return env.PAYOUT_WALLET.get(env.PAYOUT_WALLET.idFromName(walletId))
}

/** One pass (cron): funds due `new` payouts, then moves funded and processing ones on through their wallet objects. */
export async function processDuePayouts(
  env: Env,
  now = new Date(),
): Promise<Record<string, AdvanceResult | 'funded' | 'failed' | 'skipped'>> {
  const db = getDb(env.DB)
  const due = await db
    .select()
    .from(payouts)
    .where(and(eq(payouts.status, 'new'), lte(payouts.effectiveDate, now.toISOString())))
    .limit(100)
  const results: Record<string, AdvanceResult | 'funded' | 'failed' | 'skipped'> = {}
  for (const p of due) {
    if (!isDue(p.effectiveDate, now)) continue
    try {
      results[p.id] = await fundPayout(env, p)
    } catch (err) {
      // An RPC that did not answer: the payout stays new and is tried again next tick.
      log.error('payout funding check failed; retried next tick', {
        payoutId: p.id,
        error: err instanceof Error ? err.message.replace(/https?:\/\/\S+/g, '<rpc>') : String(err),
      })
    }
  }
  const moving = await db
    .select()
    .from(payouts)
    .where(inArray(payouts.status, ['funded', 'processing']))
    .limit(100)
  for (const p of moving) {
    try {
      results[p.id] = await payoutWallet(env, p.payoutWalletId).advance(p.id)
    } catch (err) {
      log.error('payout advance failed; retried next tick', {
        payoutId: p.id,
        error: err instanceof Error ? err.message : String(err),
      })
    }
  }
  return results
}
