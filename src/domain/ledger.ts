/**
 * The merchant ledger: append-only entries per merchant, mode and currency held, with BitPay's
 * entry codes. Amounts are signed bigints at LEDGER_DECIMALS places of the currency, so entries of
 * tokens with different decimals (USDC with 6, ETH with 18) add up exactly.
 */
import { formatFixed, formatUnits, parseDecimal } from './money'

/** Every ledger amount is in 10^-18 of its currency. */
export const LEDGER_DECIMALS = 18

export const LEDGER_CODES = {
  invoice: 1000,
  settlement: 1017,
  refund: 1020,
  settlementCorrective: 1022,
  invoiceFee: 1023,
  payout: 1034,
  payoutFee: 1040,
} as const
export type LedgerCode = (typeof LEDGER_CODES)[keyof typeof LEDGER_CODES]
export const LEDGER_CODE_VALUES = Object.values(LEDGER_CODES) as LedgerCode[]

/** BitPay's entry names (`type`) and the deprecated `txType`. */
export const LEDGER_CODE_NAMES: Record<LedgerCode, { type: string; txType: string }> = {
  1000: { type: 'Invoice', txType: 'sale' },
  1017: { type: 'Account Settlement', txType: 'Account Settlement' },
  1020: { type: 'Invoice Refund', txType: 'Invoice Refund' },
  1022: { type: 'Corrective for Failed Account Settlement', txType: 'Corrective' },
  1023: { type: 'Invoice Fee', txType: 'Invoice Fee' },
  1034: { type: 'Payout', txType: 'Payout' },
  1040: { type: 'Payout Fee', txType: 'Payout Fee' },
}

/** What caused an entry; (source, sourceId, code) is unique, which makes every write idempotent. */
export type LedgerSource = 'payment' | 'refund' | 'settlement' | 'payout'

export interface LedgerEntryDraft {
  merchantId: string
  livemode: boolean
  currency: string
  code: LedgerCode
  /** Signed, at LEDGER_DECIMALS. */
  amount: bigint
  sourceType: LedgerSource
  sourceId: string
  paymentId: string | null
  description: string | null
  createdAt: string
}

/** Base units of a token with `decimals` places → ledger units. */
export function toLedgerUnits(baseUnits: bigint, decimals: number): bigint {
  if (decimals > LEDGER_DECIMALS) return baseUnits / 10n ** BigInt(decimals - LEDGER_DECIMALS)
  return baseUnits * 10n ** BigInt(LEDGER_DECIMALS - decimals)
}

/** A ledger amount as the shortest signed decimal string ("-1.5", "0"). */
export function formatLedgerAmount(amount: bigint): string {
  return formatUnits(amount, LEDGER_DECIMALS)
}

/** A ledger amount as a fixed decimal with `places` places (rounded toward zero), for CSV and views. */
export function formatLedgerFixed(amount: bigint, places: number): string {
  const divisor = 10n ** BigInt(LEDGER_DECIMALS - places)
  return formatFixed(amount / divisor, places)
}

/**
 * BitPay's scaled-integer form for `/ledgers/{currency}`: amount / scale is the decimal. Scale 10^8
 * as BitPay uses when that is exact, else 10^18.
 */
export function bitpayScaled(amount: bigint): { amount: bigint; scale: bigint } {
  const step = 10n ** BigInt(LEDGER_DECIMALS - 8)
  return amount % step === 0n
    ? { amount: amount / step, scale: 10n ** 8n }
    : { amount, scale: 10n ** BigInt(LEDGER_DECIMALS) }
}

/** The fee in basis points of an amount, rounded down (in the merchant's favour). */
export function feeOf(amount: bigint, feeBps: number): bigint {
  if (!Number.isInteger(feeBps) || feeBps < 0 || feeBps > 10_000)
    throw new RangeError(`fee_bps ${feeBps} is out of range 0..10000`)
  return (amount * BigInt(feeBps)) / 10_000n
}

/** The payment fields the ledger reads. */
export interface LedgerPayment {
  id: string
  merchantId: string
  livemode: boolean
  status: string
  token: string | null
  tokenDecimals: number | null
  amountReceived: string
  payAmount: string | null
  orderId: string | null
  description: string | null
}

/**
 * Entries a payment transition causes: on the move into `completed`, a 1000 credit of the amount
 * received (pay currency) and, with a fee configured, a 1023 debit. Nothing for any other move.
 */
export function completionEntries(
  before: { status: string },
  after: LedgerPayment,
  feeBps: number,
  at: string,
): LedgerEntryDraft[] {
  if (after.status !== 'completed' || before.status === 'completed') return []
  if (after.token === null || after.tokenDecimals === null) return []
  const amount = toLedgerUnits(BigInt(after.amountReceived), after.tokenDecimals)
  const base = {
    merchantId: after.merchantId,
    livemode: after.livemode,
    currency: after.token,
    sourceType: 'payment' as const,
    sourceId: after.id,
    paymentId: after.id,
    createdAt: at,
  }
  const entries: LedgerEntryDraft[] = [
    { ...base, code: LEDGER_CODES.invoice, amount, description: after.orderId ?? after.description ?? after.id },
  ]
  const fee = feeOf(amount, feeBps)
  if (fee > 0n) entries.push({ ...base, code: LEDGER_CODES.invoiceFee, amount: -fee, description: 'Invoice Fee' })
  return entries
}

/**
 * The 1020 debit of a completed refund, in the pay currency: the refunded share of the invoice
 * price applied to the amount that was due (`payAmount × refund / price`, rounded down).
 */
export function refundEntry(
  refund: { id: string; amount: string; completedAt: string },
  payment: LedgerPayment & { amount: string },
): LedgerEntryDraft {
  if (payment.token === null || payment.tokenDecimals === null || payment.payAmount === null) {
    throw new RangeError(`payment ${payment.id} has no pay currency to refund in`)
  }
  const due = toLedgerUnits(BigInt(payment.payAmount), payment.tokenDecimals)
  const part = parseDecimal(refund.amount)
  const whole = parseDecimal(payment.amount)
  const scale = Math.max(part.scale, whole.scale)
  const partUnits = part.units * 10n ** BigInt(scale - part.scale)
  const wholeUnits = whole.units * 10n ** BigInt(scale - whole.scale)
  const amount = wholeUnits === 0n ? 0n : (due * partUnits) / wholeUnits
  return {
    merchantId: payment.merchantId,
    livemode: payment.livemode,
    currency: payment.token,
    code: LEDGER_CODES.refund,
    amount: -amount,
    sourceType: 'refund',
    sourceId: refund.id,
    paymentId: payment.id,
    description: 'Invoice Refund',
    createdAt: refund.completedAt,
  }
}

/** Balance per currency: the sum of its entries. */
export function balancesOf(entries: readonly { currency: string; amount: bigint }[]): Map<string, bigint> {
  const balances = new Map<string, bigint>()
  for (const e of entries) balances.set(e.currency, (balances.get(e.currency) ?? 0n) + e.amount)
  return balances
}
