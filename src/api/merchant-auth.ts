import type { Context } from 'hono'
import type { AppEnv, AppVariables, AuthContext } from '../context'
import { ApiError } from '../errors'

/**
 * The merchant behind a request that a merchant-guarding middleware let through (`requireMerchant`
 * on v1, the token middleware on BitPay and CryptoPay, the links surface's). Typed, never `!`: a
 * route mounted without its guard answers UNAUTHORIZED instead of reading undefined.
 */
export function merchantAuth(c: Pick<Context<AppEnv>, 'get'>): AuthContext {
  const auth = c.get('auth')
  if (!auth) throw new ApiError('UNAUTHORIZED', 'This endpoint needs a merchant credential')
  return auth
}

/** The BitPay token behind a request that BitPay's token middleware let through. */
export function bitpayToken(c: Pick<Context<AppEnv>, 'get'>): NonNullable<AppVariables['bitpay']> {
  const token = c.get('bitpay')
  if (!token) throw new ApiError('UNAUTHORIZED', 'This endpoint does not support the public facade: send a token', 'token')
  return token
}
