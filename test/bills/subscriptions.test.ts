import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { runMaintenance } from '../../src/maintenance'
import { setEmailSenderForTests } from '../../src/services/email/sender'
import { call, merchantWithWallet } from '../helpers/api'
import { newIdentity, pairToken, signHeaders } from '../helpers/bitpay'
import { billBody, recordingSender } from './helpers'

const BASE = 'http://gateway.test'

/** A signed BitPay request, as the PHP SDK's SubscriptionClient sends it. */
async function bitpay(identity: ReturnType<typeof newIdentity>, method: string, path: string, body?: unknown) {
  const raw = body === undefined ? '' : JSON.stringify(body)
  return call(method, path, {
    headers: { ...signHeaders(identity, BASE + path, raw), 'x-accept-version': '2.0.0' },
    ...(body === undefined ? {} : { body: raw, raw: true }),
  })
}

const bitpayBillData = {
  number: 'subscription1234-ABCD',
  currency: 'USD',
  email: 'john@doe.com',
  cc: ['jane@doe.com'],
  name: 'John Doe',
  dueDate: '2021-5-31',
  passProcessingFee: true,
  emailBill: true,
  items: [
    { description: 'Test Item 1', price: 6, quantity: 1 },
    { description: 'Test Item 2', price: 4, quantity: 1 },
  ],
}

describe('BitPay /subscriptions (signed HTTP; the v8 SDK has no subscription client)', () => {
  it('creates (weekly → cron), gets, lists by status and updates with the subscription token', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const created = await bitpay(identity, 'POST', '/subscriptions', {
      token,
      billData: bitpayBillData,
      schedule: 'weekly',
      nextDelivery: '2021-05-24T00:00:00.000Z',
    })
    expect(created.status).toBe(200)
    expect(created.json).toMatchObject({
      facade: 'merchant/subscription',
      data: {
        status: 'draft',
        schedule: '0 0 0 * * 1',
        nextDelivery: '2021-05-24T00:00:00.000Z',
        billData: {
          number: 'subscription1234-ABCD',
          cc: ['jane@doe.com'],
          emailBill: true,
          dueDate: '2021-05-31T00:00:00.000Z',
          merchant: m.id,
        },
      },
    })
    expect(created.json.data.billData.items).toEqual([
      { description: 'Test Item 1', price: 6, quantity: 1 },
      { description: 'Test Item 2', price: 4, quantity: 1 },
    ])
    const sub = created.json.data
    expect((await bitpay(identity, 'GET', `/subscriptions/${sub.id}?token=${token}`)).json.data.id).toBe(sub.id)
    const drafts = await bitpay(identity, 'GET', `/subscriptions?token=${token}&status=draft`)
    expect(drafts.json.data.map((s: { id: string }) => s.id)).toEqual([sub.id])
    expect(drafts.json).not.toHaveProperty('status')
    expect((await bitpay(identity, 'GET', `/subscriptions?token=${token}&status=active`)).json.data).toEqual([])

    const activated = await bitpay(identity, 'PUT', `/subscriptions/${sub.id}`, { token: sub.token, status: 'active' })
    expect(activated.json.data.status).toBe('active')
    // A billData-only update keeps status and number (the PHP functional test).
    const changed = await bitpay(identity, 'PUT', `/subscriptions/${sub.id}`, {
      token: sub.token,
      billData: { items: [{ description: 'Test Item 1', price: 9, quantity: 1 }] },
    })
    expect(changed.json.data).toMatchObject({
      status: 'active',
      billData: { number: 'subscription1234-ABCD', items: [{ price: 9 }] },
    })
    // The merchant token is not the subscription token.
    expect(
      (await bitpay(identity, 'PUT', `/subscriptions/${sub.id}`, { token, status: 'cancelled' })).json,
    ).toMatchObject({ status: 'error', code: '030001' })
    expect(
      (await bitpay(identity, 'PUT', `/subscriptions/${sub.id}`, { token: sub.token, status: 'draft' })).json,
    ).toMatchObject({ status: 'error', error: expect.stringContaining('cannot become draft') })
  })

  it('refuses an unsigned update and a signer paired with another merchant', async () => {
    const m = await merchantWithWallet()
    const other = await merchantWithWallet()
    const identity = newIdentity()
    const stranger = newIdentity()
    const token = await pairToken(m.testKey, identity)
    await pairToken(other.testKey, stranger)
    const sub = (
      await bitpay(identity, 'POST', '/subscriptions', { token, billData: bitpayBillData, schedule: 'monthly' })
    ).json.data
    const unsigned = await call('PUT', `/subscriptions/${sub.id}`, { body: { token: sub.token, status: 'active' } })
    expect(unsigned.status).toBe(401)
    expect(
      (await bitpay(stranger, 'PUT', `/subscriptions/${sub.id}`, { token: sub.token, status: 'active' })).status,
    ).toBe(401)
  })

  it("names the bad field in BitPay's error shape", async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const bad = await bitpay(identity, 'POST', '/subscriptions', {
      token,
      billData: bitpayBillData,
      schedule: '0 0 25 * * *',
    })
    expect(bad.status).toBe(400)
    expect(bad.json).toMatchObject({
      status: 'error',
      code: '010002',
      data: null,
      error: expect.stringContaining('schedule'),
    })
    const missing = await bitpay(identity, 'POST', '/subscriptions', { token, schedule: 'weekly' })
    expect(missing.json).toMatchObject({ status: 'error', code: '010003', error: expect.stringContaining('billData') })
  })
})

