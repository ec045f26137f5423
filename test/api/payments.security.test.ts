import { describe, expect, it } from 'vitest'
import { hmacSha256Hex } from '../../src/auth/crypto'
import { signingPayload } from '../../src/auth/signature'
import { call, createMerchant, merchantWithWallet } from '../helpers/api'

const body = { amount: '5', currency: 'USD' }

function signed(
  secret: string,
  method: string,
  path: string,
  payload: string,
  timestamp = Math.floor(Date.now() / 1000),
) {
  return {
    'X-Timestamp': String(timestamp),
    'X-Signature': hmacSha256Hex(secret, signingPayload(String(timestamp), method, path, payload)),
  }
}

describe('merchant isolation', () => {
  it("answers another merchant's payment with 404 for get and cancel, and leaves it out of lists", async () => {
    const a = await merchantWithWallet()
    const b = await merchantWithWallet()
    const created = await call('POST', '/v1/payments', { key: a.testKey, body })
    const id = created.json.data.id
    expect((await call('GET', `/v1/payments/${id}`, { key: b.testKey })).status).toBe(404)
    expect((await call('POST', `/v1/payments/${id}/cancel`, { key: b.testKey })).status).toBe(404)
    expect((await call('GET', '/v1/payments', { key: b.testKey })).json.data).toEqual([])
    expect((await call('GET', `/v1/payments/${id}`, { key: a.testKey })).json.data.status).toBe('pending')
  })

  it('keeps test and live apart: a live key does not see test payments', async () => {
    const m = await merchantWithWallet()
    const created = await call('POST', '/v1/payments', { key: m.testKey, body })
    expect((await call('GET', `/v1/payments/${created.json.data.id}`, { key: m.liveKey })).status).toBe(404)
  })

  it('scopes wallets to the merchant', async () => {
    const a = await merchantWithWallet()
    const b = await createMerchant()
    expect((await call('GET', `/v1/wallets/${a.walletId}`, { key: b.testKey })).status).toBe(404)
    expect((await call('GET', `/v1/wallets/${a.walletId}/balance`, { key: b.testKey })).status).toBe(404)
    expect((await call('GET', `/v1/wallets/${a.walletId}/transactions`, { key: b.testKey })).status).toBe(404)
  })
})

describe('API key authentication', () => {
  it('accepts Authorization: Bearer and X-API-Key', async () => {
    const m = await createMerchant()
    expect((await call('GET', '/v1/payments', { key: m.testKey })).status).toBe(200)
    expect((await call('GET', '/v1/payments', { headers: { 'X-API-Key': m.testKey } })).status).toBe(200)
  })

  it.each([
    ['no key', {}],
    ['a malformed key', { Authorization: 'Bearer nope' }],
    ['an unknown key', { Authorization: `Bearer test_${'0'.repeat(64)}` }],
    ['a basic auth header', { Authorization: 'Basic dXNlcjpwYXNz' }],
  ])('rejects %s with 401 UNAUTHORIZED', async (_name, headers) => {
    const res = await call('GET', '/v1/payments', { headers })
    expect(res.status).toBe(401)
    expect(res.json).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED', field: 'Authorization' } })
    expect(res.headers.get('x-ratelimit-limit')).toBe('100')
  })

  it('rejects a revoked key at once', async () => {
    const m = await createMerchant()
    const created = await call('POST', '/v1/api-keys', { key: m.testKey, body: { name: 'temp' } })
    const temp = created.json.data
    expect((await call('GET', '/v1/payments', { key: temp.key })).status).toBe(200)
    const revoked = await call('DELETE', `/v1/api-keys/${temp.id}`, { key: m.testKey })
    expect(revoked.status).toBe(200)
    expect(revoked.json.data.revoked_at).toEqual(expect.any(String))
    const after = await call('GET', '/v1/payments', { key: temp.key })
    expect(after.status).toBe(401)
    expect(after.json.error.code).toBe('UNAUTHORIZED')
  })

  it('does not store the key itself', async () => {
    const { env } = await import('cloudflare:workers')
    const m = await createMerchant()
    const rows = await env.DB.prepare('SELECT key_hash, key_prefix FROM api_keys WHERE merchant_id = ?')
      .bind(m.id)
      .all<{ key_hash: string; key_prefix: string }>()
    for (const row of rows.results) {
      expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/)
      expect([m.testKey, m.liveKey]).not.toContain(row.key_hash)
      expect(row.key_prefix.length).toBeLessThan(16)
    }
  })
})

