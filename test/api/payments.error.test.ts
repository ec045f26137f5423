import { describe, expect, it } from 'vitest'
import { call, createMerchant, eventually, merchantWithWallet } from '../helpers/api'

const valid = { amount: '10.50', currency: 'USD', chain_id: 31337, token: 'ETH' }

describe('POST /v1/payments validation', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['a zero amount', { ...valid, amount: '0' }, 'INVALID_AMOUNT', 'amount'],
    ['a negative amount', { ...valid, amount: -5 }, 'INVALID_AMOUNT', 'amount'],
    ['a non-numeric amount', { ...valid, amount: 'ten' }, 'INVALID_AMOUNT', 'amount'],
    ['an amount of the wrong type', { ...valid, amount: true }, 'INVALID_AMOUNT', 'amount'],
    ['more decimals than the currency has', { ...valid, amount: '10.001' }, 'INVALID_AMOUNT', 'amount'],
    ['a missing amount', { currency: 'USD' }, 'INVALID_AMOUNT', 'amount'],
    ['an unknown currency', { ...valid, currency: 'XYZ' }, 'INVALID_CURRENCY', 'currency'],
    ['a malformed currency', { ...valid, currency: 'US D' }, 'INVALID_CURRENCY', 'currency'],
    ['an unknown transaction speed', { ...valid, transaction_speed: 'turbo' }, 'VALIDATION_ERROR', 'transaction_speed'],
    ['a chain without a token', { amount: '1', currency: 'USD', chain_id: 31337 }, 'VALIDATION_ERROR', 'token'],
    ['an unsupported chain', { ...valid, chain_id: 999999 }, 'UNSUPPORTED_CHAIN', 'chain_id'],
    ['a token not on the chain', { ...valid, token: 'DAI' }, 'UNSUPPORTED_TOKEN', 'token'],
    ['a chain id of the wrong type', { ...valid, chain_id: '31337' }, 'VALIDATION_ERROR', 'chain_id'],
    ['expires_in below the minimum', { ...valid, expires_in: 5 }, 'VALIDATION_ERROR', 'expires_in'],
    ['a malformed success_url', { ...valid, success_url: 'not a url' }, 'VALIDATION_ERROR', 'success_url'],
    ['a javascript: url', { ...valid, cancel_url: 'javascript:alert(1)' }, 'VALIDATION_ERROR', 'cancel_url'],
    ['nested metadata', { ...valid, metadata: { a: { b: 1 } } }, 'VALIDATION_ERROR', 'metadata.a'],
    ['an unknown field', { ...valid, colour: 'red' }, 'VALIDATION_ERROR', 'body'],
  ])('rejects %s with %s on %s', async (_name, body, code, field) => {
    const m = await merchantWithWallet()
    const res = await call('POST', '/v1/payments', { key: m.testKey, body })
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({ success: false, error: { code, field } })
    expect(res.json.error.message).toEqual(expect.any(String))
    expect(res.headers.get('x-request-id')).toMatch(/^req_/)
  })

  it('rejects malformed JSON with INVALID_JSON on body', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', '/v1/payments', { key: m.testKey, body: '{"amount": 10,', raw: true })
    expect(res.status).toBe(400)
    expect(res.json.error).toMatchObject({ code: 'INVALID_JSON', field: 'body' })
  })

  it('rejects a body over 64 KiB with 413 BODY_TOO_LARGE', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: { ...valid, description: 'x'.repeat(70_000) },
    })
    expect(res.status).toBe(413)
    expect(res.json.error).toMatchObject({ code: 'BODY_TOO_LARGE', field: 'body' })
  })

  it('rejects a non-JSON content type with 415', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: 'amount=10',
      raw: true,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    })
    expect(res.status).toBe(415)
    expect(res.json.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', field: 'Content-Type' })
  })

  it('needs a live wallet on the chosen chain for a live payment (422 WALLET_REQUIRED); test keys need none', async () => {
    const m = await createMerchant()
    expect((await call('POST', '/v1/payments', { key: m.testKey, body: valid })).status).toBe(201)
    const res = await call('POST', '/v1/payments', { key: m.liveKey, body: valid })
    expect(res.status).toBe(422)
    expect(res.json.error).toMatchObject({ code: 'WALLET_REQUIRED', field: 'chain_id' })
  })
})

describe('GET /v1/payments errors', () => {
  it('404s an unknown payment and 400s a malformed id', async () => {
    const m = await merchantWithWallet()
    const missing = await call('GET', '/v1/payments/3d0a5e66-f5a5-432e-86e6-e9405a94fba6', { key: m.testKey })
    expect(missing.status).toBe(404)
    expect(missing.json.error.code).toBe('NOT_FOUND')
    const bad = await call('GET', '/v1/payments/not-a-uuid', { key: m.testKey })
    expect(bad.status).toBe(400)
    expect(bad.json.error.field).toBe('id')
  })

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['page=abc', 'page'],
    ['status=paid', 'status'],
    ['from=yesterday', 'from'],
  ])('rejects ?%s naming %s', async (query, field) => {
    const m = await merchantWithWallet()
    const res = await call('GET', `/v1/payments?${query}`, { key: m.testKey })
    expect(res.status).toBe(400)
    expect(res.json.error.field).toBe(field)
  })

  it('answers unknown routes with the v1 error shape', async () => {
    const res = await call('GET', '/v1/nothing-here')
    expect(res.status).toBe(404)
    expect(res.json).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } })
  })
})

describe('illegal transitions', () => {
  it('refuses to cancel a completed payment with 409 INVALID_STATE_TRANSITION', async () => {
    const m = await merchantWithWallet()
    const created = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: { amount: '10.00', currency: 'USD', chain_id: 31337, token: 'ETH' },
    })
    const id = created.json.data.id
    await eventually(
      async () => (await call('GET', `/v1/payments/${id}`, { key: m.testKey })).json.data.status === 'completed',
    )
    const res = await call('POST', `/v1/payments/${id}/cancel`, { key: m.testKey })
    expect(res.status).toBe(409)
    expect(res.json.error.code).toBe('INVALID_STATE_TRANSITION')
  })

  it('refuses to cancel twice', async () => {
    const m = await merchantWithWallet()
    const created = await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '5', currency: 'USD' } })
    await call('POST', `/v1/payments/${created.json.data.id}/cancel`, { key: m.testKey })
    const again = await call('POST', `/v1/payments/${created.json.data.id}/cancel`, { key: m.testKey })
    expect(again.status).toBe(409)
  })
})
