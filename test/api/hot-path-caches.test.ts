import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { apiKeyCache, forgetCachedKeys } from '../../src/auth/api-keys'
import { sha256Hex } from '../../src/auth/crypto'
import { rateLimitLocal } from '../../src/auth/rate-limit'
import { ADMIN_TOKEN, call, createMerchant } from '../helpers/api'

const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` }
const realNow = apiKeyCache.now

afterEach(() => {
  apiKeyCache.now = realNow
  forgetCachedKeys()
})

describe('the API key cache', () => {
  it('serves a key from the isolate after the first request, without asking D1 again', async () => {
    const m = await createMerchant()
    expect((await call('GET', '/v1/payments', { key: m.testKey })).status).toBe(200)
    expect(apiKeyCache.entries.has(sha256Hex(m.testKey))).toBe(true)
  })

  it('stops a key revoked through the API at once in the same isolate', async () => {
    const m = await createMerchant()
    const created = await call('POST', '/v1/api-keys', { key: m.testKey, body: { name: 'to revoke' } })
    expect(created.status).toBe(201)
    const key = created.json.data.key as string
    expect((await call('GET', '/v1/payments', { key })).status).toBe(200)
    expect((await call('DELETE', `/v1/api-keys/${created.json.data.id}`, { key: m.testKey })).status).toBe(200)
    expect((await call('GET', '/v1/payments', { key })).status).toBe(401)
  })

  it('stops a key revoked elsewhere (another isolate: D1 only) within the cache bound', async () => {
    const m = await createMerchant()
    let now = Date.now()
    apiKeyCache.now = () => now
    expect((await call('GET', '/v1/payments', { key: m.testKey })).status).toBe(200)
    // Another isolate revokes it: this isolate's cache is not told.
    await env.DB.prepare('UPDATE api_keys SET revoked_at = ? WHERE key_hash = ?')
      .bind(new Date().toISOString(), sha256Hex(m.testKey))
      .run()
    now += apiKeyCache.ttlMs - 1
    expect((await call('GET', '/v1/payments', { key: m.testKey })).status).toBe(200)
    now += 1
    expect((await call('GET', '/v1/payments', { key: m.testKey })).status).toBe(401)
  })

  it('does not cache an unknown key: a key issued after a miss works at once', async () => {
    const m = await createMerchant()
    const created = await call('POST', '/v1/api-keys', { key: m.testKey, body: { name: 'new' } })
    expect((await call('GET', '/v1/payments', { key: created.json.data.key })).status).toBe(200)
    expect((await call('GET', '/v1/payments', { key: `test_${'0'.repeat(64)}` })).status).toBe(401)
    expect(apiKeyCache.entries.has(sha256Hex(`test_${'0'.repeat(64)}`))).toBe(false)
  })

  it('applies a changed rate limit at once in the same isolate', async () => {
    const m = await createMerchant({ rate_limit_test: 50 })
    expect((await call('GET', '/v1/payments', { key: m.testKey })).headers.get('x-ratelimit-limit')).toBe('50')
    expect(
      (await call('PATCH', `/v1/merchants/${m.id}`, { headers: admin, body: { rate_limit_test: 2 } })).status,
    ).toBe(200)
    const res = await call('GET', '/v1/payments', { key: m.testKey })
    expect(res.headers.get('x-ratelimit-limit')).toBe('2')
    // 1 counted before the change, this one is the 2nd: the next is over the new limit.
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0')
    expect((await call('GET', '/v1/payments', { key: m.testKey })).status).toBe(429)
  })

  it('applies a limit changed elsewhere within the cache bound', async () => {
    const m = await createMerchant({ rate_limit_test: 50 })
    let now = Date.now()
    apiKeyCache.now = () => now
    expect((await call('GET', '/v1/payments', { key: m.testKey })).headers.get('x-ratelimit-limit')).toBe('50')
    await env.DB.prepare('UPDATE merchants SET rate_limit_test = 7 WHERE id = ?').bind(m.id).run()
    now += apiKeyCache.ttlMs
    expect((await call('GET', '/v1/payments', { key: m.testKey })).headers.get('x-ratelimit-limit')).toBe('7')
  })
})

describe('rate limiting without a serial round trip', () => {
  it('counts every locally admitted request at the counter, and the limit still holds', async () => {
    const m = await createMerchant({ rate_limit_test: 20 })
    const remaining: string[] = []
    for (let i = 0; i < 20; i++) {
      const res = await call('GET', '/v1/payments', { key: m.testKey })
      expect(res.status).toBe(200)
      remaining.push(res.headers.get('x-ratelimit-remaining') ?? '')
    }
    // The headers count down exactly, whether answered here or by the counter.
    expect(remaining).toEqual(Array.from({ length: 20 }, (_, i) => String(19 - i)))
    const over = await call('GET', '/v1/payments', { key: m.testKey })
    expect(over.status).toBe(429)
    expect(over.headers.get('retry-after')).not.toBeNull()
    // The counter saw all of them (the local share was sent after the responses).
    const keyId = (
      await env.DB.prepare('SELECT id FROM api_keys WHERE key_hash = ?')
        .bind(sha256Hex(m.testKey))
        .first<{ id: string }>()
    )?.id
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`key:${keyId}`))
    expect((await stub.peek(20)).count).toBe(21)
  })

  it('asks the counter for the first request of a window and once past the local share', async () => {
    const m = await createMerchant({ rate_limit_test: 10 })
    await call('GET', '/v1/payments', { key: m.testKey })
    const keyId = (
      await env.DB.prepare('SELECT id FROM api_keys WHERE key_hash = ?')
        .bind(sha256Hex(m.testKey))
        .first<{ id: string }>()
    )?.id
    const local = rateLimitLocal.windows.get(`key:${keyId}`)
    expect(local?.known).toBe(1)
    for (let i = 0; i < 9; i++) await call('GET', '/v1/payments', { key: m.testKey })
    // Past half of the limit every answer came from the counter, so the view is the counter's total.
    expect(rateLimitLocal.windows.get(`key:${keyId}`)?.known).toBe(10)
  })
})

describe("the deposit address claim in the payment's first batch", () => {
  it("writes the claim with the payment, for the payment's wallet and index", async () => {
    const { merchantWithWallet } = await import('../helpers/api')
    const m = await merchantWithWallet()
    const res = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: { amount: '5.00', currency: 'USD', chain_id: 31337, token: 'ETH' },
    })
    expect(res.status).toBe(201)
    const claim = await env.DB.prepare(
      'SELECT wallet_id, derivation_index FROM deposit_addresses WHERE chain_id = 31337 AND address = ?',
    )
      .bind(String(res.json.data.deposit_address).toLowerCase())
      .first<{ wallet_id: string; derivation_index: number }>()
    expect(claim).toEqual({ wallet_id: m.walletId, derivation_index: 0 })
  })

  it('writes neither the payment nor its event when the address is held by another wallet, and takes the next one', async () => {
    const { merchantWithWallet } = await import('../helpers/api')
    const { deriveDepositAddress } = await import('../../src/chain/addresses')
    const m = await merchantWithWallet()
    // Another wallet took child 0 after the address was derived: the batch's plain insert must fail.
    await env.DB.prepare(
      "INSERT INTO deposit_addresses (chain_id, address, wallet_id, merchant_id, livemode, derivation_index, created_at) VALUES (31337, ?, 'wal_other', NULL, 0, NULL, ?)",
    )
      .bind(deriveDepositAddress(m.xpub, 0).toLowerCase(), new Date().toISOString())
      .run()
    const before = await env.DB.prepare('SELECT COUNT(*) AS n FROM payments WHERE merchant_id = ?')
      .bind(m.id)
      .first<{ n: number }>()
    const res = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: { amount: '5.00', currency: 'USD', chain_id: 31337, token: 'ETH' },
    })
    expect(res.status).toBe(201)
    expect(res.json.data.deposit_address).toBe(deriveDepositAddress(m.xpub, 1))
    const after = await env.DB.prepare('SELECT COUNT(*) AS n FROM payments WHERE merchant_id = ?')
      .bind(m.id)
      .first<{ n: number }>()
    expect((after?.n ?? 0) - (before?.n ?? 0)).toBe(1)
    const events = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM events WHERE payment_id = ? AND type = 'payment.created'",
    )
      .bind(res.json.data.id)
      .first<{ n: number }>()
    expect(events?.n).toBe(1)
  })
})
