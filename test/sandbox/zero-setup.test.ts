/**
 * A brand-new merchant with nothing configured (no wallet, no settings): seed 002's test amounts
 * behave as promised on every surface, with webhooks delivered to a real receiver.
 */
import { Client, Env, Environment, Facade, Models, TokenContainer } from 'bitpay-sdk'
import { beforeAll, describe, expect, it } from 'vitest'
import { call, createMerchant, eventually, type TestMerchant } from '../helpers/api'
import { GATEWAY, newIdentity, pairToken, routeGatewayFetch } from '../helpers/bitpay'
import { LINKS, linkBody } from '../helpers/links'
import { received, receiverUrl, waitForRequests, type ReceivedRequest } from '../helpers/receiver'

const eventOf = (r: ReceivedRequest) => JSON.parse(r.body) as { event_type: string; payment_id: string; status: string }

/** A new merchant (no wallet) with a webhook endpoint on the test receiver. */
async function newMerchant() {
  const merchant = await createMerchant()
  const hook = receiverUrl()
  const endpoint = await call('POST', '/v1/webhook-endpoints', { key: merchant.testKey, body: { url: hook.url } })
  expect(endpoint.status).toBe(201)
  return { ...merchant, hook }
}

const v1Status = async (m: TestMerchant, id: string) =>
  (await call('GET', `/v1/payments/${id}`, { key: m.testKey })).json.data

/** Waits for the payment's status, then checks it stays there after the sandbox alarm has had its time. */
async function expectSettles(m: TestMerchant, id: string, status: string) {
  await eventually(async () => (await v1Status(m, id)).status === status, 8_000)
  await new Promise((r) => setTimeout(r, 2_500))
  const payment = await v1Status(m, id)
  expect(payment.status).toBe(status)
  expect(payment.last_error).toBeNull()
  return payment
}

async function expectCompletedWebhook(hook: { name: string }, paymentId: string) {
  const [completed] = await waitForRequests(
    hook.name,
    1,
    (r) => eventOf(r).event_type === 'payment.completed' && eventOf(r).payment_id === paymentId,
  )
  expect(eventOf(completed!)).toMatchObject({ status: 'completed', payment_id: paymentId })
}

