import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { runMaintenance } from '../../src/maintenance'
import { setEmailSenderForTests } from '../../src/services/email/sender'
import { call, eventually, merchantWithWallet } from '../helpers/api'
import { visit } from '../helpers/links'
import { billBody, recordingSender } from './helpers'

const BASE = 'http://gateway.test'
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000)

describe('POST /v1/bills', () => {
  afterEach(() => setEmailSenderForTests(undefined))

  it('creates a draft bill with exact totals, its page url and resource token', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', '/v1/bills', { key: m.testKey, body: billBody() })
    expect(res.status).toBe(201)
    expect(res.json.data).toMatchObject({
      object: 'bill',
      status: 'draft',
      number: 'bill-1001',
      currency: 'USD',
      total: '10.00',
      cc: ['jane@example.com'],
      due_date: '2026-12-31T00:00:00.000Z',
      livemode: false,
      email_bill: false,
      emails: [],
    })
    expect(res.json.data.items.map((i: { price: string }) => i.price)).toEqual(['6.00', '2.00'])
    expect(res.json.data.url).toBe(`${BASE}/bill/${res.json.data.id}`)
    const got = await call('GET', `/v1/bills/${res.json.data.id}`, { key: m.testKey })
    expect(got.json.data.id).toBe(res.json.data.id)
  })

  it('lists by status and updates a draft (items replaced, total recomputed)', async () => {
    const m = await merchantWithWallet()
    const a = (await call('POST', '/v1/bills', { key: m.testKey, body: billBody() })).json.data
    const b = (await call('POST', '/v1/bills', { key: m.testKey, body: billBody({ number: 'bill-1002' }) })).json.data
    await call('POST', `/v1/bills/${b.id}/deliveries`, { key: m.testKey })
    const drafts = await call('GET', '/v1/bills?status=draft', { key: m.testKey })
    expect(drafts.json.data.map((x: { id: string }) => x.id)).toEqual([a.id])
    expect(drafts.json.meta.pagination).toMatchObject({ total: 1, page: 1 })
    const all = await call('GET', '/v1/bills', { key: m.testKey })
    expect(all.json.data.map((x: { id: string }) => x.id).sort()).toEqual([a.id, b.id].sort())
    const updated = await call('PATCH', `/v1/bills/${a.id}`, {
      key: m.testKey,
      body: { items: [{ description: 'Flat fee', price: 12.5, quantity: 2 }], name: 'Jane Roe' },
    })
    expect(updated.status).toBe(200)
    expect(updated.json.data).toMatchObject({
      total: '25.00',
      name: 'Jane Roe',
      number: 'bill-1001',
      email: 'buyer@example.com',
    })
  })
})

describe('POST /v1/bills/{id}/deliveries', () => {
  afterEach(() => setEmailSenderForTests(undefined))

  it('writes the message to the email outbox, sends it through the EMAIL binding and marks the bill sent', async () => {
    const m = await merchantWithWallet()
    const bill = (await call('POST', '/v1/bills', { key: m.testKey, body: billBody() })).json.data
    const res = await call('POST', `/v1/bills/${bill.id}/deliveries`, { key: m.testKey })
    expect(res.status).toBe(200)
    expect(res.json.data).toMatchObject({ status: 'sent', email_bill: true })
    // The real binding (miniflare's local simulation) answers with a message id.
    expect(res.json.data.emails).toEqual([
      expect.objectContaining({
        status: 'sent',
        attempts: 1,
        to: ['buyer@example.com'],
        cc: ['jane@example.com'],
        subject: expect.stringContaining('Bill bill-1001'),
        last_error: null,
        message_id: expect.stringContaining('@'),
      }),
    ])
  })

  it('hands the sender the items, the total and the link to the bill page', async () => {
    const mail = recordingSender()
    const m = await merchantWithWallet()
    const bill = (await call('POST', '/v1/bills', { key: m.testKey, body: billBody() })).json.data
    await call('POST', `/v1/bills/${bill.id}/deliveries`, { key: m.testKey })
    expect(mail.sent).toHaveLength(1)
    expect(mail.sent[0]).toMatchObject({
      from: 'billing@bitxpay.localhost',
      to: ['buyer@example.com'],
      cc: ['jane@example.com'],
    })
    expect(mail.sent[0]!.text).toContain('- Hosting: 2 x 2.00 USD')
    expect(mail.sent[0]!.text).toContain('Total: 10.00 USD')
    expect(mail.sent[0]!.text).toContain(`${BASE}/bill/${bill.id}`)
    expect(mail.sent[0]!.html).toContain(`href="${BASE}/bill/${bill.id}"`)
  })

  it('keeps a failed send queued with attempts and last_error, and the cron retries it', async () => {
    const mail = recordingSender()
    mail.state.failWith = 'Email Service unavailable'
    const m = await merchantWithWallet()
    const bill = (await call('POST', '/v1/bills', { key: m.testKey, body: billBody() })).json.data
    const res = await call('POST', `/v1/bills/${bill.id}/deliveries`, { key: m.testKey })
    expect(res.status).toBe(200)
    expect(res.json.data.status).toBe('sent')
    expect(res.json.data.emails).toEqual([
      expect.objectContaining({
        status: 'queued',
        attempts: 1,
        last_error: 'Email Service unavailable',
        message_id: null,
      }),
    ])

    // Not yet due: the cron leaves it alone.
    await runMaintenance(env, new Date())
    expect((await call('GET', `/v1/bills/${bill.id}`, { key: m.testKey })).json.data.emails[0].attempts).toBe(1)

    mail.state.failWith = null
    await runMaintenance(env, inMinutes(2))
    const after = await call('GET', `/v1/bills/${bill.id}`, { key: m.testKey })
    expect(after.json.data.emails).toEqual([
      expect.objectContaining({ status: 'sent', attempts: 2, last_error: null, message_id: '<msg-1@test>' }),
    ])
    expect(mail.sent).toHaveLength(1)
  })

  it('marks a message failed after its last attempt', async () => {
    const mail = recordingSender()
    mail.state.failWith = 'rejected'
    const m = await merchantWithWallet()
    const bill = (await call('POST', '/v1/bills', { key: m.testKey, body: billBody() })).json.data
    await call('POST', `/v1/bills/${bill.id}/deliveries`, { key: m.testKey })
    for (const minutes of [2, 5, 10, 20, 40]) await runMaintenance(env, inMinutes(minutes))
    const emails = (await call('GET', `/v1/bills/${bill.id}`, { key: m.testKey })).json.data.emails
    expect(emails).toEqual([expect.objectContaining({ status: 'failed', attempts: 6, last_error: 'rejected' })])
    await runMaintenance(env, inMinutes(600))
    expect((await call('GET', `/v1/bills/${bill.id}`, { key: m.testKey })).json.data.emails[0].attempts).toBe(6)
  })
})

