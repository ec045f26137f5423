import { eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { events } from '../db/schema'
import type { WebhookMessage } from '../objects/payment-object'

/**
 * Webhook queue consumer. Events are already durable in the outbox (`events`); delivery to
 * merchant endpoints arrives with the webhooks work. Until then a message is acknowledged once
 * its event row is confirmed to exist, and retried if the read fails.
 */
export async function handleWebhookBatch(batch: MessageBatch<WebhookMessage>, env: Env): Promise<void> {
  const db = getDb(env.DB)
  for (const message of batch.messages) {
    try {
      const [event] = await db.select({ id: events.id }).from(events).where(eq(events.id, message.body.eventId))
      if (!event) console.warn(JSON.stringify({ msg: 'webhook message for unknown event', eventId: message.body.eventId }))
      message.ack()
    } catch (err) {
      console.error(JSON.stringify({ msg: 'webhook consumer failed', eventId: message.body.eventId, err: String(err) }))
      message.retry({ delaySeconds: 30 })
    }
  }
}
