import { and, desc, eq, isNotNull } from 'drizzle-orm'
import type { AuthContext } from '../../context'
import { getDb, type EventRow } from '../../db/client'
import { events, webhookDeliveries } from '../../db/schema'
import type { WebhookMessage } from '../../webhooks/messages'
import { queueManualIpn } from '../../webhooks/payout-ipn'
import { getPayout } from './payouts'
import { getRecipient } from './recipients'

export interface NotificationResult {
  /** The newest event, sent again to the merchant's endpoints (null: the subject has no event yet). */
  eventId: string | null
  /** Endpoint deliveries queued again (0 when the event is fanned out afresh). */
  queued: number
  /** The manual IPN (5005 / 4007) queued to the notificationURL, or null when there is none. */
  ipnDeliveryId: string | null
}

/**
 * A manual notification for a payout (BitPay `POST /payouts/:id/notifications`): the newest event is
 * sent again to the merchant's endpoints (a receiver that already has it dedupes by event id), and
 * the payout's notificationURL gets a 5005 `payout_manuallyNotified` IPN (not the last status IPN
 * again). 404 for a payout of another merchant or mode.
 */
export async function resendPayoutNotification(
  env: Env,
  auth: AuthContext,
  payoutId: string,
): Promise<NotificationResult> {
  const payout = await getPayout(env, auth, payoutId)
  return notify(env, await latestEvent(env, events.payoutId, payout.id), payout.notificationUrl)
}

/** The same for a recipient: its newest event to the endpoints, and 4007 `recipient_manuallyNotified` to its notificationURL. */
export async function resendRecipientNotification(
  env: Env,
  auth: AuthContext,
  recipientId: string,
): Promise<NotificationResult> {
  const recipient = await getRecipient(env, auth, recipientId)
  return notify(env, await latestEvent(env, events.recipientId, recipient.id), recipient.notificationUrl)
}

async function latestEvent(
  env: Env,
  column: typeof events.payoutId | typeof events.recipientId,
  id: string,
): Promise<EventRow | undefined> {
  const [event] = await getDb(env.DB)
    .select()
    .from(events)
    .where(eq(column, id))
    .orderBy(desc(events.sequence))
    .limit(1)
  return event
}

async function notify(
  env: Env,
  event: EventRow | undefined,
  notificationUrl: string | null,
): Promise<NotificationResult> {
  if (!event) return { eventId: null, queued: 0, ipnDeliveryId: null }
  const queued = await resendToEndpoints(env, event)
  const ipnDeliveryId = notificationUrl ? await queueManualIpn(env, event, notificationUrl) : null
  return { eventId: event.id, queued, ipnDeliveryId }
}

/**
 * The event's endpoint deliveries go back to pending and are queued; its status IPN to the
 * notificationURL is not repeated (the manual IPN replaces it). An event never fanned out is fanned
 * out now (its IPN, never sent, included).
 */
async function resendToEndpoints(env: Env, event: EventRow): Promise<number> {
  const db = getDb(env.DB)
  const [any] = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.eventId, event.id))
    .limit(1)
  if (!any) {
    await env.WEBHOOKS.send({ type: 'event', eventId: event.id } satisfies WebhookMessage)
    return 0
  }
  const reset = await db
    .update(webhookDeliveries)
    .set({ status: 'pending', updatedAt: new Date().toISOString() })
    .where(and(eq(webhookDeliveries.eventId, event.id), isNotNull(webhookDeliveries.endpointId)))
    .returning({ id: webhookDeliveries.id })
  if (reset.length > 0) {
    await env.WEBHOOKS.sendBatch(
      reset.map((d) => ({ body: { type: 'delivery', eventId: event.id, deliveryId: d.id } satisfies WebhookMessage })),
    )
  }
  return reset.length
}