describe('cron: subscription bills', () => {
  afterEach(() => setEmailSenderForTests(undefined))

  // Storage is shared by the file: each merchant bills its own buyer address, and mail is read per address.
  const buyer = (key: string) => `buyer-${key.slice(-8)}@example.com`
  const mailTo = (mail: ReturnType<typeof recordingSender>, key: string) =>
    mail.sent.filter((e) => e.to.includes(buyer(key)))
  async function activeSubscription(key: string, extra: Record<string, unknown> = {}) {
    const res = await call('POST', '/v1/subscriptions', {
      key,
      body: {
        bill_data: billBody({ email: buyer(key), due_date: '2026-01-08T00:00:00.000Z' }),
        schedule: 'weekly',
        next_delivery: '2026-01-05T00:00:00.000Z',
        status: 'active',
        ...extra,
      },
    })
    expect(res.status).toBe(201)
    return res.json.data
  }
  const billsOf = async (key: string) =>
    (await call('GET', '/v1/bills', { key })).json.data as {
      id: string
      subscription_id: string
      status: string
      due_date: string
      total: string
    }[]

  it('issues and emails the due bill once, and moves next_delivery to the next period', async () => {
    const mail = recordingSender()
    const m = await merchantWithWallet()
    const sub = await activeSubscription(m.testKey)
    expect(sub.schedule).toBe('0 0 0 * * 1')
    const now = new Date('2026-01-05T00:00:30.000Z')
    await runMaintenance(env, now)
    const [bill, ...rest] = await billsOf(m.testKey)
    expect(rest).toEqual([])
    // The gap between delivery and due date (3 days) is kept.
    expect(bill).toMatchObject({
      subscription_id: sub.id,
      status: 'sent',
      total: '10.00',
      due_date: '2026-01-08T00:00:00.000Z',
    })
    expect(mailTo(mail, m.testKey).map((e) => e.to)).toEqual([[buyer(m.testKey)]])
    expect((await call('GET', `/v1/subscriptions/${sub.id}`, { key: m.testKey })).json.data.next_delivery).toBe(
      '2026-01-12T00:00:00.000Z',
    )
    await runMaintenance(env, now)
    expect(await billsOf(m.testKey)).toHaveLength(1)
  })

  it('issues one bill when the cron runs twice at once for the same period', async () => {
    const mail = recordingSender()
    const m = await merchantWithWallet()
    await activeSubscription(m.testKey)
    const now = new Date('2026-01-05T00:00:30.000Z')
    await Promise.all([runMaintenance(env, now), runMaintenance(env, now)])
    expect(await billsOf(m.testKey)).toHaveLength(1)
    expect(mailTo(mail, m.testKey)).toHaveLength(1)
  })

  it('issues one bill for a subscription two periods overdue, then waits for the next period', async () => {
    const m = await merchantWithWallet()
    const sub = await activeSubscription(m.testKey)
    await runMaintenance(env, new Date('2026-01-14T08:00:00.000Z'))
    expect(await billsOf(m.testKey)).toHaveLength(1)
    expect((await call('GET', `/v1/subscriptions/${sub.id}`, { key: m.testKey })).json.data.next_delivery).toBe(
      '2026-01-19T00:00:00.000Z',
    )
    await runMaintenance(env, new Date('2026-01-19T00:00:01.000Z'))
    expect(await billsOf(m.testKey)).toHaveLength(2)
  })

  it('leaves draft and cancelled subscriptions alone, and issues drafts without email when email_bill is false', async () => {
    const mail = recordingSender()
    const m = await merchantWithWallet()
    await activeSubscription(m.testKey, { status: 'draft' })
    const cancelled = await activeSubscription(m.testKey)
    expect(
      (await call('PATCH', `/v1/subscriptions/${cancelled.id}`, { key: m.testKey, body: { status: 'cancelled' } })).json
        .data.status,
    ).toBe('cancelled')
    await runMaintenance(env, new Date('2026-01-05T01:00:00.000Z'))
    expect(await billsOf(m.testKey)).toEqual([])
    await activeSubscription(m.testKey, { bill_data: { ...billBody({ email: buyer(m.testKey) }), email_bill: false } })
    await runMaintenance(env, new Date('2026-01-05T01:00:00.000Z'))
    expect((await billsOf(m.testKey)).map((b) => b.status)).toEqual(['draft'])
    expect(mailTo(mail, m.testKey)).toEqual([])
  })
})

