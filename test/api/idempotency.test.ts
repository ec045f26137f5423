import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, merchantWithWallet } from '../helpers/api'

const body = { amount: '5', currency: 'USD', chain_id: 31337, token: 'ETH' }

describe('Idempotency-Key', () => {
  it('replays the stored response for the same key and body, creating one payment', async () => {
    const m = await merchantWithWallet()
    const headers = { 'Idempotency-Key': 'order-42' }
    const first = await call('POST', '/v1/payments', { key: m.testKey, body, headers })
    const second = await call('POST', '/v1/payments', { key: m.testKey, body, headers })
    expect(first.status).toBe(201)
    expect(second.status).toBe(201)
    expect(second.json.data.id).toBe(first.json.data.id)
    expect(second.headers.get('idempotent-replayed')).toBe('true')
    const count = await env.DB.prepare('SELECT COUNT(*) AS n FROM payments WHERE merchant_id = ?')
      .bind(m.id)
      .first<{ n: number }>()
    expect(count?.n).toBe(1)
  })

  it('answers the same key with another body with 422 IDEMPOTENCY_CONFLICT', async () => {
    const m = await merchantWithWallet()
    const headers = { 'Idempotency-Key': 'order-43' }
    await call('POST', '/v1/payments', { key: m.testKey, body, headers })
    const res = await call('POST', '/v1/payments', { key: m.testKey, body: { ...body, amount: '6' }, headers })
    expect(res.status).toBe(422)
    expect(res.json.error).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', field: 'Idempotency-Key' })
  })

  it('creates exactly one payment when the same key races itself', async () => {
    const m = await merchantWithWallet()
    const headers = { 'Idempotency-Key': 'race-1' }
    const results = await Promise.all(
      Array.from({ length: 5 }, () => call('POST', '/v1/payments', { key: m.testKey, body, headers })),
    )
    const created = results.filter((r) => r.status === 201)
    expect(new Set(created.map((r) => r.json.data.id)).size).toBe(1)
    for (const r of results) expect([201, 409]).toContain(r.status)
    const count = await env.DB.prepare('SELECT COUNT(*) AS n FROM payments WHERE merchant_id = ?')
      .bind(m.id)
      .first<{ n: number }>()
    expect(count?.n).toBe(1)
  })

  it('keeps keys per merchant: two merchants may use the same key', async () => {
    const a = await merchantWithWallet()
    const b = await merchantWithWallet()
    const headers = { 'Idempotency-Key': 'shared' }
    const ra = await call('POST', '/v1/payments', { key: a.testKey, body, headers })
    const rb = await call('POST', '/v1/payments', { key: b.testKey, body, headers })
    expect(ra.json.data.id).not.toBe(rb.json.data.id)
  })

  it('replays validation errors too, and works on every POST (cancel)', async () => {
    const m = await merchantWithWallet()
    const bad = { ...body, amount: '0' }
    const headers = { 'Idempotency-Key': 'bad-1' }
    expect((await call('POST', '/v1/payments', { key: m.testKey, body: bad, headers })).status).toBe(400)
    const replay = await call('POST', '/v1/payments', { key: m.testKey, body: bad, headers })
    expect(replay.status).toBe(400)
    expect(replay.headers.get('idempotent-replayed')).toBe('true')

    const p = await call('POST', '/v1/payments', { key: m.testKey, body })
    const cancelHeaders = { 'Idempotency-Key': 'cancel-1' }
    expect(
      (await call('POST', `/v1/payments/${p.json.data.id}/cancel`, { key: m.testKey, headers: cancelHeaders })).status,
    ).toBe(200)
    // A plain retry would be a 409; the idempotent retry replays the success.
    expect(
      (await call('POST', `/v1/payments/${p.json.data.id}/cancel`, { key: m.testKey, headers: cancelHeaders })).status,
    ).toBe(200)
  })

  it('rejects an over-long key naming the header', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', '/v1/payments', {
      key: m.testKey,
      body,
      headers: { 'Idempotency-Key': 'k'.repeat(300) },
    })
    expect(res.status).toBe(400)
    expect(res.json.error.field).toBe('Idempotency-Key')
  })
})
