import { createMiddleware } from 'hono/factory'
import { countRequest } from '../auth/rate-limit'
import type { AppEnv } from '../context'

/**
 * The per-minute limit as a middleware, for routes whose credential is not a merchant API key (BitPay
 * tokens), after `bitpayAuth`. Merchant surfaces get it from `authenticateMerchant`, which counts the same way.
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  await countRequest(c, c.get('credential'))
  await next()
})
