import { deliver, finish, type DeliveryOutcome } from './deliver'
import type { InvoiceRenderer } from './bitpay-ipn'
import { fanOutEvent } from './fanout'
import { WEBHOOKS_DLQ, type WebhookMessage } from './messages'
import { backoffScale, RETRY_DELAYS_SECONDS, retryDelaySeconds } from './retry-policy'
import { log } from '../log'

/** What the entry plugs into the consumer from services. */
export interface WebhookHooks {
  onEvent?: (env: Env, eventId: string) => Promise<void>
  invoiceView: InvoiceRenderer
}

/**
 * The webhooks queue consumer. Main queue: an event is fanned out and delivered to every target in
 * the same invocation; a target that fails gets a `delivery` message delayed by the backoff
 * schedule, and each failed retry is retried again until the schedule runs out (then the delivery
 * is marked failed). The entry wires services in: `onEvent` (bills follow payment events) and
 * `invoiceView` (the body of BitPay IPNs). Dead-letter queue: deliveries that could not even be
 * retried are marked failed.
 */
export async function handleWebhookBatch(
  batch: MessageBatch<WebhookMessage>,
  env: Env,
  hooks: WebhookHooks,
): Promise<void> {
  const scale = backoffScale(env)
  for (const message of batch.messages) {
    const body = message.body
    try {
      if (batch.queue === WEBHOOKS_DLQ) {
        if (body.type === 'delivery')
          await finish(env, body.deliveryId, 'failed', `gave up after ${message.attempts} attempts`)
        else log.error('webhook fan-out dead-lettered; the outbox sweep will retry', { eventId: body.eventId })
        message.ack()
        continue
      }
      if (body.type === 'event') {
        // The merchant's receivers and the services that follow payments (bills) in parallel.
        await Promise.all([deliverEvent(env, body.eventId, scale, hooks), hooks.onEvent?.(env, body.eventId)])
        message.ack()
        continue
      }
      // The attempt just made, counted over the delivery's whole life.
      const attempt = message.attempts + (body.prior ?? 0)
      const outcome = await deliver(env, body.deliveryId, hooks)
      if (outcome !== 'retry') message.ack()
      else if (attempt > RETRY_DELAYS_SECONDS.length) {
        await finish(env, body.deliveryId, 'failed', `gave up after ${attempt} attempts`)
        message.ack()
      } else message.retry({ delaySeconds: retryDelaySeconds(attempt, scale) })
    } catch (err) {
      log.error('webhook consumer error', { body, err: String(err) })
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, scale) })
    }
  }
}

/** Fans an event out and makes the first attempt for every target; failures are queued for retry. */
async function deliverEvent(env: Env, eventId: string, scale: number, hooks: WebhookHooks): Promise<void> {
  const pending = await fanOutEvent(env, eventId)
  const outcomes = await Promise.all(
    pending.map(async (deliveryId): Promise<DeliveryOutcome> => {
      try {
        return await deliver(env, deliveryId, hooks)
      } catch (err) {
        log.error('webhook delivery error', { eventId, deliveryId, err: String(err) })
        return 'retry'
      }
    }),
  )
  const retries = pending.filter((_, i) => outcomes[i] === 'retry')
  if (retries.length > 0) {
    await env.WEBHOOKS.sendBatch(
      retries.map((deliveryId) => ({
        body: { type: 'delivery', eventId, deliveryId, prior: 1 } satisfies WebhookMessage,
        delaySeconds: retryDelaySeconds(1, scale),
      })),
    )
  }
}
