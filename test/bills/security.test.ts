import { describe, expect, it } from 'vitest'
import { call, merchantWithWallet } from '../helpers/api'
import { newIdentity, pairToken, signHeaders } from '../helpers/bitpay'
import { billBody } from './helpers'

const BASE = 'http://gateway.test'

async function signed(identity: ReturnType<typeof newIdentity>, method: string, path: string, body?: unknown) {
  const raw = body === undefined ? '' : JSON.stringify(body)
  return call(method, path, {
    headers: signHeaders(identity, BASE + path, raw),
    ...(body === undefined ? {} : { body: raw, raw: true }),
  })
}

const bitpayBill = {
  number: 'b-1',
  currency: 'USD',
  email: 'a@b.co',
  items: [{ price: 6, quantity: 1, description: 'x' }],
}
const subBody = { bill_data: billBody(), schedule: 'weekly' }

/** Merchant A (test and live keys, a paired test identity) owning a bill and a subscription, and merchant B. */
async function setup() {
  const a = await merchantWithWallet()
  const b = await merchantWithWallet()
  const ia = newIdentity()
  const ib = newIdentity()
  const tokenA = await pairToken(a.testKey, ia)
  const tokenB = await pairToken(b.testKey, ib)
  const bill = (await call('POST', '/v1/bills', { key: a.testKey, body: billBody() })).json.data
  const sub = (await call('POST', '/v1/subscriptions', { key: a.testKey, body: subBody })).json.data
  return { a, b, ia, ib, tokenA, tokenB, bill, sub }
}

describe('bills and subscriptions: another merchant or mode sees nothing (404)', () => {
  it('v1: other merchant and live key get 404 on every id route, and empty lists', async () => {
    const { a, b, bill, sub } = await setup()
    for (const key of [b.testKey, a.liveKey]) {
      const routes: [string, string, unknown?][] = [
        ['GET', `/v1/bills/${bill.id}`],
        ['PATCH', `/v1/bills/${bill.id}`, { name: 'x' }],
        ['POST', `/v1/bills/${bill.id}/deliveries`],
        ['GET', `/v1/subscriptions/${sub.id}`],
        ['PATCH', `/v1/subscriptions/${sub.id}`, { status: 'active' }],
      ]
      for (const [method, path, body] of routes) {
        const res = await call(method, path, { key, body })
        expect(res.status, `${method} ${path}`).toBe(404)
        expect(res.json.error.code).toBe('NOT_FOUND')
      }
      expect((await call('GET', '/v1/bills', { key })).json.data).toEqual([])
      expect((await call('GET', '/v1/subscriptions', { key })).json.data).toEqual([])
    }
    expect((await call('GET', `/v1/bills/${bill.id}`, { key: a.testKey })).status).toBe(200)
  })

  it('v1: no key is a 401', async () => {
    for (const path of ['/v1/bills', '/v1/subscriptions']) expect((await call('GET', path)).status).toBe(401)
  })

  it("BitPay: another merchant's token gets BitPay 404s; resource tokens only open their own resource", async () => {
    const { a, ia, ib, tokenA, tokenB, bill, sub } = await setup()
    const getBill = await signed(ib, 'GET', `/bills/${bill.id}?token=${tokenB}`)
    expect(getBill.status).toBe(404)
    expect(getBill.json).toMatchObject({ status: 'error', code: '020001', data: null })
    expect((await signed(ib, 'GET', `/bills?token=${tokenB}`)).json.data).toEqual([])
    expect((await signed(ib, 'GET', `/subscriptions/${sub.id}?token=${tokenB}`)).json.code).toBe('020001')
    expect((await signed(ib, 'GET', `/subscriptions?token=${tokenB}`)).json.data).toEqual([])

    // A's other bill: its token does not open the first bill.
    const other = (await signed(ia, 'POST', '/bills', { ...bitpayBill, token: tokenA })).json.data
    const put = await signed(ia, 'PUT', `/bills/${bill.id}`, { ...bitpayBill, token: other.token })
    expect(put.status).toBe(404)
    expect(put.json.code).toBe('030001')
    expect((await signed(ia, 'POST', `/bills/${bill.id}/deliveries`, { token: other.token })).json.code).toBe('010001')
    expect((await signed(ia, 'POST', `/bills/${bill.id}/deliveries`, { token: tokenA })).status).toBe(404)
    // The right bill token, signed by an identity of another merchant: refused.
    expect((await signed(ib, 'PUT', `/bills/${bill.id}`, { ...bitpayBill, token: bill.token })).status).toBe(401)
    expect((await signed(ia, 'PUT', `/bills/${bill.id}`, { ...bitpayBill, token: bill.token })).status).toBe(200)
    expect((await signed(ia, 'PUT', `/subscriptions/${sub.id}`, { token: other.token, status: 'active' })).status).toBe(
      404,
    )

    // Live: a live token of A does not see A's test bill.
    const li = newIdentity()
    const code = (await call('POST', '/v1/bitpay/pairing-codes', { key: a.liveKey, body: { facade: 'merchant' } })).json
      .data.pairing_code
    const token = (await call('POST', '/tokens', { body: { id: li.sin, pairingCode: code } })).json.data[0].token
    expect((await signed(li, 'GET', `/bills/${bill.id}?token=${token}`)).status).toBe(404)
    expect((await signed(li, 'GET', `/subscriptions/${sub.id}?token=${token}`)).status).toBe(404)
    expect((await signed(li, 'GET', `/bills?token=${token}`)).json.data).toEqual([])
  })
})

