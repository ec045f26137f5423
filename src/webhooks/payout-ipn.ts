import { eq } from 'drizzle-orm'
import { randomHex } from '../auth/crypto'
import { getDb, type EventRow } from '../db/client'
import { payouts, recipients, webhookDeliveries } from '../db/schema'
import type { PayoutRow, RecipientRow } from '../db/subject-events'
import {
  bitpayPayout,
  bitpayRecipientIpnData,
  PAYOUT_MANUAL_IPN,
  payoutIpnEvent,
  RECIPIENT_MANUAL_IPN,
  recipientIpnEvent,
  type BitpayIpnEvent,
} from '../domain/bitpay-payouts'
import { stringifyWithDecimals } from '../domain/exact-json'
import { NOTIFICATION_URL_TARGET, type WebhookMessage } from './messages'

/**
 * BitPay IPNs for payouts and recipients (BITPAY-REFERENCE §11): a payout's or recipient's own
 * notificationURL gets `{event:{code,name}, data}` for each status change that has a code, and for a
 * manual notification request. They travel as deliveries of the outbox events (target
 * `notification_url`; manual ones `notification_url:manual:<id>`), so the fan-out, the retry
 * schedule, the URL policy and the (event, target) dedupe are those of every other webhook.
 */

/** Target prefix of a manual-notification delivery (4007/5005): one per request. */
export const MANUAL_IPN_TARGET_PREFIX = `${NOTIFICATION_URL_TARGET}:manual:`

export function isIpnTarget(target: string): boolean {
  return target === NOTIFICATION_URL_TARGET || target.startsWith(MANUAL_IPN_TARGET_PREFIX)
}

/** The status IPN of a payout or recipient event, or null (payments, no code for the status). */
function statusIpn(event: Pick<EventRow, 'subject' | 'data'>): { event: BitpayIpnEvent; url: string | null } | null {
  if (event.subject === 'payout') {
    const row = JSON.parse(event.data) as PayoutRow
    const ipn = payoutIpnEvent(row.status)
    return ipn ? { event: ipn, url: row.notificationUrl } : null
  }
  if (event.subject === 'recipient') {
    const row = JSON.parse(event.data) as RecipientRow
    return { event: recipientIpnEvent(row.status), url: row.notificationUrl }
  }
  return null
}

/** Where a payout or recipient event's status IPN goes: the subject's notificationURL at the event, when set and the status has a code. */
export function subjectIpnUrl(event: Pick<EventRow, 'subject' | 'data'>): string | null {
  return statusIpn(event)?.url ?? null
}

/**
 * The IPN body of a delivery. A status IPN carries the subject as it was at the event; a manual one
 * the subject as it is now. Payout `data` is BitPay's payout object (it has no resource token here),
 * with the recipient's email and label; recipient `data` is `{id, shopperId, email, label, status}`.
 */
export async function subjectIpnBody(env: Env, event: EventRow, target: string): Promise<string | null> {
  const db = getDb(env.DB)
  const manual = target.startsWith(MANUAL_IPN_TARGET_PREFIX)
  if (event.subject === 'payout') {
    let row = JSON.parse(event.data) as PayoutRow
    if (manual) row = (await db.select().from(payouts).where(eq(payouts.id, row.id)))[0] ?? row
    const code = manual ? PAYOUT_MANUAL_IPN : payoutIpnEvent(row.status)
    if (!code) return null
    const [recipient] = await db
      .select({ email: recipients.email, label: recipients.label })
      .from(recipients)
      .where(eq(recipients.id, row.recipientId))
    return stringifyWithDecimals({ event: code, data: bitpayPayout(row, recipient) })
  }
  if (event.subject === 'recipient') {
    let row = JSON.parse(event.data) as RecipientRow
    if (manual) row = (await db.select().from(recipients).where(eq(recipients.id, row.id)))[0] ?? row
    return JSON.stringify({
      event: manual ? RECIPIENT_MANUAL_IPN : recipientIpnEvent(row.status),
      data: bitpayRecipientIpnData(row),
    })
  }
  return null
}

/**
 * Queues a manual notification (4007 or 5005) to `url` as a new delivery of the subject's newest
 * event, delivered and retried by the webhooks consumer like any other. Returns the delivery id.
 */
export async function queueManualIpn(
  env: Env,
  event: Pick<EventRow, 'id' | 'merchantId'>,
  url: string,
): Promise<string> {
  const id = `wd_${randomHex(12)}`
  const now = new Date().toISOString()
  await getDb(env.DB)
    .insert(webhookDeliveries)
    .values({
      id,
      eventId: event.id,
      merchantId: event.merchantId,
      paymentId: null,
      target: `${MANUAL_IPN_TARGET_PREFIX}${randomHex(8)}`,
      endpointId: null,
      url,
      createdAt: now,
      updatedAt: now,
    })
  await env.WEBHOOKS.send({ type: 'delivery', eventId: event.id, deliveryId: id } satisfies WebhookMessage)
  return id
}