describe('HMAC request signing', () => {
  it('accepts a valid signature over timestamp + method + path + body', async () => {
    const m = await merchantWithWallet()
    const payload = JSON.stringify(body)
    const res = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: payload,
      raw: true,
      headers: signed(m.testSigningSecret, 'POST', '/v1/payments', payload),
    })
    expect(res.status).toBe(201)
  })

  it('verifies any request that carries X-Signature even when the key does not enforce signing', async () => {
    const m = await merchantWithWallet()
    const payload = JSON.stringify(body)
    const res = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: payload,
      raw: true,
      headers: { ...signed(m.testSigningSecret, 'POST', '/v1/payments', '{}') },
    })
    expect(res.status).toBe(401)
    expect(res.json.error).toMatchObject({ code: 'INVALID_SIGNATURE', field: 'X-Signature' })
  })

  it('rejects a replayed signature outside the ±300 s window', async () => {
    const m = await merchantWithWallet()
    const payload = JSON.stringify(body)
    const old = Math.floor(Date.now() / 1000) - 301
    const res = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: payload,
      raw: true,
      headers: signed(m.testSigningSecret, 'POST', '/v1/payments', payload, old),
    })
    expect(res.status).toBe(401)
    expect(res.json.error).toMatchObject({ code: 'INVALID_SIGNATURE', field: 'X-Timestamp' })
  })

  it('covers the query string of a GET', async () => {
    const m = await createMerchant()
    const ok = await call('GET', '/v1/payments?limit=5', {
      key: m.testKey,
      headers: signed(m.testSigningSecret, 'GET', '/v1/payments?limit=5', ''),
    })
    expect(ok.status).toBe(200)
    const tampered = await call('GET', '/v1/payments?limit=50', {
      key: m.testKey,
      headers: signed(m.testSigningSecret, 'GET', '/v1/payments?limit=5', ''),
    })
    expect(tampered.status).toBe(401)
  })

  it('enforces signing on keys created with require_signature', async () => {
    const m = await createMerchant()
    const created = await call('POST', '/v1/api-keys', { key: m.testKey, body: { require_signature: true } })
    const strict = created.json.data
    const unsigned = await call('GET', '/v1/payments', { key: strict.key })
    expect(unsigned.status).toBe(401)
    expect(unsigned.json.error).toMatchObject({ code: 'INVALID_SIGNATURE', field: 'X-Signature' })
    const good = await call('GET', '/v1/payments', {
      key: strict.key,
      headers: signed(strict.signing_secret, 'GET', '/v1/payments', ''),
    })
    expect(good.status).toBe(200)
    const otherSecret = await call('GET', '/v1/payments', {
      key: strict.key,
      headers: signed(m.testSigningSecret, 'GET', '/v1/payments', ''),
    })
    expect(otherSecret.status).toBe(401)
  })
})

describe('rate limits', () => {
  it('counts per key per minute, sets the headers and answers 429 with Retry-After', async () => {
    const m = await createMerchant({ rate_limit_test: 3 })
    // Keep the four calls inside one fixed minute window.
    const intoMinute = Date.now() % 60_000
    if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50))
    const responses = []
    for (let i = 0; i < 4; i++) responses.push(await call('GET', '/v1/payments', { key: m.testKey }))
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 429])
    expect(responses.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0'])
    const last = responses[3]!
    expect(last.json.error.code).toBe('RATE_LIMITED')
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(last.headers.get('x-ratelimit-limit')).toBe('3')
    expect(Number(last.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000)
  })

  it('defaults to 100/min for test keys and 1000/min for live keys', async () => {
    const m = await createMerchant()
    expect((await call('GET', '/v1/payments', { key: m.testKey })).headers.get('x-ratelimit-limit')).toBe('100')
    expect((await call('GET', '/v1/payments', { key: m.liveKey })).headers.get('x-ratelimit-limit')).toBe('1000')
  })

  it("lets the operator change a merchant's limits", async () => {
    const m = await createMerchant()
    const res = await call('PATCH', `/v1/merchants/${m.id}`, {
      headers: { Authorization: 'Bearer test-admin-token' },
      body: { rate_limit_live: 5000 },
    })
    expect(res.status).toBe(200)
    expect((await call('GET', '/v1/payments', { key: m.liveKey })).headers.get('x-ratelimit-limit')).toBe('5000')
  })
})
