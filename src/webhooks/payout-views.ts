import { publicOrigin } from '../config'
import type { PayoutRow, RecipientRow } from '../db/subject-events'
import type { PayoutStatus, PayoutTransaction, RecipientStatus } from '../domain/payouts'

/**
 * The public JSON of a payout and of a recipient: what GET /v1/payouts/:id and /v1/recipients/:id
 * answer and what the `data` of their webhook events carries (one function, so they never differ).
 */
export interface PayoutView {
  id: string
  object: 'payout'
  status: PayoutStatus
  /** What was asked for: a fiat amount, or the token amount. */
  amount: string
  currency: string
  /** The token paid and how much of it (equal to amount/currency for a token payout). */
  ledger_currency: string
  ledger_amount: string
  amount_base_units: string
  /** Price of one ledger_currency unit in `currency` at creation (8 places); null for a token amount. */
  rate: string | null
  chain_id: number
  payout_wallet_id: string
  recipient_id: string
  to_address: string
  reference: string | null
  notification_url: string | null
  effective_date: string
  message: string | null
  transactions: PayoutTransaction[]
  livemode: boolean
  created_at: string
  updated_at: string
}

export function payoutView(p: PayoutRow): PayoutView {
  return {
    id: p.id,
    object: 'payout',
    status: p.status,
    amount: p.requestedAmount ?? p.amount,
    currency: p.requestedCurrency ?? p.token,
    ledger_currency: p.token,
    ledger_amount: p.amount,
    amount_base_units: p.amountBaseUnits,
    rate: p.rate,
    chain_id: p.chainId,
    payout_wallet_id: p.payoutWalletId,
    recipient_id: p.recipientId,
    to_address: p.toAddress,
    reference: p.reference,
    notification_url: p.notificationUrl,
    effective_date: p.effectiveDate,
    message: p.message,
    transactions: JSON.parse(p.transactions) as PayoutTransaction[],
    livemode: p.livemode,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  }
}

export interface RecipientView {
  id: string
  object: 'recipient'
  email: string
  label: string | null
  notification_url: string | null
  status: RecipientStatus
  address: string | null
  invite_url: string
  livemode: boolean
  verified_at: string | null
  created_at: string
}

export const inviteUrl = (env: Env, r: Pick<RecipientRow, 'inviteToken'>, requestUrl?: string) =>
  `${publicOrigin(env, requestUrl)}/recipient/${r.inviteToken}`

export function recipientView(env: Env, r: RecipientRow, requestUrl?: string): RecipientView {
  return {
    id: r.id,
    object: 'recipient',
    email: r.email,
    label: r.label,
    notification_url: r.notificationUrl,
    status: r.status,
    address: r.address,
    invite_url: inviteUrl(env, r, requestUrl),
    livemode: r.livemode,
    verified_at: r.verifiedAt,
    created_at: r.createdAt,
  }
}
