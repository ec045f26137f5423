import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, eventually, merchantWithWallet } from '../helpers/api'
import { deriveDepositAddress } from '../../src/chain/addresses'

describe('POST /v1/payments', () => {
  it('creates a fiat-priced payment with a locked crypto amount and the next deposit address', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: {
        amount: 10,
        currency: 'usd',
        chain_id: 31337,
        token: 'eth',
        description: 'Premium plan',
        order_id: 'ORD-1',
        metadata: { cart: 'c1', qty: 2 },
        success_url: 'https://shop.example/ok',
        cancel_url: 'https://shop.example/cancel',
        expires_in: 600,
      },
    })
    expect(res.status).toBe(201)
    expect(res.json.success).toBe(true)
    expect(res.json.meta.requestId).toBe(res.headers.get('x-request-id'))
    const p = res.json.data
    expect(p).toMatchObject({
      object: 'payment',
      status: 'pending',
      exception: null,
      livemode: false,
      amount: '10.00',
      currency: 'USD',
      pay_currency: 'ETH',
      pay_amount: '0.003333333333333334',
      pay_amount_base_units: '3333333333333334',
      chain_id: 31337,
      token_address: null,
      deposit_address: deriveDepositAddress(m.xpub, 0),
      amount_received: '0',
      confirmations: 0,
      required_confirmations: 2,
      transaction_speed: 'medium',
      rate: { source: 'static', value: '3000' },
      description: 'Premium plan',
      order_id: 'ORD-1',
      metadata: { cart: 'c1', qty: 2 },
      success_url: 'https://shop.example/ok',
    })
    expect(p.hosted_url).toBe(`http://gateway.test/pay/${p.reference}`)
    expect(p.reference).toMatch(/^[A-Z]{4}-\d{8}-PMT$/)
    expect(Date.parse(p.expires_at) - Date.parse(p.created_at)).toBe(600_000)

    const second = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: { amount: '1', currency: 'USD', chain_id: 31337, token: 'ETH', transaction_speed: 'low' },
    })
    expect(second.json.data.deposit_address).toBe(deriveDepositAddress(m.xpub, 1))
    expect(second.json.data.required_confirmations).toBe(6)
  })

  it('writes the payment and its payment.created outbox event together', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '5', currency: 'USD' } })
    const rows = await env.DB.prepare('SELECT type, sequence FROM events WHERE payment_id = ?')
      .bind(res.json.data.id)
      .all()
    expect(rows.results).toEqual([{ type: 'payment.created', sequence: 0 }])
  })

  it('leaves chain and token open when not given', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '5', currency: 'EUR' } })
    expect(res.status).toBe(201)
    expect(res.json.data).toMatchObject({
      pay_amount: null,
      pay_currency: null,
      chain_id: null,
      deposit_address: null,
      required_confirmations: null,
    })
  })

  it('never hands out the same deposit address twice under concurrency', async () => {
    const m = await merchantWithWallet()
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        call('POST', '/v1/payments', {
          key: m.testKey,
          body: { amount: '3', currency: 'USD', chain_id: 31337, token: 'ETH' },
        }),
      ),
    )
    const addresses = results.map((r) => r.json.data.deposit_address)
    expect(new Set(addresses).size).toBe(12)
  })

  it('expires an unpaid payment at expires_at through its alarm', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: { amount: '5', currency: 'USD', chain_id: 31337, token: 'ETH', expires_in: 60 },
    })
    const id = res.json.data.id as string
    // Move the stored expiry into the past, then let the object's alarm run.
    const { runDurableObjectAlarm } = await import('cloudflare:test')
    await env.DB.prepare('UPDATE payments SET expires_at = ? WHERE id = ?')
      .bind(new Date(Date.now() - 1000).toISOString(), id)
      .run()
    const stub = env.PAYMENT_OBJECT.get(env.PAYMENT_OBJECT.idFromName(id))
    const { runInDurableObject } = await import('cloudflare:test')
    await runInDurableObject(stub, async (instance) => {
      // Drop the object's cached row so it reads the changed expiry from D1.
      ;(instance as unknown as { payment: undefined }).payment = undefined
    })
    await runDurableObjectAlarm(stub)
    const got = await call('GET', `/v1/payments/${id}`, { key: m.testKey })
    expect(got.json.data.status).toBe('expired')
  })
})

