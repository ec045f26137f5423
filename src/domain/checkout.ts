/** What the hosted checkout page shows: the buyer-facing stage and the EIP-681 payment request. */
import type { PaymentStatus } from './payment-status'

export const CHECKOUT_STAGES = ['awaiting', 'confirming', 'paid', 'expired', 'failed', 'cancelled', 'refunded'] as const
export type CheckoutStage = (typeof CHECKOUT_STAGES)[number]

/** Maps the payment state machine onto what a buyer sees. */
export function checkoutStage(p: { status: PaymentStatus; expiresAt: string }, now: string): CheckoutStage {
  switch (p.status) {
    case 'pending':
      return p.expiresAt <= now ? 'expired' : 'awaiting'
    case 'processing':
      return 'confirming'
    case 'completed':
      return 'paid'
    case 'expired':
    case 'failed':
    case 'cancelled':
    case 'refunded':
      return p.status
  }
}

/** True when nothing more will happen on the page. */
export function isFinalStage(stage: CheckoutStage): boolean {
  return stage !== 'awaiting' && stage !== 'confirming'
}

export interface PaymentRequest {
  chainId: number
  /** Where the buyer sends funds. */
  depositAddress: string
  /** ERC-20 contract, or null for the chain's native coin. */
  tokenAddress: string | null
  /** Amount in base units (wei, or the token's smallest unit). */
  amount: bigint
}

/**
 * The EIP-681 URI a wallet scans: `ethereum:<to>@<chainId>?value=<wei>` for the native coin,
 * `ethereum:<token>@<chainId>/transfer?address=<to>&uint256=<units>` for an ERC-20.
 */
export function eip681Uri(r: PaymentRequest): string {
  if (r.amount < 0n) throw new RangeError('amount must not be negative')
  if (r.tokenAddress === null) return `ethereum:${r.depositAddress}@${r.chainId}?value=${r.amount}`
  return `ethereum:${r.tokenAddress}@${r.chainId}/transfer?address=${r.depositAddress}&uint256=${r.amount}`
}

/** The EIP-1193 `eth_sendTransaction` parameters for the same request (hex quantities, no floats). */
export function walletTransaction(r: PaymentRequest): { to: string; value?: string; data?: string } {
  if (r.tokenAddress === null) return { to: r.depositAddress, value: `0x${r.amount.toString(16)}` }
  // transfer(address,uint256): selector a9059cbb, then both arguments left-padded to 32 bytes.
  const to = r.depositAddress.toLowerCase().replace(/^0x/, '').padStart(64, '0')
  const amount = r.amount.toString(16).padStart(64, '0')
  return { to: r.tokenAddress, data: `0xa9059cbb${to}${amount}` }
}

/** "mm:ss" (or "h:mm:ss") left until `expiresAt`, "0:00" once past. */
export function formatCountdown(expiresAt: string, now: string): string {
  const total = Math.max(0, Math.floor((Date.parse(expiresAt) - Date.parse(now)) / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = String(total % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}
