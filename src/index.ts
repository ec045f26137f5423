import { createApp } from './app'
import { runMaintenance } from './maintenance'
import type { WebhookMessage } from './objects/payment-object'
import { handleWebhookBatch } from './webhooks/consumer'

export { PaymentObject } from './objects/payment-object'
export { RateLimiter } from './objects/rate-limiter'

const app = createApp()

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    await handleWebhookBatch(batch, env)
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runMaintenance(env))
  },
} satisfies ExportedHandler<Env, WebhookMessage>
