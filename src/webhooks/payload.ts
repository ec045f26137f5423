import type { EventRow, PaymentRow } from '../db/client'
import { formatUnits } from '../domain/money'
import { hmacSha256Hex } from '../auth/crypto'
import { JsonDecimal, stringifyWithDecimals } from '../domain/exact-json'
import type { PayoutRow, RecipientRow } from '../db/subject-events'
import { payoutView, recipientView, type PayoutView, type RecipientView } from './payout-views'

/** Seed 002's webhook payload, plus ids for ordering and dedupe and the crypto side of the payment. */
export interface WebhookPayload {
  event_type: string
  event_id: string
  /** Increases by one with every event of the same payment. */
  sequence: number
  livemode: boolean
  payment_id: string
  payment_reference: string
  status: string
  exception: string | null
  /** Seed 002 shows a JSON number: written digit for digit from the exact decimal, never via a double. */
  amount: JsonDecimal
  amount_decimal: string
  currency: string
  pay_amount: string | null
  pay_currency: string | null
  chain_id: number | null
  amount_received: string
  webhook_data: unknown
  /** Why an automatic step could not complete (payment.error), else null. */
  last_error: unknown
  timestamp: string
  /** Hex HMAC-SHA256 (notify_secret) of this JSON serialized without the `signature` member. */
  signature: string
}

/** Builds the payload of one event from the payment snapshot stored with it. */
export function buildPayload(
  event: Pick<EventRow, 'id' | 'type' | 'sequence' | 'livemode' | 'createdAt'>,
  payment: PaymentRow,
  webhookData: unknown,
): WebhookPayload {
  const decimals = payment.tokenDecimals ?? 0
  const unsigned: Omit<WebhookPayload, 'signature'> = {
    event_type: event.type,
    event_id: event.id,
    sequence: event.sequence,
    livemode: event.livemode,
    payment_id: payment.id,
    payment_reference: payment.reference,
    status: payment.status,
    exception: payment.exception,
    amount: new JsonDecimal(payment.amount),
    amount_decimal: payment.amount,
    currency: payment.currency,
    pay_amount: payment.payAmount === null ? null : formatUnits(BigInt(payment.payAmount), decimals),
    pay_currency: payment.token,
    chain_id: payment.chainId,
    amount_received: formatUnits(BigInt(payment.amountReceived), decimals),
    webhook_data: webhookData ?? null,
    last_error: payment.lastError ? (JSON.parse(payment.lastError) as unknown) : null,
    timestamp: event.createdAt,
  }
  return { ...unsigned, signature: hmacSha256Hex(payment.notifySecret, stringifyWithDecimals(unsigned)) }
}

/** The payload of a payout or recipient event: its public view at the transition, as `data`. */
export interface SubjectPayload {
  event_type: string
  event_id: string
  /** Increases with every change of the same payout (or recipient). */
  sequence: number
  livemode: boolean
  subject: 'payout' | 'recipient'
  data: PayoutView | RecipientView
  timestamp: string
}

export function buildSubjectPayload(
  env: Env,
  event: Pick<EventRow, 'id' | 'type' | 'sequence' | 'livemode' | 'createdAt' | 'subject' | 'data'>,
): SubjectPayload {
  const data =
    event.subject === 'payout'
      ? payoutView(JSON.parse(event.data) as PayoutRow)
      : recipientView(env, JSON.parse(event.data) as RecipientRow)
  return {
    event_type: event.type,
    event_id: event.id,
    sequence: event.sequence,
    livemode: event.livemode,
    subject: event.subject === 'payout' ? 'payout' : 'recipient',
    data,
    timestamp: event.createdAt,
  }
}
