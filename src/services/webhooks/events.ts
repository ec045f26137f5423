import { and, asc, desc, eq, inArray } from 'drizzle-orm'
import type { AuthContext } from '../../context'
import { getDb, type Db, type EventRow } from '../../db/client'
import { events, webhookAttempts, webhookDeliveries } from '../../db/schema'
import { notFound } from '../../errors'
import { enqueuePendingDeliveries } from '../../webhooks/fanout'
import type { WebhookMessage } from '../../webhooks/messages'

export type DeliveryRow = typeof webhookDeliveries.$inferSelect
export type AttemptRow = typeof webhookAttempts.$inferSelect
export type DeliveryWithAttempts = DeliveryRow & { attemptLog: AttemptRow[] }

async function withAttempts(db: Db, deliveries: DeliveryRow[]): Promise<DeliveryWithAttempts[]> {
  if (deliveries.length === 0) return []
  const attempts = await db
    .select()
    .from(webhookAttempts)
    .where(
      inArray(
        webhookAttempts.deliveryId,
        deliveries.map((d) => d.id),
      ),
    )
    .orderBy(asc(webhookAttempts.attempt))
  return deliveries.map((d) => ({ ...d, attemptLog: attempts.filter((a) => a.deliveryId === d.id) }))
}

export async function getEvent(db: Db, auth: AuthContext, id: string): Promise<EventRow> {
  const [row] = await db
    .select()
    .from(events)
    .where(and(eq(events.id, id), eq(events.merchantId, auth.merchantId), eq(events.livemode, auth.livemode)))
  if (!row) throw notFound('Event')
  return row
}

export async function eventDeliveries(db: Db, eventIds: string[]): Promise<DeliveryWithAttempts[]> {
  if (eventIds.length === 0) return []
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(inArray(webhookDeliveries.eventId, eventIds))
    .orderBy(asc(webhookDeliveries.createdAt))
  return withAttempts(db, rows)
}

/** Events of a payment (already checked to belong to the caller), oldest first. */
export async function paymentEvents(db: Db, paymentId: string) {
  const rows = await db.select().from(events).where(eq(events.paymentId, paymentId)).orderBy(asc(events.sequence))
  const deliveries = await eventDeliveries(
    db,
    rows.map((e) => e.id),
  )
  return rows.map((e) => ({ event: e, deliveries: deliveries.filter((d) => d.eventId === e.id) }))
}

export async function listEndpointDeliveries(db: Db, endpointId: string, limit: number) {
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.endpointId, endpointId))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit)
  return withAttempts(db, rows)
}

/**
 * Sends an event again: every delivery of it goes back to pending and is queued (a receiver that
 * already has it dedupes by event id); an event never fanned out is fanned out now.
 */
export async function resendEvent(env: Env, db: Db, event: EventRow): Promise<number> {
  const reset = await db
    .update(webhookDeliveries)
    .set({ status: 'pending', updatedAt: new Date().toISOString() })
    .where(eq(webhookDeliveries.eventId, event.id))
    .returning({ id: webhookDeliveries.id })
  if (reset.length === 0) {
    await env.WEBHOOKS.send({ type: 'event', eventId: event.id } satisfies WebhookMessage)
    return 0
  }
  return enqueuePendingDeliveries(env, event.id)
}

/** Resends the newest event of a payment (BitPay's "request notification resend"). */
export async function resendLatestEvent(env: Env, paymentId: string): Promise<number> {
  const db = getDb(env.DB)
  const [event] = await db
    .select()
    .from(events)
    .where(eq(events.paymentId, paymentId))
    .orderBy(desc(events.sequence))
    .limit(1)
  if (!event) return 0
  return resendEvent(env, db, event)
}
