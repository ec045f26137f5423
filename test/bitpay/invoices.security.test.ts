import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { merchantWithWallet, merchantWithWallets } from '../helpers/api'
import { newIdentity, pairToken, signedCall } from '../helpers/bitpay'

const count = async (sql: string, ...args: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...args)
      .first<{ n: number }>()
  )?.n

describe('POST /invoices with one guid, concurrently', () => {
  it('makes one invoice and one payment of 50 creates, and answers the rest with a BitPay 4xx, never a 5xx', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        signedCall(identity, 'POST', '/invoices', {
          token,
          price: 9,
          currency: 'USD',
          guid: 'order-race',
          posData: `attempt ${i}`,
        }),
      ),
    )
    expect(results.filter((r) => r.status >= 500)).toEqual([])
    const created = results.filter((r) => r.status === 200)
    expect(created).toHaveLength(1)
    for (const r of results.filter((r) => r.status !== 200)) {
      expect(r.status).toBe(400)
      expect(r.json).toMatchObject({ status: 'error', code: '010102' })
    }
    expect(await count('select count(*) as n from bitpay_invoices where merchant_id = ?', m.id)).toBe(1)
    expect(await count('select count(*) as n from payments where merchant_id = ?', m.id)).toBe(1)
    const byGuid = await signedCall(identity, 'GET', `/invoices/guid/order-race?token=${token}`)
    expect(byGuid.json.data.id).toBe(created[0]?.json.data.id)
  })

  it('lets the guid go again when the create fails, leaving no invoice behind', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const failed = await signedCall(identity, 'POST', '/invoices', {
      token,
      price: 9,
      currency: 'ZZZ',
      guid: 'order-retry',
    })
    expect(failed.status).toBe(400)
    expect(await count('select count(*) as n from bitpay_invoices where merchant_id = ?', m.id)).toBe(0)
    const retried = await signedCall(identity, 'POST', '/invoices', {
      token,
      price: 9,
      currency: 'USD',
      guid: 'order-retry',
    })
    expect(retried.status, retried.text).toBe(200)
  })
})

describe('PUT /invoices/:id with buyerEmail, concurrently', () => {
  it('sets the buyer email once: one update wins, the others get a 4xx', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const invoice = (await signedCall(identity, 'POST', '/invoices', { token, price: 9, currency: 'USD' })).json.data
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        signedCall(identity, 'PUT', `/invoices/${invoice.id}`, { token, buyerEmail: `buyer${i}@example.com` }),
      ),
    )
    expect(results.filter((r) => r.status >= 500)).toEqual([])
    const won = results.filter((r) => r.status === 200)
    expect(won).toHaveLength(1)
    const stored = await env.DB.prepare('select buyer from bitpay_invoices where payment_id = ?')
      .bind(invoice.id)
      .first<{ buyer: string }>()
    const email = JSON.parse(stored?.buyer ?? '{}').email
    expect(email).toMatch(/^buyer\d@example\.com$/)
    expect(won[0]?.json.data.buyer.email).toBe(email)
  })
})

describe('guids per merchant and mode', () => {
  it('keeps test and live guids apart: a test token neither collides with nor learns of a live guid', async () => {
    const m = await merchantWithWallets()
    const liveClient = newIdentity()
    const testClient = newIdentity()
    const liveToken = await pairToken(m.liveKey, liveClient)
    const testToken = await pairToken(m.testKey, testClient)
    const live = await signedCall(liveClient, 'POST', '/invoices', {
      token: liveToken,
      price: 9,
      currency: 'USD',
      guid: 'order-77',
    })
    expect(live.status, live.text).toBe(200)
    const test = await signedCall(testClient, 'POST', '/invoices', {
      token: testToken,
      price: 9,
      currency: 'USD',
      guid: 'order-77',
    })
    expect(test.status, test.text).toBe(200)
    expect(test.json.data.id).not.toBe(live.json.data.id)
    expect((await signedCall(testClient, 'GET', `/invoices/guid/order-77?token=${testToken}`)).json.data.id).toBe(
      test.json.data.id,
    )
    expect((await signedCall(liveClient, 'GET', `/invoices/guid/order-77?token=${liveToken}`)).json.data.id).toBe(
      live.json.data.id,
    )
  })
})

describe('POST /refunds, concurrently', () => {
  it('records one active refund of an invoice however many requests race, and refuses the others with a 4xx', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const invoice = (await signedCall(identity, 'POST', '/invoices', { token, price: 10, currency: 'USD' })).json.data
    await signedCall(identity, 'PUT', `/invoices/pay/${invoice.id}`, { token, status: 'complete' })
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        signedCall(identity, 'POST', '/refunds', { token, invoiceId: invoice.id, amount: i + 1 }),
      ),
    )
    expect(results.filter((r) => r.status >= 500)).toEqual([])
    expect(results.filter((r) => r.status === 200)).toHaveLength(1)
    expect(
      await count(
        "select count(*) as n from bitpay_refunds where payment_id = ? and status in ('preview', 'created', 'pending')",
        invoice.id,
      ),
    ).toBe(1)
  })

  it('keeps refund guids per mode too', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const a = (await signedCall(identity, 'POST', '/invoices', { token, price: 10, currency: 'USD' })).json.data
    const b = (await signedCall(identity, 'POST', '/invoices', { token, price: 10, currency: 'USD' })).json.data
    for (const inv of [a, b])
      await signedCall(identity, 'PUT', `/invoices/pay/${inv.id}`, { token, status: 'complete' })
    const first = await signedCall(identity, 'POST', '/refunds', {
      token,
      invoiceId: a.id,
      amount: 1,
      guid: 'refund-1',
    })
    expect(first.status, first.text).toBe(200)
    const dup = await signedCall(identity, 'POST', '/refunds', { token, invoiceId: b.id, amount: 1, guid: 'refund-1' })
    expect(dup.status).toBe(400)
    expect(dup.json.error).toMatch(/guid refund-1 already exists/)
    expect(await count('select livemode as n from bitpay_refunds where guid = ?', 'refund-1')).toBe(0)
  })
})
