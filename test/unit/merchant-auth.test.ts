import { describe, expect, it } from 'vitest'
import { bitpayToken, merchantAuth } from '../../src/api/merchant-auth'
import type { AppVariables } from '../../src/context'
import { ApiError } from '../../src/errors'

const contextWith = (vars: Partial<AppVariables>) => ({ get: <K extends keyof AppVariables>(key: K) => vars[key] as AppVariables[K] })
const auth = { merchantId: 'm_1', merchantKey: 'k', keyId: 'key_1', mode: 'test', livemode: false, requireSignature: false, signingSecret: 's', rateLimit: 1, hourlyLimit: 1 } as const

describe('typed auth accessors', () => {
  it('returns the merchant the guarding middleware set', () => {
    expect(merchantAuth(contextWith({ auth }))).toBe(auth)
  })

  it('answers UNAUTHORIZED on a route mounted without its guard, never reading undefined', () => {
    expect(() => merchantAuth(contextWith({}))).toThrow(ApiError)
    expect(() => merchantAuth(contextWith({}))).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED', status: 401 }))
  })

  it('returns the BitPay token, or refuses the public facade', () => {
    const token = { facade: 'pos', sin: null, token: 't' } as const
    expect(bitpayToken(contextWith({ bitpay: token }))).toBe(token)
    expect(() => bitpayToken(contextWith({}))).toThrow(expect.objectContaining({ code: 'UNAUTHORIZED', field: 'token' }))
  })
})
