import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { SIGNATURE_WINDOW_SECONDS } from '../../src/auth/signature'
import { runMaintenance } from '../../src/maintenance'
import { call, createMerchant, merchantWithWallet } from '../helpers/api'
import { callRaw, signatureHeaders } from '../helpers/signing'

const payload = JSON.stringify({ amount: '5', currency: 'USD' })
const now = () => Math.floor(Date.now() / 1000)
const paymentCount = async (merchantId: string) =>
  (
    await env.DB.prepare('SELECT count(*) AS n FROM payments WHERE merchant_id = ?')
      .bind(merchantId)
      .first<{ n: number }>()
  )?.n

describe('a signed request is accepted once', () => {
  it('refuses the same signed POST /v1/payments sent twice with 401 SIGNATURE_REPLAYED on X-Signature, creating one payment', async () => {
    const m = await merchantWithWallet()
    const headers = signatureHeaders(m.testSigningSecret, 'POST', '/v1/payments', payload)
    const first = await callRaw('POST', '/v1/payments', m.testKey, payload, headers)
    expect(first.status).toBe(201)
    const again = await callRaw('POST', '/v1/payments', m.testKey, payload, headers)
    expect(again.status).toBe(401)
    expect(again.json.error).toMatchObject({ code: 'SIGNATURE_REPLAYED', field: 'X-Signature' })
    expect(await paymentCount(m.id)).toBe(1)
  })

  it('treats the signature in upper-case hex as the same signature', async () => {
    const m = await merchantWithWallet()
    const headers = signatureHeaders(m.testSigningSecret, 'POST', '/v1/payments', payload)
    expect((await callRaw('POST', '/v1/payments', m.testKey, payload, headers)).status).toBe(201)
    const upper = await callRaw('POST', '/v1/payments', m.testKey, payload, {
      ...headers,
      'X-Signature': headers['X-Signature'].toUpperCase(),
    })
    expect(upper.json.error.code).toBe('SIGNATURE_REPLAYED')
  })

  it('lets exactly one of two concurrent copies through', async () => {
    const m = await merchantWithWallet()
    const headers = signatureHeaders(m.testSigningSecret, 'POST', '/v1/payments', payload)
    const results = await Promise.all([1, 2].map(() => callRaw('POST', '/v1/payments', m.testKey, payload, headers)))
    expect(results.map((r) => r.status).sort()).toEqual([201, 401])
    expect(await paymentCount(m.id)).toBe(1)
  })

  it('accepts a retry re-signed with a fresh timestamp, and Idempotency-Key returns the first response', async () => {
    const m = await merchantWithWallet()
    const key = { 'Idempotency-Key': 'order-77' }
    const t = now()
    const first = await callRaw('POST', '/v1/payments', m.testKey, payload, {
      ...key,
      ...signatureHeaders(m.testSigningSecret, 'POST', '/v1/payments', payload, t - 1),
    })
    expect(first.status).toBe(201)
    const retry = await callRaw('POST', '/v1/payments', m.testKey, payload, {
      ...key,
      ...signatureHeaders(m.testSigningSecret, 'POST', '/v1/payments', payload, t),
    })
    expect(retry.status).toBe(201)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(retry.json.data.id).toBe(first.json.data.id)
    expect(await paymentCount(m.id)).toBe(1)
  })

  it('remembers signatures of keys that do not enforce signing too, and leaves unsigned requests alone', async () => {
    const m = await createMerchant()
    const headers = signatureHeaders(m.testSigningSecret, 'GET', '/v1/payments', '')
    expect((await call('GET', '/v1/payments', { key: m.testKey, headers })).status).toBe(200)
    expect((await call('GET', '/v1/payments', { key: m.testKey, headers })).status).toBe(401)
    expect((await call('GET', '/v1/payments', { key: m.testKey })).status).toBe(200)
    expect((await call('GET', '/v1/payments', { key: m.testKey })).status).toBe(200)
  })

  it('answers a replay in the shape of each surface', async () => {
    const m = await createMerchant()
    const replay = async (path: string) => {
      const headers = signatureHeaders(m.testSigningSecret, 'GET', path, '')
      await call('GET', path, { key: m.testKey, headers })
      return call('GET', path, { key: m.testKey, headers })
    }
    const links = await replay('/api/v1/payments/links')
    expect(links.status).toBe(401)
    expect(links.json).toMatchObject({
      error: 'unauthorized',
      code: 401,
      message: expect.stringMatching(/already used/),
    })
    const cryptoPay = await replay('/api/merchant-wallets/')
    expect(cryptoPay.status).toBe(401)
    expect(cryptoPay.json).toMatchObject({
      success: false,
      error: { code: 'SIGNATURE_REPLAYED', details: { 'X-Signature': [expect.stringMatching(/fresh X-Timestamp/)] } },
    })
  })
})

describe('cron maintenance', () => {
  it('forgets signatures whose timestamp has left the window and keeps the others', async () => {
    const t = now()
    await env.DB.batch([
      env.DB.prepare('INSERT INTO used_signatures (signature_hash, key_id, expires_at) VALUES (?, ?, ?)').bind(
        'old',
        'key_a',
        t - 1,
      ),
      env.DB.prepare('INSERT INTO used_signatures (signature_hash, key_id, expires_at) VALUES (?, ?, ?)').bind(
        'fresh',
        'key_a',
        t + SIGNATURE_WINDOW_SECONDS,
      ),
    ])
    await runMaintenance(env, new Date(t * 1000))
    const left = await env.DB.prepare(
      "SELECT signature_hash FROM used_signatures WHERE signature_hash IN ('old', 'fresh')",
    ).all<{ signature_hash: string }>()
    expect(left.results.map((r) => r.signature_hash)).toEqual(['fresh'])
  })

  it('keeps an accepted signature until its timestamp is out of the window', async () => {
    const m = await createMerchant()
    const t = now()
    const headers = signatureHeaders(m.testSigningSecret, 'GET', '/v1/users', '', t)
    expect((await call('GET', '/v1/users', { key: m.testKey, headers })).status).toBe(200)
    await runMaintenance(env, new Date((t + SIGNATURE_WINDOW_SECONDS) * 1000))
    expect((await call('GET', '/v1/users', { key: m.testKey, headers })).json.error.code).toBe('SIGNATURE_REPLAYED')
  })
})
