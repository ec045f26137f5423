import { and, asc, eq } from 'drizzle-orm'
import { findToken, type Chain } from '../../chain/registry'
import { chainsFor } from '../../chain/registry'
import { rateSourceFor } from '../../chain/price-feeds'
import { getDb, type PaymentRow } from '../../db/client'
import { merchants, paymentLinks, payments, wallets } from '../../db/schema'
import { checkoutStage, type CheckoutStage } from '../../domain/checkout'
import { formatUnits } from '../../domain/money'
import type { PaymentStatus } from '../../domain/payment-status'
import { PricingError, quote } from '../../domain/pricing'
import { webPageHref } from '../../domain/url-policy'
import type { SimulatedShare } from '../../domain/sandbox'
import { paymentObject, simulatePayment } from './payments'
import { ensureSandboxWallet, sandboxKeyFor, walletInUse } from '../wallets/wallets'

/** One way the buyer can pay: a token on a chain the merchant has a wallet on, priced now. */
export interface PayOption {
  chainId: number
  chainName: string
  token: string
  /** Decimal amount in the token at today's rate (the lock happens on selection). */
  amount: string
}

export interface Checkout {
  payment: PaymentRow
  merchantName: string
  /** The link's name, else the payment's description. */
  title: string | null
  /** The link the payment is a use of, for "start again" after an attempt ends. */
  linkReference: string | null
  options: PayOption[]
  chain: Chain | undefined
  stage: CheckoutStage
}

/** Loads what the hosted page shows for a payment reference; undefined when there is none. */
export async function loadCheckout(env: Env, reference: string, now = new Date()): Promise<Checkout | undefined> {
  const db = getDb(env.DB)
  const [row] = await db
    .select({
      payment: payments,
      merchantName: merchants.name,
      linkName: paymentLinks.name,
      linkReference: paymentLinks.reference,
    })
    .from(payments)
    .innerJoin(merchants, eq(merchants.id, payments.merchantId))
    .leftJoin(paymentLinks, eq(paymentLinks.id, payments.linkId))
    .where(eq(payments.reference, reference))
    .limit(1)
  if (!row) return undefined
  const chains = chainsFor(env)
  // A test payment made before the merchant had the sandbox wallet can still be paid (and simulated).
  if (!row.payment.livemode) await ensureSandboxWallet(db, chains, sandboxKeyFor(env), row.payment.merchantId)
  const options = await payOptions(env, row.payment, chains)
  let payment = row.payment
  // One way to pay: choose it for the buyer, so the address and QR code show at once.
  const only = options.length === 1 ? options[0] : undefined
  if (payment.payAmount === null && payment.status === 'pending' && only) {
    const result = await paymentObject(env, payment.id).select(only.chainId, only.token)
    if (result.ok) payment = result.payment
  }
  return {
    payment,
    merchantName: row.merchantName,
    title: row.linkName ?? payment.description,
    linkReference: row.linkReference,
    options,
    chain: payment.chainId === null ? undefined : chains.get(payment.chainId),
    stage: checkoutStage({ status: payment.status as PaymentStatus, expiresAt: payment.expiresAt }, now.toISOString()),
  }
}

async function payOptions(env: Env, payment: PaymentRow, chains: Map<number, Chain>): Promise<PayOption[]> {
  const db = getDb(env.DB)
  const rows = await db
    .select({ chainId: wallets.chainId })
    .from(wallets)
    .where(
      and(
        eq(wallets.merchantId, payment.merchantId),
        eq(wallets.livemode, payment.livemode),
        walletInUse(payment.merchantId),
      ),
    )
    .orderBy(asc(wallets.createdAt), asc(wallets.id))
  const prices = await rateSourceFor(env).prices()
  return rows.flatMap(({ chainId }) => {
    const chain = chains.get(chainId)
    if (!chain) return []
    return chain.tokens.flatMap((token) => {
      try {
        const priced = quote(payment.amount, payment.currency, token, prices)
        if (priced.payAmount <= 0n) return []
        return [
          {
            chainId,
            chainName: chain.name,
            token: token.symbol,
            amount: formatUnits(priced.payAmount, token.decimals),
          },
        ]
      } catch (err) {
        if (err instanceof PricingError) return []
        throw err
      }
    })
  })
}

/** The buyer's choice of chain and token, through the payment's object. */
export async function selectOption(env: Env, payment: PaymentRow, chainId: number, token: string) {
  const chain = chainsFor(env).get(chainId)
  if (!chain || !findToken(chain, token)) return { ok: false as const, message: 'That way to pay is not available' }
  const result = await paymentObject(env, payment.id).select(chainId, token)
  return result.ok ? { ok: true as const } : { ok: false as const, message: result.message }
}

/**
 * The hosted page's test buttons: a full, partial or over-payment of a test payment, through the
 * same service as POST /v1/sandbox/payments/{id}/simulate. Live payments are refused.
 */
export async function simulateFromPage(env: Env, payment: PaymentRow, share: SimulatedShare) {
  return simulatePayment(env, payment, { share, confirmed: true, pickDefault: true })
}

/** The small public status document the page polls. */
export function statusDocument(payment: PaymentRow, now = new Date()) {
  const decimals = payment.tokenDecimals ?? 0
  return {
    reference: payment.reference,
    status: payment.status,
    stage: checkoutStage({ status: payment.status as PaymentStatus, expiresAt: payment.expiresAt }, now.toISOString()),
    exception: payment.exception,
    confirmations: payment.confirmations,
    required_confirmations: payment.requiredConfirmations,
    amount_received: formatUnits(BigInt(payment.amountReceived), decimals),
    pay_amount: payment.payAmount === null ? null : formatUnits(BigInt(payment.payAmount), decimals),
    pay_currency: payment.token,
    expires_at: payment.expiresAt,
    // The page's script redirects to success_url: never another scheme than http(s).
    success_url: webPageHref(payment.successUrl),
    cancel_url: webPageHref(payment.cancelUrl),
  }
}

export async function paymentByReference(env: Env, reference: string) {
  const [row] = await getDb(env.DB).select().from(payments).where(eq(payments.reference, reference)).limit(1)
  return row
}
