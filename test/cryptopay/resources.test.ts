import { describe, expect, it } from 'vitest'
import { call, createMerchant, randomXpub, TEST_XPUB } from '../helpers/api'

describe('/api/transactions/', () => {
  it('lists transfers with confirmations, block, amount, token and order, filtered by order and status', async () => {
    const m = await createMerchant()
    await call('POST', '/api/merchant-wallets/', { key: m.testKey, body: { blockchain: 'base', xpub: randomXpub() } })
    const a = (
      await call('POST', '/api/payment-orders/', {
        key: m.testKey,
        body: { amount: '5', currency: 'USDC', blockchain: 'base', nonce: 1 },
      })
    ).json.data
    const b = (
      await call('POST', '/api/payment-orders/', {
        key: m.testKey,
        body: { amount: '7', currency: 'USDC', blockchain: 'base', nonce: 2 },
      })
    ).json.data
    await call('POST', `/v1/sandbox/payments/${a.id}/simulate`, { key: m.testKey, body: {} })
    await call('POST', `/v1/sandbox/payments/${b.id}/simulate`, {
      key: m.testKey,
      body: { amount: '3', confirmed: false },
    })

    const all = await call('GET', '/api/transactions/', { key: m.testKey })
    expect(all.json.data.count).toBe(2)
    const confirmed = await call('GET', '/api/transactions/?status=confirmed', { key: m.testKey })
    expect(confirmed.json.data.results).toHaveLength(1)
    expect(confirmed.json.data.results[0]).toMatchObject({
      order: a.id,
      status: 'confirmed',
      token: 'USDC',
      amount: '5',
      amount_base_units: '5000000',
      blockchain: 'base',
      confirmations: 20,
      required_confirmations: 20,
    })
    const pending = await call('GET', `/api/transactions/?order=${b.id}`, { key: m.testKey })
    expect(pending.json.data.results[0]).toMatchObject({ status: 'pending', amount: '3', confirmations: 0 })

    const hash = confirmed.json.data.results[0].hash
    const one = await call('GET', `/api/transactions/${hash}/`, { key: m.testKey })
    expect(one.status).toBe(200)
    expect(one.json.data).toMatchObject({ hash, order: a.id, transfers: [expect.objectContaining({ hash })] })
    const bad = await call('GET', '/api/transactions/0x123/', { key: m.testKey })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details).toHaveProperty('hash')
  })
})

describe('/api/merchant-wallets/', () => {
  it('adds, lists and updates wallets shared with /v1/wallets', async () => {
    const m = await createMerchant()
    const created = await call('POST', '/api/merchant-wallets/', {
      key: m.testKey,
      body: { blockchain: 'polygon', address: '0x5fbdb2315678afecb367f032d93f642f64180aa3', label: 'hot' },
    })
    expect(created.status).toBe(201)
    expect(created.json.data).toMatchObject({
      blockchain: 'polygon',
      chain_id: 137,
      address: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      label: 'hot',
    })
    expect((await call('GET', `/v1/wallets/${created.json.data.id}`, { key: m.testKey })).status).toBe(200)
    const updated = await call('PUT', `/api/merchant-wallets/${created.json.data.id}/`, {
      key: m.testKey,
      body: { label: 'cold', xpub: TEST_XPUB },
    })
    expect(updated.json.data).toMatchObject({ label: 'cold', xpub: TEST_XPUB, address: null })
    expect((await call('GET', '/api/merchant-wallets/', { key: m.testKey })).json.data).toHaveLength(1)
  })

  it('refuses to swap the xpub once addresses were issued, and validates fields', async () => {
    const m = await createMerchant()
    const w = (
      await call('POST', '/api/merchant-wallets/', { key: m.testKey, body: { blockchain: 'base', xpub: randomXpub() } })
    ).json.data
    await call('POST', '/api/payment-orders/', {
      key: m.testKey,
      body: { amount: '1', currency: 'USDC', blockchain: 'base', nonce: 1 },
    })
    const swap = await call('PUT', `/api/merchant-wallets/${w.id}/`, {
      key: m.testKey,
      body: { address: '0x5FbDB2315678afecb367f032d93F642f64180aa3' },
    })
    expect(swap.status).toBe(409)
    const bad = await call('POST', '/api/merchant-wallets/', {
      key: m.testKey,
      body: { blockchain: 'ethereum', address: 'nope' },
    })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details).toHaveProperty('address')
    const unknown = await call('POST', '/api/merchant-wallets/', {
      key: m.testKey,
      body: { blockchain: 'dogechain', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3' },
    })
    expect(unknown.json.error.details).toHaveProperty('blockchain')
  })
})

describe('/api/webhook-endpoints/', () => {
  it('creates, lists and updates the same endpoints as /v1/webhook-endpoints', async () => {
    const m = await createMerchant()
    const created = await call('POST', '/api/webhook-endpoints/', {
      key: m.testKey,
      body: { url: 'https://shop.example/hook', events: ['payment.completed'] },
    })
    expect(created.status).toBe(201)
    expect(created.json.data).toMatchObject({
      url: 'https://shop.example/hook',
      events: ['payment.completed'],
      is_active: true,
      secret: expect.stringMatching(/^whsec_/),
    })
    const updated = await call('PUT', `/api/webhook-endpoints/${created.json.data.id}/`, {
      key: m.testKey,
      body: { is_active: false },
    })
    expect(updated.json.data.is_active).toBe(false)
    expect(
      (await call('GET', `/v1/webhook-endpoints/${created.json.data.id}`, { key: m.testKey })).json.data.status,
    ).toBe('disabled')
    expect((await call('GET', '/api/webhook-endpoints/', { key: m.testKey })).json.data).toHaveLength(1)
    const bad = await call('POST', '/api/webhook-endpoints/', { key: m.testKey, body: { url: 'ftp://x' } })
    expect(bad.status).toBe(400)
    expect(bad.json.error.details).toHaveProperty('url')
  })
})

describe('/v1/users', () => {
  it('creates users with hashed passwords and refuses short passwords and taken names', async () => {
    const m = await createMerchant()
    const res = await call('POST', '/v1/users', {
      key: m.testKey,
      body: { username: `alice${Date.now()}`, password: 'twelve chars ok' },
    })
    expect(res.status).toBe(201)
    expect(JSON.stringify(res.json)).not.toContain('twelve chars ok')
    const short = await call('POST', '/v1/users', { key: m.testKey, body: { username: 'bob', password: 'short' } })
    expect(short.json.error.field).toBe('password')
    const taken = await call('POST', '/v1/users', {
      key: m.testKey,
      body: { username: res.json.data.username, password: 'twelve chars ok' },
    })
    expect(taken.status).toBe(409)
  })
})