describe('/v1/subscriptions', () => {
  it('creates, lists by status, gets and updates; a 6-field cron is kept as given', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', '/v1/subscriptions', {
      key: m.testKey,
      body: { bill_data: billBody(), schedule: '0 30 9 15 * *' },
    })
    expect(res.status).toBe(201)
    expect(res.json.data).toMatchObject({
      object: 'subscription',
      status: 'draft',
      schedule: '0 30 9 15 * *',
      bill_data: { currency: 'USD', email_bill: true, cc: ['jane@example.com'] },
    })
    const id = res.json.data.id
    expect(
      (await call('GET', '/v1/subscriptions?status=draft', { key: m.testKey })).json.data.map(
        (s: { id: string }) => s.id,
      ),
    ).toEqual([id])
    expect((await call('GET', '/v1/subscriptions?status=active', { key: m.testKey })).json.data).toEqual([])
    const updated = await call('PATCH', `/v1/subscriptions/${id}`, {
      key: m.testKey,
      body: { schedule: 'quarterly', status: 'active' },
    })
    expect(updated.json.data).toMatchObject({ status: 'active', schedule: '0 0 0 1 1,4,7,10 *' })
    expect((await call('GET', `/v1/subscriptions/${id}`, { key: m.testKey })).json.data.status).toBe('active')
  })

  it("names the bad field in v1's error shape", async () => {
    const m = await merchantWithWallet()
    const bad = await call('POST', '/v1/subscriptions', {
      key: m.testKey,
      body: { bill_data: billBody(), schedule: 'fortnightly' },
    })
    expect(bad.status).toBe(400)
    expect(bad.json.error).toMatchObject({ code: 'VALIDATION_ERROR', field: 'schedule' })
    const price = await call('POST', '/v1/subscriptions', {
      key: m.testKey,
      body: { bill_data: billBody({ items: [{ price: '1.001', quantity: 1 }] }), schedule: 'weekly' },
    })
    expect(price.json.error).toMatchObject({ code: 'INVALID_AMOUNT', field: 'billData.items.0.price' })
    const status = await call('POST', '/v1/subscriptions', {
      key: m.testKey,
      body: { bill_data: billBody(), schedule: 'weekly', status: 'paused' },
    })
    expect(status.json.error).toMatchObject({ field: 'status' })
  })
})
