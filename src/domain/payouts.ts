/** Payouts and recipients: statuses, the ownership challenge, the funding rule. Pure. */

export const RECIPIENT_STATUSES = ['invited', 'unverified', 'verified', 'active', 'paused', 'removed'] as const
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number]

export const PAYOUT_STATUSES = ['new', 'funded', 'processing', 'complete', 'cancelled', 'failed'] as const
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number]

/** Most recipients one invite call takes. */
export const MAX_INVITES_PER_CALL = 1000

/** The message a recipient signs (EIP-191 personal_sign) to prove control of `address`; names the address and a single-use nonce. */
export function recipientChallenge(input: { merchantName: string; recipientId: string; address: string; nonce: string }): string {
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
