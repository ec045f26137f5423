import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, call, eventually, merchantWithWallet } from '../helpers/api'
import { LINKS, linkBody, newLink } from '../helpers/links'
import {
  error400Create,
  error400Details,
  error400List,
  error400Update,
  error401Create,
  error401Details,
  error401List,
  error401Update,
  error404Details,
  error404Update,
  error422Create,
  error422Update,
} from './seed-002'

const SOME_UUID = 'b8b2362d-f30c-4d9b-9a2e-08fa183d0d49'

describe('002 error examples, produced by the matching bad inputs', () => {
  it('create: 401 without a key', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', LINKS, { body: linkBody(m) })
    expect(res.status).toBe(401)
    expect(res.json).toEqual(error401Create)
  })

  it('create: 401 with a wrong key in X-API-Key', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', LINKS, { headers: { 'X-API-Key': `test_${'0'.repeat(64)}` }, body: linkBody(m) })
    expect(res.json).toEqual(error401Create)
  })

  it('create: 400 naming order_amount, order_currency and payer_email', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', LINKS, {
      key: m.testKey,
      body: linkBody(m, { order_amount: 0, order_currency: 'US', payer_email: 'alice.tan@' }),
    })
    expect(res.status).toBe(400)
    expect({ ...res.json, details: [...res.json.details].sort((a, b) => a.field.localeCompare(b.field)) }).toEqual({
      ...error400Create,
      details: [...error400Create.details].sort((a, b) => a.field.localeCompare(b.field)),
    })
  })

  it('create: 422 for max_uses over the tier limit of 100', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', LINKS, { key: m.testKey, body: linkBody(m, { max_uses: 101 }) })
    expect(res.status).toBe(422)
    expect(res.json).toEqual(error422Create)
  })

  it('update: 401 without a key', async () => {
    const res = await call('PATCH', `${LINKS}/${SOME_UUID}`, { body: { status: 'expired' } })
    expect(res.status).toBe(401)
    expect(res.json).toEqual(error401Update)
  })

  it('update: 400 for a status outside expired, inactive, cancelled', async () => {
    const m = await merchantWithWallet()
    const link = await newLink(m, { order_amount: 12.5 })
    const res = await call('PATCH', `${LINKS}/${link.id}`, { key: m.testKey, body: { id: link.id, status: 'active' } })
    expect(res.status).toBe(400)
    expect(res.json).toEqual(error400Update)
  })

  it("update: 404 for a link that does not exist (or is another merchant's)", async () => {
    const m = await merchantWithWallet()
    const other = await merchantWithWallet()
    const theirs = await newLink(other, { order_amount: 12.5 })
    for (const id of [SOME_UUID, theirs.id]) {
      const res = await call('PATCH', `${LINKS}/${id}`, { key: m.testKey, body: { status: 'expired' } })
      expect(res.status).toBe(404)
      expect(res.json).toEqual(error404Update)
    }
  })

  it('update: 422 once the payment is completed', async () => {
    const m = await merchantWithWallet()
    const link = await newLink(m) // 10.00 with a test key completes on its own
    await eventually(
      async () => (await call('GET', `${LINKS}/${link.id}`, { key: m.testKey })).json.payment_status === 'completed',
    )
    const res = await call('PATCH', `${LINKS}/${link.id}`, { key: m.testKey, body: { id: link.id, status: 'expired' } })
    expect(res.status).toBe(422)
    expect(res.json).toEqual(error422Update)
  })

  it('details: 401 without a key', async () => {
    const res = await call('GET', `${LINKS}/${SOME_UUID}`)
    expect(res.status).toBe(401)
    expect(res.json).toEqual(error401Details)
  })

  it('details: 404 for an unknown id', async () => {
    const m = await merchantWithWallet()
    const res = await call('GET', `${LINKS}/${SOME_UUID}`, { key: m.testKey })
    expect(res.status).toBe(404)
    expect(res.json).toEqual(error404Details)
  })

  it('details: 400 when payment_id is not a UUID', async () => {
    const m = await merchantWithWallet()
    const res = await call('GET', `${LINKS}/not-a-uuid`, { key: m.testKey })
    expect(res.status).toBe(400)
    expect(res.json).toEqual(error400Details)
  })

  it('list: 401 without a key', async () => {
    const res = await call('GET', `${LINKS}?page=1`)
    expect(res.status).toBe(401)
    expect(res.json).toEqual(error401List)
  })

  it.each(['0', '101', 'ten', '-1'])('list: 400 for page_size=%s', async (size) => {
    const m = await merchantWithWallet()
    const res = await call('GET', `${LINKS}?page_size=${size}`, { key: m.testKey })
    expect(res.status).toBe(400)
    expect(res.json).toEqual(error400List)
  })
})

