import { Hono } from 'hono'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { merchantGuard } from '../../src/auth/middleware'
import type { AppEnv, AuthContext } from '../../src/context'
import { ApiError } from '../../src/errors'

const auth: AuthContext = {
  merchantId: 'm_1',
  merchantKey: 'k',
  keyId: 'key_1',
  mode: 'test',
  livemode: false,
  requireSignature: false,
  signingSecret: 's',
  rateLimit: 1,
  hourlyLimit: 1,
}

/** A surface in miniature: the pipeline leaves `credential` (or not), the guard sets `auth`. */
function surface(credential: AuthContext | undefined, check?: (auth: AuthContext) => Promise<void>) {
  return new Hono<AppEnv>()
    .onError((err, c) =>
      c.json(
        { code: err instanceof ApiError ? err.code : 'INTERNAL_ERROR' },
        err instanceof ApiError ? err.status : 500,
      ),
    )
    .use(async (c, next) => {
      c.set('credential', credential)
      await next()
    })
    .get(
      '/guarded',
      merchantGuard(() => new ApiError('UNAUTHORIZED', 'no key'), check && ((_c, a) => check(a))),
      (c) => {
        expectTypeOf(c.get('auth')).toEqualTypeOf<AuthContext>()
        expectTypeOf(c.var.auth).toEqualTypeOf<AuthContext>()
        return c.json({ merchantId: c.get('auth').merchantId })
      },
    )
    .get('/open', (c) => {
      // @ts-expect-error a route without a guard has no `auth` to read
      c.get('auth')
      return c.text('open')
    })
}

describe('merchantGuard: typed auth set by the surface guard', () => {
  it('lets a request with a merchant credential through and hands the handler its auth', async () => {
    const res = await surface(auth).request('/guarded')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ merchantId: 'm_1' })
  })

  it("answers the surface's 401 without a credential, before the handler runs", async () => {
    const res = await surface(undefined).request('/guarded')
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ code: 'UNAUTHORIZED' })
  })

  it("runs the surface's own check with the credential before the handler (CryptoPay's hourly limit)", async () => {
    const seen: string[] = []
    const refused = surface(auth, async (a) => {
      seen.push(a.merchantId)
      throw new ApiError('RATE_LIMITED', 'over')
    })
    const res = await refused.request('/guarded')
    expect(res.status).toBe(429)
    expect(seen).toEqual(['m_1'])
  })
})
