import type { Context } from 'hono'
import type { AppEnv, AuthContext } from '../context'
import { ApiError } from '../errors'
import { DEFAULT_RATE_LIMITS } from './api-keys'

/**
 * Counts the request against the per-minute limit of its credential (or of its client IP when it has
 * none) and sets the X-RateLimit-* headers; over the limit it throws 429 with Retry-After.
 */
export async function countRequest(c: Context<AppEnv>, auth: AuthContext | undefined): Promise<void> {
  const subject = auth ? `key:${auth.keyId}` : `ip:${c.req.header('cf-connecting-ip') ?? 'local'}`
  const limit = auth?.rateLimit ?? DEFAULT_RATE_LIMITS.test
  const result = await c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(subject)).hit(limit)
  const headers = {
    'X-RateLimit-Limit': String(result.limit),
    'X-RateLimit-Remaining': String(result.remaining),
    'X-RateLimit-Reset': String(result.reset),
  }
  if (!result.allowed) {
    c.set('responseHeaders', { ...headers, 'Retry-After': String(result.retryAfter) })
    throw new ApiError('RATE_LIMITED', `Rate limit of ${limit} requests per minute exceeded`)
  }
  c.set('responseHeaders', headers)
}
