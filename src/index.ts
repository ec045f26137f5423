import { createApp } from './app'
import { runMaintenance } from './maintenance'
import { runChainCron } from './services/chain-cron'
import { onPaymentEvent } from './services/bills/bills'
import type { WebhookMessage } from './webhooks/messages'
import { handleWebhookBatch } from './webhooks/consumer'
import { sweepOutbox } from './webhooks/fanout'

export { ApiSession } from './objects/api-session'
export { PaymentObject } from './objects/payment-object'
export { RateLimiter } from './objects/rate-limiter'

const app = createApp()

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    await handleWebhookBatch(batch, env, { onEvent: onPaymentEvent })
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runMaintenance(env))
    ctx.waitUntil(sweepOutbox(env))
    ctx.waitUntil(runChainCron(env))
  },
} satisfies ExportedHandler<Env, WebhookMessage>
