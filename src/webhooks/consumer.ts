import { deliver, finish } from './deliver'
import { fanOutEvent } from './fanout'
import { WEBHOOKS_DLQ, type WebhookMessage } from './messages'
import { backoffScale, retryDelaySeconds } from './retry-policy'

/**
 * The webhooks queue consumer. Main queue: fan out events, deliver deliveries, retrying failures
 * with exponential backoff; `onEvent` lets the entry wire services to payment events. Dead-letter queue: deliveries whose retries ran out are marked failed.
 */
export async function handleWebhookBatch(batch: MessageBatch<WebhookMessage>, env: Env, hooks: { onEvent?: (env: Env, eventId: string) => Promise<void> } = {}): Promise<void> {
  const scale = backoffScale(env)
  for (const message of batch.messages) {
    const body = message.body
    try {
      if (batch.queue === WEBHOOKS_DLQ) {
        if (body.type === 'delivery') await finish(env, body.deliveryId, 'failed', `gave up after ${message.attempts} attempts`)
        else console.error(JSON.stringify({ msg: 'webhook fan-out dead-lettered; the outbox sweep will retry', eventId: body.eventId }))
        message.ack()
        continue
      }
      if (body.type === 'event') {
        await fanOutEvent(env, body.eventId)
        await hooks.onEvent?.(env, body.eventId)
        message.ack()
        continue
      }
      const outcome = await deliver(env, body.deliveryId)
      if (outcome === 'retry') message.retry({ delaySeconds: retryDelaySeconds(message.attempts, scale) })
      else message.ack()
    } catch (err) {
      console.error(JSON.stringify({ msg: 'webhook consumer error', body, err: String(err) }))
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, scale) })
    }
  }
}
