import { authenticateMerchant, merchantAuth, merchantGuard, type CredentialResolver } from '../../auth/middleware'
import { getDb } from '../../db/client'
import { ApiError } from '../../errors'
import { userForToken } from '../../services/merchants/users'

const HOUR_MS = 3_600_000

/** This surface's own credential: a dashboard user's login access token (cpt_…), in the user's mode. */
const loginToken: CredentialResolver = async (c, presented) => {
  if (!presented.startsWith('cpt_') || !c.env.ADMIN_TOKEN) return undefined
  const found = await userForToken(getDb(c.env.DB), c.env.ADMIN_TOKEN, presented, Math.floor(Date.now() / 1000))
  if (!found) return undefined
  return merchantAuth(found.merchant, {
    id: `user:${found.user.id}`,
    mode: found.user.livemode ? 'live' : 'test',
    requireSignature: false,
    signingSecret: '',
  })
}

/**
 * Mounted in front of the CryptoPay resources: the same merchant-credential pipeline as every other
 * surface (API keys with their signature check and per-minute limit), which also takes login tokens.
 */
export const cryptoPayCredentials = authenticateMerchant({ otherCredential: loginToken })

/**
 * CryptoPay route guard: a credential `cryptoPayCredentials` accepted, then the merchant's hourly
 * plan limit, whose X-RateLimit-* headers are the ones this surface reports.
 */
export const cryptoPayAuth = merchantGuard(
  () => new ApiError('UNAUTHORIZED', 'Missing or invalid access token', 'Authorization'),
  async (c, auth) => {
    const subject = `hourly:${auth.merchantId}:${auth.mode}`
    const result = await c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(subject)).hit(auth.hourlyLimit, HOUR_MS)
    const headers = {
      'X-RateLimit-Limit': String(result.limit),
      'X-RateLimit-Remaining': String(result.remaining),
      'X-RateLimit-Reset': String(result.reset),
    }
    c.set('responseHeaders', result.allowed ? headers : { ...headers, 'Retry-After': String(result.retryAfter) })
    if (!result.allowed) throw new ApiError('RATE_LIMITED', `Hourly limit of ${auth.hourlyLimit} requests exceeded`)
  },
)

/** Failed logins allowed per username and per client IP in a 15-minute window. */
export const LOGIN_FAILURES = { perUsername: 5, perClient: 20, windowMs: 15 * 60_000 } as const

/** Login throttling: counts failures per username and per client; over the limit, 429. */
export function loginThrottle(env: Env, username: string, client: string) {
  const limiter = (subject: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(subject))
  const user = limiter(`login-user:${username.toLowerCase()}`)
  const ip = limiter(`login-ip:${client}`)
  return {
    /** The exhausted counter, when either is used up. */
    async blocked() {
      const [u, i] = await Promise.all([
        user.peek(LOGIN_FAILURES.perUsername, LOGIN_FAILURES.windowMs),
        ip.peek(LOGIN_FAILURES.perClient, LOGIN_FAILURES.windowMs),
      ])
      return !u.allowed ? u : !i.allowed ? i : undefined
    },
    async recordFailure(): Promise<void> {
      await Promise.all([
        user.hit(LOGIN_FAILURES.perUsername, LOGIN_FAILURES.windowMs),
        ip.hit(LOGIN_FAILURES.perClient, LOGIN_FAILURES.windowMs),
      ])
    },
  }
}
