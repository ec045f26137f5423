import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, createMerchant, randomXpub } from '../helpers/api'

const BASE = 'http://gateway.test'

async function merchantOnBase() {
  const m = await createMerchant()
  await call('POST', '/v1/wallets', { key: m.testKey, body: { chain_id: 8453, xpub: randomXpub() } })
  return m
}

let userCounter = 0
async function userToken(key: string, password = 'correct horse battery') {
  userCounter += 1
  const username = `user${Date.now().toString(36)}${userCounter}`
  const created = await call('POST', '/v1/users', { key, body: { username, password } })
  expect(created.status).toBe(201)
  const login = await call('POST', '/api/auth/login', { body: { username, password } })
  expect(login.status).toBe(200)
  return { username, password, userId: created.json.data.id as string, token: login.json.data.access_token as string }
}

describe('seed 001 JavaScript example', () => {
  it('creates a payment order with fetch, a login token and the exact body of the example', async () => {
    const m = await merchantOnBase()
    const { token } = await userToken(m.testKey)
    // The example, with the base URL and the token filled in.
    const response = await exports.default.fetch(
      new Request(`${BASE}/api/payment-orders/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          amount: '100.00',
          currency: 'USDC',
          blockchain: 'base',
          order_info: JSON.stringify({ product: 'Premium Plan' }),
          nonce: Date.now() + Math.floor(Math.random() * 1000000),
        }),
      }),
    )
    const order = (await response.json()) as any // eslint-disable-line @typescript-eslint/no-explicit-any -- reading the wire format
    expect(response.status).toBe(201)
    expect(order).toMatchObject({ success: true, message: expect.any(String), timestamp: expect.any(String) })
    expect(order.data).toMatchObject({
      // Token amounts are canonical decimals: '100.00' USDC is '100'.
      amount: '100',
      currency: 'USDC',
      blockchain: 'base',
      chain_id: 8453,
      status: 'pending',
      order_info: '{"product":"Premium Plan"}',
      pay_amount: '100',
      wallet_address: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
      token_address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
    })
    expect(response.headers.get('x-ratelimit-limit')).toBe('1000')

    const got = await call('GET', `/api/payment-orders/${order.data.id}/`, { key: token })
    expect(got.status).toBe(200)
    expect(got.json.data.nonce).toBe(order.data.nonce)
    // The same order is a payment of the native API.
    expect(
      (await call('GET', `/v1/payments/${order.data.id}`, { key: m.testKey })).json.data.pay_amount_base_units,
    ).toBe('100000000')
  })
})

describe('POST /api/payment-orders/', () => {
  const valid = { amount: '25.50', currency: 'USDC', blockchain: 'base', nonce: 1 }

  it('accepts an API key as the bearer token too, with or without the trailing slash', async () => {
    const m = await merchantOnBase()
    expect((await call('POST', '/api/payment-orders/', { key: m.testKey, body: { ...valid, nonce: 11 } })).status).toBe(
      201,
    )
    expect((await call('POST', '/api/payment-orders', { key: m.testKey, body: { ...valid, nonce: 12 } })).status).toBe(
      201,
    )
  })

  it('refuses a reused nonce, so a retry never creates a second order', async () => {
    const m = await merchantOnBase()
    expect((await call('POST', '/api/payment-orders/', { key: m.testKey, body: valid })).status).toBe(201)
    const again = await call('POST', '/api/payment-orders/', { key: m.testKey, body: valid })
    expect(again.status).toBe(400)
    expect(again.json).toMatchObject({
      success: false,
      error: { code: 'VALIDATION_ERROR', details: { nonce: ['This nonce has already been used'] } },
    })
    expect((await call('GET', '/api/payment-orders/', { key: m.testKey })).json.data.count).toBe(1)
  })

  it('releases the nonce when the create fails, so the fixed retry works', async () => {
    const m = await createMerchant()
    const first = await call('POST', '/api/payment-orders/', { key: m.testKey, body: valid })
    expect(first.status).toBe(422)
    await call('POST', '/v1/wallets', { key: m.testKey, body: { chain_id: 8453, xpub: randomXpub() } })
    expect((await call('POST', '/api/payment-orders/', { key: m.testKey, body: valid })).status).toBe(201)
  })

  it.each<[string, Record<string, unknown>, string]>([
    ['a missing amount', { currency: 'USDC', blockchain: 'base', nonce: 2 }, 'amount'],
    ['a zero amount', { ...valid, amount: '0' }, 'amount'],
    ['a non-numeric amount', { ...valid, amount: 'lots' }, 'amount'],
    ['too many decimals for USDC', { ...valid, amount: '1.0000001' }, 'amount'],
    ['an unknown blockchain', { ...valid, blockchain: 'solana' }, 'blockchain'],
    ['a token not on the blockchain', { ...valid, currency: 'USDT' }, 'currency'],
    ['a missing nonce', { amount: '1', currency: 'USDC', blockchain: 'base' }, 'nonce'],
    ['a malformed nonce', { ...valid, nonce: 'a b' }, 'nonce'],
    ['a non-string order_info', { ...valid, order_info: { product: 'x' } }, 'order_info'],
  ])('rejects %s with VALIDATION_ERROR naming %s in details', async (_name, body, field) => {
    const m = await merchantOnBase()
    const res = await call('POST', '/api/payment-orders/', { key: m.testKey, body })
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({
      success: false,
      error: { code: 'VALIDATION_ERROR', message: 'Invalid request data' },
      timestamp: expect.any(String),
    })
    expect(Object.keys(res.json.error.details)).toEqual([field])
  })

  it('answers malformed JSON with a 400 in the seed 001 shape', async () => {
    const m = await merchantOnBase()
    const res = await call('POST', '/api/payment-orders/', { key: m.testKey, body: '{"amount":', raw: true })
    expect(res.status).toBe(400)
    expect(res.json.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { body: [expect.any(String)] } })
  })
})

describe('GET /api/payment-orders/', () => {
  it('pages with count/next/previous/results whose links walk every order exactly once', async () => {
    const m = await merchantOnBase()
    const ids: string[] = []
    for (let i = 0; i < 5; i++)
      ids.push(
        (
          await call('POST', '/api/payment-orders/', {
            key: m.testKey,
            body: { amount: '1', currency: 'USDC', blockchain: 'base', nonce: 100 + i },
          })
        ).json.data.id,
      )
    const seen: string[] = []
    let next: string | null = '/api/payment-orders/?page_size=2'
    let pages = 0
    while (next) {
      const res = await call('GET', next, { key: m.testKey })
      expect(res.status).toBe(200)
      expect(res.json.data.count).toBe(5)
      if (pages > 0) expect(res.json.data.previous).toMatch(/^\/api\/payment-orders\/\?/)
      seen.push(...res.json.data.results.map((o: { id: string }) => o.id))
      next = res.json.data.next
      pages += 1
    }
    expect(pages).toBe(3)
    expect(seen.sort()).toEqual([...ids].sort())
    const first = await call('GET', '/api/payment-orders/?page_size=2', { key: m.testKey })
    expect(first.json.data.previous).toBeNull()
  })

  it('rejects page_size over 100 naming page_size', async () => {
    const m = await merchantOnBase()
    const res = await call('GET', '/api/payment-orders/?page_size=101', { key: m.testKey })
    expect(res.status).toBe(400)
    expect(res.json.error.details).toHaveProperty('page_size')
  })
})

describe('CryptoPay security', () => {
  it.each([
    ['no token', {}],
    [
      'a forged token',
      { Authorization: 'Bearer cpt_eyJzdWIiOiJ1c3JfeCIsInZlciI6MCwiZXhwIjo5OTk5OTk5OTk5fQ.' + '0'.repeat(64) },
    ],
    ['a garbage token', { Authorization: 'Bearer nope' }],
  ])('answers %s with 401', async (_name, headers) => {
    const res = await call('GET', '/api/payment-orders/', { headers })
    expect(res.status).toBe(401)
    expect(res.json).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED' } })
  })

  it('revokes tokens when the password changes', async () => {
    const m = await merchantOnBase()
    const u = await userToken(m.testKey)
    expect((await call('GET', '/api/payment-orders/', { key: u.token })).status).toBe(200)
    await call('POST', `/v1/users/${u.userId}/password`, {
      key: m.testKey,
      body: { password: 'a brand new passphrase' },
    })
    expect((await call('GET', '/api/payment-orders/', { key: u.token })).status).toBe(401)
    expect(
      (await call('POST', '/api/auth/login', { body: { username: u.username, password: 'a brand new passphrase' } }))
        .status,
    ).toBe(200)
  })

  it("gives 404 for another merchant's order, transaction and wallet", async () => {
    const a = await merchantOnBase()
    const b = await merchantOnBase()
    const order = (
      await call('POST', '/api/payment-orders/', {
        key: a.testKey,
        body: { amount: '10', currency: 'USDC', blockchain: 'base', nonce: 1 },
      })
    ).json.data
    await call('POST', `/v1/sandbox/payments/${order.id}/simulate`, { key: a.testKey, body: {} })
    const tx = (await call('GET', `/api/transactions/?order=${order.id}`, { key: a.testKey })).json.data.results[0]
    expect((await call('GET', `/api/payment-orders/${order.id}/`, { key: b.testKey })).status).toBe(404)
    expect((await call('GET', `/api/transactions/${tx.hash}/`, { key: b.testKey })).status).toBe(404)
    expect((await call('GET', `/api/transactions/?order=${order.id}`, { key: b.testKey })).json.data.count).toBe(0)
    const wallet = (await call('GET', '/api/merchant-wallets/', { key: a.testKey })).json.data[0]
    expect(
      (await call('PUT', `/api/merchant-wallets/${wallet.id}/`, { key: b.testKey, body: { label: 'mine' } })).status,
    ).toBe(404)
  })

  it('throttles repeated failed logins for a username with 429 and Retry-After', async () => {
    const m = await merchantOnBase()
    const u = await userToken(m.testKey)
    for (let i = 0; i < 5; i++) {
      expect(
        (await call('POST', '/api/auth/login', { body: { username: u.username, password: 'wrong password!' } })).status,
      ).toBe(401)
    }
    const blocked = await call('POST', '/api/auth/login', { body: { username: u.username, password: u.password } })
    expect(blocked.status).toBe(429)
    expect(blocked.json.error.code).toBe('RATE_LIMITED')
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('does not say whether the username or the password was wrong', async () => {
    const unknown = await call('POST', '/api/auth/login', {
      body: { username: 'nobody-here', password: 'whatever password' },
    })
    expect(unknown.status).toBe(401)
    expect(unknown.json.error.message).toBe('Invalid username or password')
  })

  it("applies the merchant plan's hourly limit", async () => {
    const premium = await createMerchant({ plan: 'premium' })
    expect(
      (await call('GET', '/api/merchant-wallets/', { key: premium.testKey })).headers.get('x-ratelimit-limit'),
    ).toBe('5000')
    const enterprise = await createMerchant({ plan: 'enterprise', rate_limit_hourly: 2 })
    const statuses = []
    for (let i = 0; i < 3; i++)
      statuses.push((await call('GET', '/api/merchant-wallets/', { key: enterprise.testKey })).status)
    expect(statuses).toEqual([200, 200, 429])
  })
})
