import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../context'
import { getDb } from '../db/client'
import { ApiError } from '../errors'
import { DEFAULT_RATE_LIMITS, findActiveKey } from './api-keys'
import { constantTimeEqual, sha256Hex } from './crypto'
import { hourlyLimit } from './plans'
import { verifyRequestSignature } from './signature'

/** Reads the API key from `Authorization: Bearer` or `X-API-Key`. */
export function presentedKey(headers: Headers): string | undefined {
  const bearer = headers.get('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]
  return bearer ?? headers.get('x-api-key')?.trim() ?? undefined
}

/**
 * Resolves the caller's API key without rejecting: rate limiting runs next for every request
 * (by key, or by client IP when there is none) and `requireMerchant` rejects afterwards.
 */
export const identify = createMiddleware<AppEnv>(async (c, next) => {
  const presented = presentedKey(c.req.raw.headers)
  if (presented && /^(test|live)_[0-9a-f]{64}$/.test(presented)) {
    const found = await findActiveKey(getDb(c.env.DB), presented)
    if (found) {
      const { key, merchant } = found
      const override = key.mode === 'live' ? merchant.rateLimitLive : merchant.rateLimitTest
      c.set('auth', {
        merchantId: merchant.id,
        merchantKey: merchant.merchantKey,
        keyId: key.id,
        mode: key.mode,
        livemode: key.mode === 'live',
        requireSignature: key.requireSignature,
        signingSecret: key.signingSecret,
        rateLimit: override ?? DEFAULT_RATE_LIMITS[key.mode],
        hourlyLimit: hourlyLimit(merchant),
      })
    }
  }
  await next()
})

/** Rejects requests without a valid merchant API key, then checks the request signature. */
export const requireMerchant = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get('auth')) {
    const presented = presentedKey(c.req.raw.headers)
    throw new ApiError(
      'UNAUTHORIZED',
      presented ? 'Invalid or revoked API key' : 'Missing API key: send Authorization: Bearer <key> or X-API-Key',
      'Authorization',
    )
  }
  await verifySignature(c, next)
})

/** Verifies X-Signature when the request carries one or the key enforces signing. */
const verifySignature = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.get('auth')!
  const signature = c.req.header('x-signature')
  if (auth.requireSignature || signature !== undefined) {
    const url = new URL(c.req.url)
    const check = verifyRequestSignature({
      secret: auth.signingSecret,
      signature,
      timestamp: c.req.header('x-timestamp'),
      method: c.req.method,
      path: url.pathname + url.search,
      body: await c.req.text(),
      nowSeconds: Math.floor(Date.now() / 1000),
    })
    if (!check.ok) throw new ApiError('INVALID_SIGNATURE', check.reason, check.field)
  }
  await next()
})

/** Guards operator endpoints with the ADMIN_TOKEN secret. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const token = c.req.header('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]
  const expected = c.env.ADMIN_TOKEN
  if (!expected) throw new ApiError('FORBIDDEN', 'ADMIN_TOKEN is not configured on this gateway')
  // Hash both sides so the comparison time does not depend on the secret's length.
  if (!token || !constantTimeEqual(sha256Hex(token), sha256Hex(expected))) {
    throw new ApiError('UNAUTHORIZED', 'Invalid admin token', 'Authorization')
  }
  await next()
})
