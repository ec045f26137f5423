import { and, eq, isNull, lt, sql, type SQL } from 'drizzle-orm'
import { randomHex } from '../auth/crypto'
import { getDb, type PaymentRow, type WebhookEndpointRow } from '../db/client'
import { bills, events, webhookDeliveries, webhookEndpoints } from '../db/schema'
import { bitpayInvoiceOf, wantsIpn } from './bitpay-ipn'
import { NOTIFICATION_URL_TARGET, type WebhookMessage } from './messages'
import { log } from '../log'
import { subjectIpnUrl } from './payout-ipn'

/** Whether an endpoint wants events of `type`. */
export function endpointWants(endpoint: Pick<WebhookEndpointRow, 'enabledEvents' | 'status'>, type: string): boolean {
  if (endpoint.status !== 'enabled') return false
  if (endpoint.enabledEvents === null) return true
  return (JSON.parse(endpoint.enabledEvents) as string[]).includes(type)
}

/**
 * The `dispatched_at` of a new payment event, for its own INSERT: NULL (the queue fans it out) when
 * anyone may want it — an enabled endpoint of the merchant in the mode, the payment's
 * notification_url, or a bill the consumer's onEvent hook moves along — else `now`, as the fan-out
 * would have found no target and written nothing else. Decided in the statement that commits the
 * event, so it is exact then: an endpoint added afterwards gets the next event. A superset of the
 * fan-out's targets (it does not look at enabled_events), never a subset.
 */
export function dispatchedAtOnInsert(
  payment: Pick<PaymentRow, 'id' | 'merchantId' | 'livemode' | 'notificationUrl'>,
  now: string,
): SQL | null {
  if (payment.notificationUrl) return null
  return sql`CASE WHEN EXISTS (SELECT 1 FROM ${webhookEndpoints} WHERE ${webhookEndpoints.merchantId} = ${payment.merchantId} AND ${webhookEndpoints.livemode} = ${payment.livemode ? 1 : 0} AND ${webhookEndpoints.status} = 'enabled')
    OR EXISTS (SELECT 1 FROM ${bills} WHERE ${bills.paymentId} = ${payment.id}) THEN NULL ELSE ${now} END`
}

/**
 * Turns one outbox event into one delivery row per target (the merchant's endpoints that want the
 * event type, and for a payment event the payment's notification_url) and returns the ids of those still pending, for
 * the caller to deliver. Idempotent: run twice, it creates nothing twice.
 */
export async function fanOutEvent(env: Env, eventId: string): Promise<string[]> {
  const db = getDb(env.DB)
  const [event] = await db.select().from(events).where(eq(events.id, eventId))
  if (!event) {
    log.warn('webhook event not found', { eventId })
    return []
  }
  const endpoints = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.merchantId, event.merchantId), eq(webhookEndpoints.livemode, event.livemode)))
  const now = new Date().toISOString()
  const targets = endpoints
    .filter((e) => endpointWants(e, event.type))
    .map((e) => ({ target: e.id, endpointId: e.id as string | null, url: e.url }))
  // A payment's own notification_url; payout and recipient events go to the merchant's endpoints.
  const payment = event.subject === 'payment' ? (JSON.parse(event.data) as PaymentRow) : null
  if (payment?.notificationUrl && (await notificationUrlWants(env, payment))) {
    targets.push({ target: NOTIFICATION_URL_TARGET, endpointId: null, url: payment.notificationUrl })
  }
  // ... and to the payout's or recipient's own notificationURL: BitPay's IPN, for the statuses that have a code.
  const ipnUrl = subjectIpnUrl(event)
  if (ipnUrl) targets.push({ target: NOTIFICATION_URL_TARGET, endpointId: null, url: ipnUrl })

  if (targets.length > 0) {
    await db
      .insert(webhookDeliveries)
      .values(
        targets.map((t) => ({
          id: `wd_${randomHex(12)}`,
          eventId: event.id,
          merchantId: event.merchantId,
          paymentId: event.paymentId,
          target: t.target,
          endpointId: t.endpointId,
          url: t.url,
          createdAt: now,
          updatedAt: now,
        })),
      )
      .onConflictDoNothing()
  }
  const [pending] = await db.batch([
    db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.eventId, event.id), eq(webhookDeliveries.status, 'pending'))),
    db.update(events).set({ dispatchedAt: now }).where(eq(events.id, event.id)),
  ])
  return pending.map((d) => d.id)
}

/** A BitPay invoice's notificationURL gets BitPay's IPNs only (paid, confirmed, complete, …); others get every event. */
async function notificationUrlWants(env: Env, payment: PaymentRow): Promise<boolean> {
  const invoice = await bitpayInvoiceOf(env, payment.id)
  return !invoice || wantsIpn(env, payment, invoice.fullNotifications)
}

/** Queues a delivery message for every pending delivery of an event. */
export async function enqueuePendingDeliveries(env: Env, eventId: string): Promise<number> {
  const db = getDb(env.DB)
  const pending = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.eventId, eventId), eq(webhookDeliveries.status, 'pending')))
  if (pending.length > 0) {
    await env.WEBHOOKS.sendBatch(
      pending.map((d) => ({ body: { type: 'delivery', eventId, deliveryId: d.id } satisfies WebhookMessage })),
    )
  }
  return pending.length
}

/** Seconds an event may wait for its fan-out before the sweep re-queues it. */
export const OUTBOX_GRACE_SECONDS = 60

/**
 * Cron: re-queues outbox events that were never fanned out (the worker died between the D1 write
 * and the enqueue, or the send failed). At-least-once: a duplicate fan-out is harmless.
 */
export async function sweepOutbox(
  env: Env,
  now: Date = new Date(),
  graceSeconds = OUTBOX_GRACE_SECONDS,
): Promise<number> {
  const cutoff = new Date(now.getTime() - graceSeconds * 1000).toISOString()
  const stale = await getDb(env.DB)
    .select({ id: events.id })
    .from(events)
    .where(and(isNull(events.dispatchedAt), lt(events.createdAt, cutoff)))
    .orderBy(events.createdAt)
    .limit(100)
  if (stale.length > 0) {
    await env.WEBHOOKS.sendBatch(
      stale.map((e) => ({ body: { type: 'event', eventId: e.id } satisfies WebhookMessage })),
    )
  }
  return stale.length
}
