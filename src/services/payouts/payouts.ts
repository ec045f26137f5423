import { and, desc, eq, inArray, lte, sql } from 'drizzle-orm'
import type { AuthContext } from '../../context'
import { getDb } from '../../db/client'
import { insertLedgerEntriesIf } from '../../db/ledger'
import { payouts, payoutWallets } from '../../db/schema'
import { findToken } from '../../chain/registry'
import { LEDGER_CODES, toLedgerUnits } from '../../domain/ledger'
import { toBaseUnits } from '../../domain/money'
import { canFund, isDue } from '../../domain/payouts'
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
  currency?: string | undefined
  recipient_id?: string | undefined
  recipient_email?: string | undefined
  payout_wallet_id?: string | undefined
  reference?: string | undefined
  notification_url?: string | undefined
  effective_date?: string | undefined
}

async function defaultWallet(env: Env, auth: AuthContext): Promise<PayoutWalletRow> {
  const [row] = await getDb(env.DB)
    .select()
    .from(payoutWallets)
    .where(and(eq(payoutWallets.merchantId, auth.merchantId), eq(payoutWallets.livemode, auth.livemode), eq(payoutWallets.status, 'active')))
    .orderBy(payoutWallets.createdAt)
    .limit(1)
  if (!row) throw new ApiError('WALLET_REQUIRED', 'Register a payout wallet first (POST /v1/payout-wallets)', 'payout_wallet_id')
  return row
}

export async function createPayout(env: Env, auth: AuthContext, input: NewPayout): Promise<PayoutRow> {
  checkUrls(env.ENVIRONMENT, [{ field: 'notification_url', kind: 'callback', value: input.notification_url }])
  if (!input.recipient_id && !input.recipient_email) throw new ApiError('VALIDATION_ERROR', 'recipient_id or recipient_email is required', 'recipient_id')
  const recipient = input.recipient_id ? await getRecipient(env, auth, input.recipient_id) : await findRecipientByEmail(env, auth, input.recipient_email ?? '')
  if (recipient.status !== 'active' || !recipient.address) throw new ApiError('INVALID_STATE_TRANSITION', `The recipient is ${recipient.status}; payouts go to active recipients only`, 'recipient_id')
  const wallet = input.payout_wallet_id ? await getPayoutWallet(env, auth, input.payout_wallet_id) : await defaultWallet(env, auth)
  const chain = chainOf(env, wallet.chainId)
  const symbol = (input.currency ?? 'USDC').toUpperCase()
  const token = findToken(chain, symbol)
  if (!token) throw new ApiError('UNSUPPORTED_TOKEN', `${symbol} is not available on chain ${chain.id}`, 'currency')
  let units: bigint
  try {
    units = toBaseUnits(input.amount, token.decimals)
  } catch {
    throw new ApiError('INVALID_AMOUNT', `amount must be a positive decimal with at most ${token.decimals} places`, 'amount')
  }
  if (units <= 0n) throw new ApiError('INVALID_AMOUNT', 'amount must be positive', 'amount')
  const now = new Date().toISOString()
  const effective = input.effective_date ? new Date(input.effective_date) : new Date()
  if (Number.isNaN(effective.getTime())) throw new ApiError('VALIDATION_ERROR', 'effective_date must be an ISO 8601 date', 'effective_date')
  const row: PayoutRow = {
    id: `po_${randomHex(12)}`, merchantId: auth.merchantId, livemode: auth.livemode, payoutWalletId: wallet.id, recipientId: recipient.id, chainId: chain.id, token: token.symbol,
    amount: input.amount, amountBaseUnits: units.toString(), toAddress: recipient.address, reference: input.reference ?? null, notificationUrl: input.notification_url ?? null,
    effectiveDate: effective.toISOString(), status: 'new', message: null, transactions: '[]', createdAt: now, updatedAt: now,
  }
  await getDb(env.DB).insert(payouts).values(row)
  return row
}

export async function getPayout(env: Env, auth: AuthContext, id: string): Promise<PayoutRow> {
  const [row] = await getDb(env.DB).select().from(payouts).where(and(eq(payouts.id, id), eq(payouts.merchantId, auth.merchantId), eq(payouts.livemode, auth.livemode)))
  if (!row) throw notFound('Payout')
  return row
}