describe('GET /bill/:id (hosted bill page)', () => {
  it('lists the items and pays the bill through an ordinary payment on the hosted checkout', async () => {
    const m = await merchantWithWallet()
    // 10.00 settles on its own in the sandbox.
    const bill = (await call('POST', '/v1/bills', { key: m.testKey, body: billBody() })).json.data
    const page = await call('GET', `/bill/${bill.id}`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(page.text).toContain('Consulting')
    expect(page.text).toContain('Hosting')
    expect(page.text).toContain('10.00 USD')
    expect(page.text).toContain(`action="/bill/${bill.id}/pay"`)

    const pay = await visit(`/bill/${bill.id}/pay`, { method: 'POST', headers: { Origin: BASE } })
    expect(pay.status).toBe(303)
    const location = pay.headers.get('location') ?? ''
    expect(location).toMatch(/^\/pay\/[A-Z]{4}-\d{8}-PMT$/)
    const again = await visit(`/bill/${bill.id}/pay`, { method: 'POST', headers: { Origin: BASE } })
    expect(again.headers.get('location')).toBe(location)

    const started = (await call('GET', `/v1/bills/${bill.id}`, { key: m.testKey })).json.data
    expect(started.status).toBe('new')
    const payment = (await call('GET', `/v1/payments/${started.payment_id}`, { key: m.testKey })).json.data
    expect(payment).toMatchObject({
      amount: '10.00',
      currency: 'USD',
      order_id: 'bill-1001',
      metadata: { bill_id: bill.id },
    })
    expect((await call('GET', location)).status).toBe(200)

    await eventually(
      async () => (await call('GET', `/v1/bills/${bill.id}`, { key: m.testKey })).json.data.status === 'complete',
      15_000,
    )
    const paid = await call('GET', `/bill/${bill.id}`)
    expect(paid.text).toContain('Paid')
    expect(paid.text).not.toContain(`action="/bill/${bill.id}/pay"`)
  })

  it('catches a bill up with its payment in the cron when the payment event was missed', async () => {
    const m = await merchantWithWallet()
    const bill = (await call('POST', '/v1/bills', { key: m.testKey, body: billBody() })).json.data
    await visit(`/bill/${bill.id}/pay`, { method: 'POST', headers: { Origin: BASE } })
    await eventually(
      async () => (await call('GET', `/v1/bills/${bill.id}`, { key: m.testKey })).json.data.status === 'complete',
      15_000,
    )
    // As if the consumer had never applied the payment's events:
    await env.DB.prepare(`update bills set status = 'new' where id = ?`).bind(bill.id).run()
    await runMaintenance(env)
    expect((await call('GET', `/v1/bills/${bill.id}`, { key: m.testKey })).json.data.status).toBe('complete')
  })

  it('refuses a cross-site pay form and answers an unknown bill with 404', async () => {
    const m = await merchantWithWallet()
    const bill = (await call('POST', '/v1/bills', { key: m.testKey, body: billBody() })).json.data
    const cross = await visit(`/bill/${bill.id}/pay`, { method: 'POST', headers: { Origin: 'https://evil.example' } })
    expect(cross.status).toBe(303)
    expect(cross.headers.get('location')).toBe(`/bill/${bill.id}`)
    expect((await call('GET', `/v1/bills/${bill.id}`, { key: m.testKey })).json.data.payment_id).toBeNull()
    expect((await call('GET', '/bill/NoSuchBill123')).status).toBe(404)
    expect((await visit('/bill/NoSuchBill123/pay', { method: 'POST', headers: { Origin: BASE } })).status).toBe(404)
  })
})