describe('more bad input, always a 400 in the 002 shape', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['a negative amount', { order_amount: -5 }, 'order_amount', 'must be greater than 0'],
    ['a non-numeric amount', { order_amount: 'ten' }, 'order_amount', 'must be a number greater than 0'],
    ['a boolean amount', { order_amount: true }, 'order_amount', 'must be a number greater than 0'],
    [
      'more decimals than the currency has',
      { order_amount: '10.001' },
      'order_amount',
      'must have at most 2 decimal places for USD',
    ],
    [
      'an unsupported currency',
      { order_currency: 'XYZ' },
      'order_currency',
      'must be a valid 3-letter ISO 4217 code (e.g. GBP, USD)',
    ],
    [
      'a token as currency',
      { order_currency: 'USDC' },
      'order_currency',
      'must be a valid 3-letter ISO 4217 code (e.g. GBP, USD)',
    ],
    ['a missing payer_email', { payer_email: undefined }, 'payer_email', 'is required'],
    ['a javascript: success_url', { success_url: 'javascript:alert(1)' }, 'success_url', 'must be a valid http(s) URL'],
    ['a relative cancel_url', { cancel_url: '/cancel' }, 'cancel_url', 'must be a valid http(s) URL'],
    [
      'a local phone number',
      { payer_phone: '91234567' },
      'payer_phone',
      'must be a phone number in international format (e.g. +6591234567)',
    ],
    ['a bad IP', { payer_ip: '300.1.1.1' }, 'payer_ip', 'must be a valid IPv4 or IPv6 address'],
    ['webhook_data that is not an object', { webhook_data: 'x' }, 'webhook_data', 'must be a JSON object'],
    ['an empty payment_name', { payment_name: '  ' }, 'payment_name', 'must not be empty'],
    ['max_uses of 0', { max_uses: 0 }, 'max_uses', 'must be an integer of at least 1'],
    ['an unknown field', { colour: 'red' }, 'colour', 'is not a recognized field'],
    [
      'both expiry forms',
      { expires_in: 600, expiry_date: '2999-01-01T00:00:00Z' },
      'expiry_date',
      'give expires_in or expiry_date, not both',
    ],
  ])('rejects %s', async (_name, overrides, field, issue) => {
    const m = await merchantWithWallet()
    const res = await call('POST', LINKS, { key: m.testKey, body: linkBody(m, overrides) })
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({ error: 'invalid_request', message: 'Validation failed', code: 400 })
    expect(res.json.details).toContainEqual({ field, issue })
  })

  it('rejects malformed JSON', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', LINKS, { key: m.testKey, body: '{"order_amount": 10,', raw: true })
    expect(res.status).toBe(400)
    expect(res.json).toEqual({
      error: 'invalid_request',
      message: 'Request body is not valid JSON',
      code: 400,
      details: [{ field: 'body', issue: 'Request body is not valid JSON' }],
    })
  })

  it('rejects a non-JSON body with 400', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', LINKS, {
      key: m.testKey,
      body: 'order_amount=10',
      raw: true,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    })
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({ error: 'invalid_request', code: 400 })
  })

  it('rejects an id in the body that differs from the path', async () => {
    const m = await merchantWithWallet()
    const link = await newLink(m, { order_amount: 12.5 })
    const res = await call('PATCH', `${LINKS}/${link.id}`, {
      key: m.testKey,
      body: { id: SOME_UUID, status: 'expired' },
    })
    expect(res.status).toBe(400)
    expect(res.json.details).toEqual([{ field: 'id', issue: 'must match the id in the path' }])
  })

  it('rejects unknown list filters', async () => {
    const m = await merchantWithWallet()
    const res = await call('GET', `${LINKS}?statuses=paid`, { key: m.testKey })
    expect(res.status).toBe(400)
    expect(res.json.message).toMatch(/^statuses must be a comma-separated list of: pending, /)
    expect((await call('GET', `${LINKS}?from_date=yesterday`, { key: m.testKey })).json.message).toBe(
      'from_date must be an ISO 8601 date',
    )
  })
})

