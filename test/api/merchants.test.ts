import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, call, createMerchant } from '../helpers/api'

const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` }

describe('POST /v1/merchants', () => {
  it('creates a merchant with a merchant_key and its first test and live keys, shown once', async () => {
    const res = await call('POST', '/v1/merchants', {
      headers: admin,
      body: { name: 'Acme', email: 'ops@acme.example' },
    })
    expect(res.status).toBe(201)
    const m = res.json.data
    expect(m.merchant_key).toMatch(/^mkey-[a-z0-9]{25}$/)
    expect(m.rate_limit_test).toBe(100)
    expect(m.rate_limit_live).toBe(1000)
    const modes = m.api_keys.map((k: { mode: string }) => k.mode).sort()
    expect(modes).toEqual(['live', 'test'])
    for (const k of m.api_keys) {
      expect(k.key).toMatch(new RegExp(`^${k.mode}_[0-9a-f]{64}$`))
      expect(k.signing_secret).toMatch(/^sig_[0-9a-f]{64}$/)
    }
    const listed = await call('GET', '/v1/api-keys', { key: m.api_keys[0].key })
    expect(JSON.stringify(listed.json)).not.toContain(m.api_keys[0].key)
    expect(JSON.stringify(listed.json)).not.toContain('signing_secret')
  })

  it.each([
    ['no token', {}],
    ['a wrong token', { Authorization: 'Bearer wrong' }],
  ])('refuses %s with 401', async (_name, headers) => {
    const res = await call('POST', '/v1/merchants', { headers, body: { name: 'X', email: 'x@example.com' } })
    expect(res.status).toBe(401)
    expect(res.json.error.code).toBe('UNAUTHORIZED')
  })

  it('refuses a merchant API key in place of the admin token', async () => {
    const m = await createMerchant()
    const res = await call('POST', '/v1/merchants', { key: m.liveKey, body: { name: 'X', email: 'x@example.com' } })
    expect(res.status).toBe(401)
  })

  it.each([
    [{ name: '', email: 'a@b.co' }, 'name'],
    [{ name: 'A', email: 'not-an-email' }, 'email'],
    [{ name: 'A', email: 'a@b.co', rate_limit_test: 0 }, 'rate_limit_test'],
  ])('validates %j naming %s', async (body, field) => {
    const res = await call('POST', '/v1/merchants', { headers: admin, body })
    expect(res.status).toBe(400)
    expect(res.json.error.field).toBe(field)
  })

  it('404s rate-limit changes for an unknown merchant', async () => {
    const res = await call('PATCH', '/v1/merchants/mer_nope', { headers: admin, body: { rate_limit_test: 10 } })
    expect(res.status).toBe(404)
  })
})

describe('/v1/api-keys', () => {
  it("creates, lists and revokes keys of the caller's mode", async () => {
    const m = await createMerchant()
    const created = await call('POST', '/v1/api-keys', { key: m.liveKey, body: { name: 'server 2' } })
    expect(created.status).toBe(201)
    expect(created.json.data).toMatchObject({ mode: 'live', name: 'server 2', require_signature: false })
    const list = await call('GET', '/v1/api-keys', { key: m.liveKey })
    expect(list.json.data.map((k: { name: string }) => k.name)).toEqual(['server 2', 'Default live key'])
    const revoke = await call('DELETE', `/v1/api-keys/${created.json.data.id}`, { key: m.liveKey })
    expect(revoke.json.data.revoked_at).not.toBeNull()
    // Revoking it again is not an error: the answer is the key as it stays, revoked then.
    const again = await call('DELETE', `/v1/api-keys/${created.json.data.id}`, { key: m.liveKey })
    expect(again.status).toBe(200)
    expect(again.json.data.revoked_at).toBe(revoke.json.data.revoked_at)
  })

  it('never lets a test key mint a live key', async () => {
    const m = await createMerchant()
    const res = await call('POST', '/v1/api-keys', { key: m.testKey, body: { mode: 'live' } })
    expect(res.status).toBe(403)
    expect(res.json.error).toMatchObject({ code: 'FORBIDDEN', field: 'mode' })
  })

  it("cannot revoke another merchant's key", async () => {
    const a = await createMerchant()
    const b = await createMerchant()
    const keys = await call('GET', '/v1/api-keys', { key: a.testKey })
    const res = await call('DELETE', `/v1/api-keys/${keys.json.data[0].id}`, { key: b.testKey })
    expect(res.status).toBe(404)
    expect((await call('GET', '/v1/payments', { key: a.testKey })).status).toBe(200)
  })
})