describe('GET /v1/payments/:id', () => {
  it('returns the payment', async () => {
    const m = await merchantWithWallet()
    const created = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: { amount: '7.25', currency: 'USD', chain_id: 31337, token: 'ETH' },
    })
    const got = await call('GET', `/v1/payments/${created.json.data.id}`, { key: m.testKey })
    expect(got.status).toBe(200)
    expect(got.json.data).toMatchObject({ id: created.json.data.id, amount: '7.25', status: 'pending' })
  })
})

describe('GET /v1/payments', () => {
  it('pages newest first and filters by status, currency and date', async () => {
    const m = await merchantWithWallet()
    const ids: string[] = []
    for (const [amount, currency] of [
      ['1', 'USD'],
      ['2', 'EUR'],
      ['3', 'USD'],
    ]) {
      const r = await call('POST', '/v1/payments', { key: m.testKey, body: { amount, currency } })
      ids.push(r.json.data.id)
    }
    await call('POST', `/v1/payments/${ids[0]}/cancel`, { key: m.testKey })

    const page1 = await call('GET', '/v1/payments?limit=2', { key: m.testKey })
    expect(page1.status).toBe(200)
    expect(page1.json.data.map((p: { id: string }) => p.id)).toEqual([ids[2], ids[1]])
    expect(page1.json.meta.pagination).toEqual({ page: 1, limit: 2, total: 3, total_pages: 2, has_more: true })
    const page2 = await call('GET', '/v1/payments?limit=2&page=2', { key: m.testKey })
    expect(page2.json.data.map((p: { id: string }) => p.id)).toEqual([ids[0]])

    const usd = await call('GET', '/v1/payments?currency=usd', { key: m.testKey })
    expect(usd.json.data).toHaveLength(2)
    const cancelled = await call('GET', '/v1/payments?status=cancelled', { key: m.testKey })
    expect(cancelled.json.data.map((p: { id: string }) => p.id)).toEqual([ids[0]])
    const open = await call('GET', '/v1/payments?status=pending,processing', { key: m.testKey })
    expect(open.json.data).toHaveLength(2)
    const future = await call(
      'GET',
      `/v1/payments?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      { key: m.testKey },
    )
    expect(future.json.data).toHaveLength(0)
    const past = await call(
      'GET',
      `/v1/payments?to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      { key: m.testKey },
    )
    expect(past.json.data).toHaveLength(3)
  })
})

describe('POST /v1/payments/:id/cancel', () => {
  it('cancels a pending payment and records payment.cancelled', async () => {
    const m = await merchantWithWallet()
    const created = await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '5', currency: 'USD' } })
    const res = await call('POST', `/v1/payments/${created.json.data.id}/cancel`, { key: m.testKey })
    expect(res.status).toBe(200)
    expect(res.json.data.status).toBe('cancelled')
    const events = await env.DB.prepare('SELECT type FROM events WHERE payment_id = ? ORDER BY sequence')
      .bind(created.json.data.id)
      .all()
    expect(events.results.map((e) => e.type)).toEqual(['payment.created', 'payment.cancelled'])
  })
})

describe('sandbox test amounts (test keys)', () => {
  it('10.00 completes on its own, 20.00 fails, 30.00 stays processing', async () => {
    const m = await merchantWithWallet()
    const make = async (amount: string) =>
      (await call('POST', '/v1/payments', { key: m.testKey, body: { amount, currency: 'USD' } })).json.data.id as string
    const [ten, twenty, thirty, other] = await Promise.all([make('10.00'), make('20.00'), make('30.00'), make('12.00')])
    const statusOf = async (id: string) => (await call('GET', `/v1/payments/${id}`, { key: m.testKey })).json.data
    const completed = await eventually(async () => {
      const p = await statusOf(ten!)
      return p.status === 'completed' && p
    })
    // The local chain has the test USDC (test/global-setup.ts), so the sandbox settles in the stablecoin.
    expect(completed).toMatchObject({ pay_currency: 'USDC', chain_id: 31337, exception: null })
    expect(completed.amount_received).toBe(completed.pay_amount)
    await eventually(async () => (await statusOf(twenty!)).status === 'failed')
    await eventually(async () => (await statusOf(thirty!)).status === 'processing')
    expect((await statusOf(other!)).status).toBe('pending')
  })
})