describe('payment links security', () => {
  it('refuses a merchant_key of another merchant with 401 (the key decides who you are)', async () => {
    const m = await merchantWithWallet()
    const other = await merchantWithWallet()
    const res = await call('POST', LINKS, { key: m.testKey, body: linkBody(other) })
    expect(res.status).toBe(401)
    expect(res.json).toEqual({ error: 'unauthorized', message: 'merchant_key does not match the API key', code: 401 })
  })

  it('keeps test and live links apart, and merchants apart', async () => {
    const m = await merchantWithWallet()
    const test = await newLink(m, { order_amount: 12.5 })
    const live = await newLink(m, { order_amount: 12.5 }, m.liveKey)
    expect((await call('GET', `${LINKS}/${test.id}`, { key: m.liveKey })).status).toBe(404)
    expect((await call('GET', `${LINKS}/${live.id}`, { key: m.testKey })).status).toBe(404)
    const lists = await Promise.all(
      [m.testKey, m.liveKey].map(async (key) =>
        (await call('GET', LINKS, { key })).json.payment_links.map((l: { id: string }) => l.id),
      ),
    )
    expect(lists).toEqual([[test.id], [live.id]])
    const stranger = await merchantWithWallet()
    expect((await call('GET', LINKS, { key: stranger.testKey })).json.total_items).toBe(0)
  })

  it('does not start a payment for a live link until a buyer opens it', async () => {
    const m = await merchantWithWallet()
    const live = await newLink(m, { order_amount: 12.5 }, m.liveKey)
    const details = (await call('GET', `${LINKS}/${live.id}`, { key: m.liveKey })).json
    expect(details).toMatchObject({ payment_status: 'pending', payments: [] })
  })

  it('verifies a request signature when one is sent', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', LINKS, {
      key: m.testKey,
      headers: { 'X-Signature': 'deadbeef', 'X-Timestamp': String(Math.floor(Date.now() / 1000)) },
      body: linkBody(m),
    })
    expect(res.status).toBe(401)
    expect(res.json).toMatchObject({ error: 'unauthorized', code: 401 })
  })

  it('replays an Idempotency-Key instead of creating a second link', async () => {
    const m = await merchantWithWallet()
    const headers = { 'Idempotency-Key': 'link-1' }
    const first = await call('POST', LINKS, { key: m.testKey, headers, body: linkBody(m, { order_amount: 12.5 }) })
    const again = await call('POST', LINKS, { key: m.testKey, headers, body: linkBody(m, { order_amount: 12.5 }) })
    expect(again.json.id).toBe(first.json.id)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    const other = await call('POST', LINKS, { key: m.testKey, headers, body: linkBody(m, { order_amount: 13 }) })
    expect(other.status).toBe(422)
    expect(other.json).toMatchObject({ error: 'unprocessable_entity', code: 422 })
  })

  it('answers unknown paths, and methods a path does not have, under the surface in its shape', async () => {
    const m = await merchantWithWallet()
    const res = await call('GET', `${LINKS}/${SOME_UUID}/nothing`, { key: m.testKey })
    expect(res.status).toBe(404)
    expect(res.json).toMatchObject({ error: 'not_found', code: 404 })
    const wrongMethod = await call('DELETE', `${LINKS}/${SOME_UUID}`, { key: m.testKey })
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD, PATCH')
    expect(wrongMethod.json).toMatchObject({ error: 'method_not_allowed', code: 405 })
  })
})

describe('payment links: limits and documentation', () => {
  it('answers over the rate limit with 429 in the 002 shape and Retry-After', async () => {
    const m = await merchantWithWallet()
    const patched = await call('PATCH', `/v1/merchants/${m.id}`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      body: { rate_limit_test: 1 },
    })
    expect(patched.status).toBe(200)
    await call('GET', LINKS, { key: m.testKey })
    const res = await call('GET', LINKS, { key: m.testKey })
    expect(res.status).toBe(429)
    expect(res.json).toMatchObject({ error: 'rate_limit_exceeded', code: 429 })
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0')
  })

  it('documents the four endpoints in /openapi.json from the same schemas', async () => {
    const doc = (await call('GET', '/openapi.json')).json
    const paths = doc.paths as Record<string, Record<string, unknown>>
    expect(Object.keys(paths['/api/v1/payments/links'] ?? {}).sort()).toEqual(['get', 'post'])
    expect(Object.keys(paths['/api/v1/payments/links/{id}'] ?? {})).toEqual(['patch'])
    expect(Object.keys(paths['/api/v1/payments/links/{payment_id}'] ?? {})).toEqual(['get'])
    for (const field of ['payment_reference', 'order_amount', 'payment_status', 'hosted_url', 'notify_secret']) {
      expect(doc.components.schemas.PaymentLink.properties, field).toHaveProperty(field)
    }
  })
})