describe('bad input is a 4xx naming the field', () => {
  it('v1 bills: {success:false,error:{code,field}}', async () => {
    const m = await merchantWithWallet()
    const cases: [Record<string, unknown>, string, string][] = [
      [billBody({ email: 'not-an-email' }), 'email', 'VALIDATION_ERROR'],
      [billBody({ items: [] }), 'items', 'VALIDATION_ERROR'],
      [billBody({ items: [{ price: '-1', quantity: 1 }] }), 'items.0.price', 'VALIDATION_ERROR'],
      [billBody({ items: [{ price: '1.001', quantity: 1 }] }), 'items.0.price', 'INVALID_AMOUNT'],
      [billBody({ items: [{ price: '1', quantity: 0 }] }), 'items.0.quantity', 'VALIDATION_ERROR'],
      [billBody({ currency: 'XYZ' }), 'currency', 'INVALID_CURRENCY'],
      [billBody({ due_date: 'someday' }), 'dueDate', 'VALIDATION_ERROR'],
    ]
    for (const [body, field, code] of cases) {
      const res = await call('POST', '/v1/bills', { key: m.testKey, body })
      expect(res.status, field).toBe(400)
      expect(res.json).toMatchObject({ success: false, error: { code, field } })
    }
    expect((await call('GET', '/v1/bills?status=unpaid', { key: m.testKey })).json.error.field).toBe('status')
  })

  it('v1 bills: a bill being paid can no longer be changed (409)', async () => {
    const m = await merchantWithWallet()
    const bill = (
      await call('POST', '/v1/bills', { key: m.testKey, body: billBody({ items: [{ price: '3.00', quantity: 1 }] }) })
    ).json.data
    await call('POST', `/bill/${bill.id}/pay`, { headers: { Origin: BASE } })
    const res = await call('PATCH', `/v1/bills/${bill.id}`, { key: m.testKey, body: { name: 'late' } })
    expect(res.status).toBe(409)
    expect(res.json.error).toMatchObject({ code: 'INVALID_STATE_TRANSITION', field: 'status' })
  })

  it('BitPay bills: {status:"error",code,error} with the field in the message', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const missing = await signed(identity, 'POST', '/bills', { token, currency: 'USD', items: bitpayBill.items })
    expect(missing.status).toBe(400)
    expect(missing.json).toMatchObject({
      status: 'error',
      code: '010003',
      data: null,
      error: expect.stringContaining('email'),
    })
    const invalid = await signed(identity, 'POST', '/bills', {
      ...bitpayBill,
      token,
      items: [{ price: 'six', quantity: 1 }],
    })
    expect(invalid.json).toMatchObject({
      status: 'error',
      code: '010002',
      error: expect.stringContaining('items.0.price'),
    })
    const status = await signed(identity, 'GET', `/bills?token=${token}&status=unknown`)
    expect(status.json).toMatchObject({ status: 'error', code: '020002', error: expect.stringContaining('status') })
  })
})