describe('a brand-new merchant with no wallet, in test mode', () => {
  beforeAll(() => {
    ;(Env as { TestUrl: string }).TestUrl = GATEWAY
    routeGatewayFetch()
  })

  it('POST /v1/payments: 10.00 completes within seconds (payment.completed delivered), 20.00 fails, 30.00 stays processing', async () => {
    const m = await newMerchant()
    const started = Date.now()
    const create = (amount: string) =>
      call('POST', '/v1/payments', { key: m.testKey, body: { amount, currency: 'USD' } })
    const [ten, twenty, thirty] = await Promise.all([create('10.00'), create('20.00'), create('30.00')])
    for (const res of [ten, twenty, thirty]) expect(res.status, res.text).toBe(201)

    const completed = await expectSettles(m, ten.json.data.id, 'completed')
    expect(completed).toMatchObject({
      chain_id: 31337,
      pay_currency: 'USDC',
      pay_amount: '10',
      amount_received: '10',
      deposit_address: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
    })
    await expectCompletedWebhook(m.hook, ten.json.data.id)
    expect(Date.now() - started).toBeLessThan(15_000)
    await expectSettles(m, twenty.json.data.id, 'failed')
    await expectSettles(m, thirty.json.data.id, 'processing')
    const types = (await received(m.hook.name))
      .filter((r) => eventOf(r).payment_id === thirty.json.data.id)
      .map((r) => eventOf(r).event_type)
    expect(types).toContain('payment.processing')
    expect(types).not.toContain('payment.completed')
  })

  it('/api/v1/payments/links: a 10.00 link completes, 20 fails, 30 stays processing', async () => {
    const m = await newMerchant()
    const create = async (order_amount: unknown) => {
      const res = await call('POST', LINKS, { key: m.testKey, body: linkBody(m, { order_amount }) })
      expect(res.status, res.text).toBe(200)
      return res.json as { id: string }
    }
    const [ten, twenty, thirty] = await Promise.all([create(10), create('20.00'), create(30)])
    const link = async (id: string) => (await call('GET', `${LINKS}/${id}`, { key: m.testKey })).json
    await eventually(async () => (await link(ten.id)).payment_status === 'completed', 8_000)
    const [done] = await waitForRequests(m.hook.name, 1, (r) => eventOf(r).event_type === 'payment.completed')
    expect((await link(eventOf(done!).payment_id)).id).toBe(ten.id)
    await eventually(async () => (await link(twenty.id)).payment_status === 'failed', 8_000)
    await eventually(async () => (await link(thirty.id)).payment_status === 'processing', 8_000)
    await new Promise((r) => setTimeout(r, 2_500))
    expect((await link(thirty.id)).payment_status).toBe('processing')
  })

  it('BitPay /invoices through the official bitpay-sdk: 10 is confirmed (IPN and payment.completed), 20 invalid, 30 paid', async () => {
    const m = await newMerchant()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const client = Client.createClientByPrivateKey(
      identity.privateKey,
      new TokenContainer({ [Facade.Merchant]: token }),
      Environment.Test,
    )
    const ipn = receiverUrl()
    const invoice = (price: number) => Object.assign(new Models.Invoice(price, 'USD'), { notificationURL: ipn.url })
    const ten = await client.createInvoice(invoice(10))
    expect(ten.status).toBe('new')
    expect(Object.keys(ten.paymentTotals ?? {})).toEqual(expect.arrayContaining(['USDC', 'USDT', 'ETH']))
    const twenty = await client.createInvoice(invoice(20))
    const thirty = await client.createInvoice(invoice(30))

    await eventually(async () => ['confirmed', 'complete'].includes((await client.getInvoice(ten.id!)).status!), 8_000)
    await expectCompletedWebhook(m.hook, ten.id!)
    const ipns = await waitForRequests(
      ipn.name,
      1,
      (r) => JSON.parse(r.body).id === ten.id && ['confirmed', 'complete'].includes(JSON.parse(r.body).status),
    )
    expect(JSON.parse(ipns[0]!.body)).toMatchObject({ id: ten.id, price: 10, currency: 'USD' })
    await eventually(async () => (await client.getInvoice(twenty.id!)).status === 'invalid', 8_000)
    await eventually(async () => (await client.getInvoice(thirty.id!)).status === 'paid', 8_000)
    await new Promise((r) => setTimeout(r, 2_500))
    expect((await client.getInvoice(thirty.id!)).status).toBe('paid')
  })

  it('CryptoPay /api/payment-orders/ on the sandbox chain: 10.00 USDC completes, 20.00 fails, 30.00 stays processing', async () => {
    const m = await newMerchant()
    let nonce = Date.now()
    const order = async (amount: string) => {
      const res = await call('POST', '/api/payment-orders/', {
        key: m.testKey,
        body: { amount, currency: 'USDC', blockchain: 'anvil', nonce: ++nonce },
      })
      expect(res.status, res.text).toBe(201)
      expect(res.json.data).toMatchObject({
        chain_id: 31337,
        status: 'pending',
        wallet_address: expect.stringMatching(/^0x[0-9a-fA-F]{40}$/),
      })
      return res.json.data.id as string
    }
    const [ten, twenty, thirty] = [await order('10.00'), await order('20.00'), await order('30.00')]
    const status = async (id: string) =>
      (await call('GET', `/api/payment-orders/${id}/`, { key: m.testKey })).json.data.status
    await eventually(async () => (await status(ten)) === 'completed', 8_000)
    await expectCompletedWebhook(m.hook, ten)
    await eventually(async () => (await status(twenty)) === 'failed', 8_000)
    await eventually(async () => (await status(thirty)) === 'processing', 8_000)
    await new Promise((r) => setTimeout(r, 2_500))
    expect(await status(thirty)).toBe('processing')
  })

  it('the hosted page of a test payment offers the sandbox chain instead of "cannot take crypto payments"', async () => {
    const m = await createMerchant()
    const p = (await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '12.00', currency: 'USD' } })).json
      .data
    const page = await call('GET', `/pay/${p.reference}`)
    expect(page.status).toBe(200)
    expect(page.text).not.toContain('cannot take crypto payments')
    expect(page.text).toContain('USDC on Anvil (local)')
    expect(page.text).toContain('data-testid="test-mode-banner"')
  })
})
