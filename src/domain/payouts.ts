/** Payouts and recipients: statuses, the ownership challenge, the funding rule. Pure. */

export const RECIPIENT_STATUSES = ['invited', 'unverified', 'verified', 'active', 'paused', 'removed'] as const
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number]

export const PAYOUT_STATUSES = ['new', 'funded', 'processing', 'complete', 'cancelled', 'failed'] as const
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number]

/** One native event per status a payout enters (`payout.created` for `new`). */
export const PAYOUT_EVENT_TYPES = [
  'payout.created',
  'payout.funded',
  'payout.processing',
  'payout.completed',
  'payout.failed',
  'payout.cancelled',
] as const
export type PayoutEventType = (typeof PAYOUT_EVENT_TYPES)[number]

const PAYOUT_EVENT_OF: Readonly<Record<PayoutStatus, PayoutEventType>> = {
  new: 'payout.created',
  funded: 'payout.funded',
  processing: 'payout.processing',
  complete: 'payout.completed',
  failed: 'payout.failed',
  cancelled: 'payout.cancelled',
}

/** The event a payout entering `status` emits. */
export function payoutEventFor(status: PayoutStatus): PayoutEventType {
  return PAYOUT_EVENT_OF[status]
}

/**
 * One native event per status a recipient enters. `verified` is passed through, not stayed in: a
 * valid signature emits `recipient.verified` (control of the address proven) and, in the same batch,
 * `recipient.active` (the address accepted for payouts), and the row is `active`.
 */
export const RECIPIENT_EVENT_TYPES = [
  'recipient.invited',
  'recipient.unverified',
  'recipient.verified',
  'recipient.active',
  'recipient.paused',
  'recipient.removed',
] as const
export type RecipientEventType = (typeof RECIPIENT_EVENT_TYPES)[number]

export function recipientEventFor(status: RecipientStatus): RecipientEventType {
  return `recipient.${status}`
}

/** Default daily payout limit, in units of the ledger currency, for a currency the operator did not set. */
export const DEFAULT_DAILY_PAYOUT_LIMIT = '10000'

/** The limit accounting unit: millionths of a token unit (int64-safe for 18-decimal tokens). */
export const LIMIT_SCALE = 6

/** Base units of a token with `decimals` as millionths of a unit, rounded up (a payout never counts for less than it is). */
export function limitUnits(baseUnits: bigint, decimals: number): bigint {
  if (decimals <= LIMIT_SCALE) return baseUnits * 10n ** BigInt(LIMIT_SCALE - decimals)
  const d = 10n ** BigInt(decimals - LIMIT_SCALE)
  return (baseUnits + d - 1n) / d
}

/** The UTC day a payout created at `iso` counts against. */
export function limitDay(iso: string): string {
  return iso.slice(0, 10)
}

/** The limit for `currency` from the operator's {currency: decimal} map (JSON or null), else the default. */
export function dailyLimitFor(limitsJson: string | null, currency: string): string {
  if (!limitsJson) return DEFAULT_DAILY_PAYOUT_LIMIT
  const limits = JSON.parse(limitsJson) as Record<string, string>
  return limits[currency] ?? DEFAULT_DAILY_PAYOUT_LIMIT
}

/** Most recipients one invite call takes. */
export const MAX_INVITES_PER_CALL = 1000

/** The message a recipient signs (EIP-191 personal_sign) to prove control of `address`; names the address and a single-use nonce. */
export function recipientChallenge(input: {
  merchantName: string
  recipientId: string
  address: string
  nonce: string
}): string {
  return [
    `${input.merchantName} wants to send payouts to ${input.address.toLowerCase()}.`,
    'Sign this message to confirm that you control this address. It costs nothing and moves no funds.',
    `Recipient: ${input.recipientId}`,
    `Nonce: ${input.nonce}`,
  ].join('\n')
}

/** Recipient moves the merchant may make with PATCH. */
export function canSetRecipientStatus(from: RecipientStatus, to: 'active' | 'paused'): boolean {
  if (to === 'paused') return from === 'active'
  return from === 'paused'
}

/**
 * Whether a payout of `amount` may be funded from a wallet holding `balance` of which `committed`
 * is already promised to other funded or processing payouts (all base units).
 */
export function canFund(amount: bigint, balance: bigint, committed: bigint): boolean {
  return amount > 0n && balance - committed >= amount
}

export function isDue(effectiveDate: string, now: Date): boolean {
  return Date.parse(effectiveDate) <= now.getTime()
}

export interface PayoutTransaction {
  txid: string
  amount: string
  date: string
  confirmations: number
}
