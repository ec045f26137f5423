import type { HonoRequest } from 'hono'
import { createMiddleware } from 'hono/factory'
import { sinFromPublicKey, verifyBitPaySignature } from '../../auth/bitpay-identity'
import { DEFAULT_RATE_LIMITS } from '../../auth/api-keys'
import { hourlyLimit } from '../../auth/plans'
import type { AuthContext, BitPayEnv } from '../../context'
import { getDb } from '../../db/client'
import { ApiError } from '../../errors'
import { activeToken, type Facade } from '../../services/bitpay/tokens'

/** The JSON body of a BitPay request (empty object when there is none); the raw text stays cached. */
export async function bitpayBody(c: { req: { text(): Promise<string> } }): Promise<Record<string, unknown>> {
  const text = await c.req.text()
  if (text.trim() === '') return {}
  try {
    const value: unknown = JSON.parse(text)
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // fall through
  }
  throw new ApiError('INVALID_JSON', 'Request body is not a JSON object', 'body')
}

/** Checks x-identity/x-signature over the full URL plus body; returns the signer's SIN. */
export async function signerSin(c: { req: HonoRequest }): Promise<string> {
  const identity = c.req.header('x-identity')
  const signature = c.req.header('x-signature')
  if (!identity || !signature)
    throw new ApiError(
      'UNAUTHORIZED',
      'This request must be signed: x-identity and x-signature headers are required',
      'x-signature',
    )
  const body = ['GET', 'DELETE', 'HEAD'].includes(c.req.method) ? '' : await c.req.text()
  if (!verifyBitPaySignature(identity, signature, c.req.url + body))
    throw new ApiError('UNAUTHORIZED', 'Invalid signature', 'x-signature')
  return sinFromPublicKey(identity.toLowerCase())
}

/** The BitPay token a request carries: `token` in the JSON body (POST/PUT), else `?token=`. */
export async function requestToken(c: { req: HonoRequest }): Promise<string | undefined> {
  const fromBody = ['POST', 'PUT'].includes(c.req.method) ? (await bitpayBody(c)).token : undefined
  return typeof fromBody === 'string' ? fromBody : c.req.query('token')
}

/**
 * BitPay token auth: the token comes as `token` in the JSON body or the query. `merchant` and
 * `payout` tokens need the signature of the SIN they are bound to; `pos` tokens are used unsigned.
 * Behind it, `c.get('auth')` and `c.get('bitpay')` are set (`BitPayEnv`).
 */
export function bitpayAuth(allowed: readonly Facade[], options: { tokenFromPath?: string } = {}) {
  return createMiddleware<BitPayEnv>(async (c, next) => {
    const token = options.tokenFromPath ? c.req.param(options.tokenFromPath) : await requestToken(c)
    if (!token)
      throw new ApiError('UNAUTHORIZED', 'This endpoint does not support the public facade: send a token', 'token')
    // A valid signature is read first, so one query also tells whether its SIN is linked to the token.
    const signer = await signerSin(c).catch(() => null)
    const found = await activeToken(getDb(c.env.DB), token, signer)
    if (!found) throw new ApiError('UNAUTHORIZED', 'Invalid token', 'token')
    const facade = found.token.facade
    if (!allowed.includes(facade))
      throw new ApiError('FORBIDDEN', `This endpoint does not support the ${facade} facade`, 'token')
    if (facade !== 'pos') {
      if (signer === null) await signerSin(c) // throws the reason: missing or invalid signature
      if (!found.signerLinked)
        throw new ApiError('UNAUTHORIZED', 'This token is bound to another client identity', 'x-identity')
    }
    const mode = found.token.livemode ? 'live' : 'test'
    c.set('bitpay', { facade, sin: facade === 'pos' ? found.token.sin : signer, token })
    const auth: AuthContext = {
      merchantId: found.merchant.id,
      merchantKey: found.merchant.merchantKey,
      keyId: `bitpay:${token.slice(0, 8)}`,
      mode,
      livemode: found.token.livemode,
      requireSignature: false,
      signingSecret: '',
      rateLimit:
        (found.token.livemode ? found.merchant.rateLimitLive : found.merchant.rateLimitTest) ??
        DEFAULT_RATE_LIMITS[mode],
      hourlyLimit: hourlyLimit(found.merchant),
    }
    c.set('credential', auth)
    c.set('auth', auth)
    await next()
  })
}