export async function listPayouts(env: Env, auth: AuthContext): Promise<PayoutRow[]> {
  return getDb(env.DB).select().from(payouts).where(and(eq(payouts.merchantId, auth.merchantId), eq(payouts.livemode, auth.livemode))).orderBy(desc(payouts.createdAt)).limit(1000)
}

/** Cancels a payout that is still `new` (never funded, never signed). */
export async function cancelPayout(env: Env, auth: AuthContext, id: string): Promise<PayoutRow> {
  const row = await getPayout(env, auth, id)
  const [updated] = await getDb(env.DB)
    .update(payouts)
    .set({ status: 'cancelled', updatedAt: new Date().toISOString() })
    .where(and(eq(payouts.id, row.id), eq(payouts.status, 'new')))
    .returning()
  if (!updated) throw new ApiError('INVALID_STATE_TRANSITION', `A ${row.status} payout cannot be cancelled`, 'id')
  return updated
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
      const [committed] = await db
        .select({ sum: sql<string>`COALESCE(SUM(CAST(${payouts.amountBaseUnits} AS INTEGER)), 0)` })
        .from(payouts)
        .where(and(eq(payouts.payoutWalletId, wallet.id), eq(payouts.token, payout.token), inArray(payouts.status, ['funded', 'processing'])))
      if (!canFund(amount, balance, BigInt(committed?.sum ?? 0))) problem = `Insufficient funds: the payout wallet holds ${balance} base units of ${payout.token}, ${committed?.sum ?? 0} of them committed`
    }
    if (problem) {
      await db.update(payouts).set({ status: 'failed', message: problem, updatedAt: at }).where(and(eq(payouts.id, payout.id), eq(payouts.status, 'new')))
      return 'failed'
    }
  }
  const debit = {
    merchantId: payout.merchantId, livemode: payout.livemode, currency: payout.token, code: LEDGER_CODES.payout, amount: -toLedgerUnits(amount, token?.decimals ?? 6),
    sourceType: 'payout' as const, sourceId: payout.id, paymentId: null, description: payout.reference ?? 'Payout', createdAt: at,
  }
  const [update] = await db.batch([
    db.update(payouts).set({ status: 'funded', updatedAt: at }).where(and(eq(payouts.id, payout.id), eq(payouts.status, 'new'))).returning({ id: payouts.id }),
    insertLedgerEntriesIf(db, [debit], sql`EXISTS (SELECT 1 FROM payouts WHERE id = ${payout.id} AND status = 'funded')`),
  ])
  return update.length > 0 ? 'funded' : 'skipped'
}

export function payoutWallet(env: Env, walletId: string) {
  return env.PAYOUT_WALLET.get(env.PAYOUT_WALLET.idFromName(walletId))
}

/** One pass (cron): funds due `new` payouts, then moves funded and processing ones on through their wallet objects. */
export async function processDuePayouts(env: Env, now = new Date()): Promise<Record<string, AdvanceResult | 'funded' | 'failed' | 'skipped'>> {
  const db = getDb(env.DB)
  const due = await db.select().from(payouts).where(and(eq(payouts.status, 'new'), lte(payouts.effectiveDate, now.toISOString()))).limit(100)
  const results: Record<string, AdvanceResult | 'funded' | 'failed' | 'skipped'> = {}
  for (const p of due) {
    if (!isDue(p.effectiveDate, now)) continue
    try {
      results[p.id] = await fundPayout(env, p)
    } catch (err) {
      // An RPC that did not answer: the payout stays new and is tried again next tick.
      log.error('payout funding check failed; retried next tick', { payoutId: p.id, error: err instanceof Error ? err.message.replace(/https?:\/\/\S+/g, '<rpc>') : String(err) })
    }
  }
  const moving = await db.select().from(payouts).where(inArray(payouts.status, ['funded', 'processing'])).limit(100)
  for (const p of moving) {
    try {
      results[p.id] = await payoutWallet(env, p.payoutWalletId).advance(p.id)
    } catch (err) {
      log.error('payout advance failed; retried next tick', { payoutId: p.id, error: err instanceof Error ? err.message : String(err) })
    }
  }
  return results
}
