import type { Context, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { AppEnv, AuthContext, AuthedEnv, KeyMode } from '../context'
import { getDb, type MerchantRow } from '../db/client'
import { ApiError } from '../errors'
import { findActiveKeyCached, perMinuteLimit } from './api-keys'
import { constantTimeEqual, sha256Hex } from './crypto'
import { hourlyLimit } from './plans'
import { countRequest } from './rate-limit'
import { claimSignature } from './replay'
import { acceptRequestSignature } from './signature'

const API_KEY_FORMAT = /^(test|live)_[0-9a-f]{64}$/

/** Reads the API key from `Authorization: Bearer` or `X-API-Key`. */
export function presentedKey(headers: Headers): string | undefined {
  const bearer = headers.get('authorization')?.match(/^Bearer\s+(\S+)\s*$/i)?.[1]
  return bearer ?? headers.get('x-api-key')?.trim() ?? undefined
}

/** The auth context of a merchant acting through one credential (an API key, a login token). */
export function merchantAuth(
  merchant: MerchantRow,
  credential: { id: string; mode: KeyMode; requireSignature: boolean; signingSecret: string },
): AuthContext {
  return {
    merchantId: merchant.id,
    merchantKey: merchant.merchantKey,
    keyId: credential.id,
    mode: credential.mode,
    livemode: credential.mode === 'live',
    requireSignature: credential.requireSignature,
    signingSecret: credential.signingSecret,
    rateLimit: perMinuteLimit(merchant, credential.mode),
    hourlyLimit: hourlyLimit(merchant),
  }
}

/** A surface's own credential type besides API keys (CryptoPay login tokens); undefined when it is none. */
export type CredentialResolver = (c: Context<AppEnv>, presented: string) => Promise<AuthContext | undefined>

/**
 * The one authentication pipeline for merchant credentials, mounted in front of every merchant
 * surface (v1 with the BitPay pairing endpoints, payment links, CryptoPay), so that none can differ:
 * 1. look the API key up (a revoked key is not found; the key brings its mode), or the surface's own
 *    credential type when it has one (CryptoPay login tokens: `otherCredential`);
 * 2. count the request against the credential's per-minute limit (the client IP's when it has none);
 * 3. for an API key, verify X-Signature when the key enforces signing or the request carries one,
 *    and accept each signature once (a replay is 401 SIGNATURE_REPLAYED).
 * Only then is `credential` set. Refusing a request that has no credential is the route's part (its
 * surface's `merchantGuard`), so operator routes and unknown paths under the same prefix answer as they do.
 */
export function authenticateMerchant(options: { otherCredential?: CredentialResolver } = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const presented = presentedKey(c.req.raw.headers)
    const apiKey = presented && API_KEY_FORMAT.test(presented) ? await apiKeyAuth(c.env, presented) : undefined
    const auth =
      apiKey ?? (presented && options.otherCredential ? await options.otherCredential(c, presented) : undefined)
    await countRequest(c, auth)
    // Login tokens have no signing secret; only API keys sign requests.
    if (apiKey) await verifySignature(c, apiKey)
    c.set('credential', auth)
    await next()
  })
}

async function apiKeyAuth(env: Env, presented: string): Promise<AuthContext | undefined> {
  const found = await findActiveKeyCached(getDb(env.DB), presented)
  if (!found) return undefined
  const { key, merchant } = found
  return merchantAuth(merchant, {
    id: key.id,
    mode: key.mode,
    requireSignature: key.requireSignature,
    signingSecret: key.signingSecret,
  })
}

/** Verifies X-Signature when the request carries one or the key enforces signing; each signature counts once. */
async function verifySignature(c: Context<AppEnv>, auth: AuthContext): Promise<void> {
  const signature = c.req.header('x-signature')
  if (!auth.requireSignature && signature === undefined) return
  const url = new URL(c.req.url)
  const check = acceptRequestSignature({
    secret: auth.signingSecret,
    signature,
    timestamp: c.req.header('x-timestamp'),
    method: c.req.method,
    path: url.pathname + url.search,
    body: await c.req.text(),
    nowSeconds: Math.floor(Date.now() / 1000),
  })
  if (!check.ok) throw new ApiError('INVALID_SIGNATURE', check.reason, check.field)
  if (!(await claimSignature(getDb(c.env.DB), auth.keyId, check))) {
    throw new ApiError(
      'SIGNATURE_REPLAYED',
      'This signature was already used: sign every request, retries included, with a fresh X-Timestamp',
      'X-Signature',
    )
  }
}

/**
 * A surface's route guard: refuses a request on which `authenticateMerchant` found no merchant
 * credential (`refuse` names the surface's 401), then runs the surface's own `check` (CryptoPay's
 * hourly limit), and sets `auth`: the routes behind it are typed `AuthedEnv`, so handlers read
 * `c.get('auth')` without a check or a `!`.
 */
export function merchantGuard(
  refuse: (c: Context<AuthedEnv>) => ApiError,
  check?: (c: Context<AuthedEnv>, auth: AuthContext) => Promise<void>,
): MiddlewareHandler<AuthedEnv> {
  return createMiddleware<AuthedEnv>(async (c, next) => {
    const auth = c.get('credential')
    if (!auth) throw refuse(c)
    await check?.(c, auth)
    c.set('auth', auth)
    await next()
  })
}

/** The v1 guard: 401 without a valid merchant API key. */
export const requireMerchant = merchantGuard(
  (c) =>
    new ApiError(
      'UNAUTHORIZED',
      presentedKey(c.req.raw.headers)
        ? 'Invalid or revoked API key'
        : 'Missing API key: send Authorization: Bearer <key> or X-API-Key',
      'Authorization',
    ),
)

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
