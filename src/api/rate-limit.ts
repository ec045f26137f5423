import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../context'
import { ApiError } from '../errors'
import { DEFAULT_RATE_LIMITS } from '../auth/api-keys'

/**
 * Counts the request against its API key (or its client IP when not authenticated) and sets the
 * X-RateLimit-* headers; over the limit it answers 429 with Retry-After.
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.get('auth')
  const subject = auth ? `key:${auth.keyId}` : `ip:${c.req.header('cf-connecting-ip') ?? 'local'}`
  const limit = auth?.rateLimit ?? DEFAULT_RATE_LIMITS.test
  const limiter = c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(subject))
  const result = await limiter.hit(limit)
  const headers = {
    'X-RateLimit-Limit': String(result.limit),
    'X-RateLimit-Remaining': String(result.remaining),
    'X-RateLimit-Reset': String(result.reset),
  }
  if (!result.allowed) {
    const error = new ApiError('RATE_LIMITED', `Rate limit of ${limit} requests per minute exceeded`)
    c.set('responseHeaders', { ...headers, 'Retry-After': String(result.retryAfter) })
    throw error
  }
  c.set('responseHeaders', headers)
  await next()
})
