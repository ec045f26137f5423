import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, eventually, merchantWithWallet } from '../helpers/api'
import { expectSameShape, LINKS, linkBody, newLink } from '../helpers/links'
import { createResponse, detailsResponse, listResponse, updateResponse } from './seed-002'

describe('POST /api/v1/payments/links (002 §1)', () => {
  it('turns the example request into a response with every example field and type', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', LINKS, { headers: { 'X-API-Key': m.testKey }, body: linkBody(m) })
    expect(res.status).toBe(200)
    expectSameShape(createResponse, res.json)
    expect(res.json).toMatchObject({
      name: 'Premium Subscription',
      order_currency: 'USD',
      order_amount: 10,
      token_type: 'x-api-key',
      is_active: true,
      max_uses: 1,
      current_uses: 0,
    })
    expect(res.json.payment_reference).toMatch(/^[A-Z]{3}-\d{6}-PMT$/)
    expect(res.json.hosted_url).toBe(`http://gateway.test/link/${res.json.payment_reference}`)
    expect(res.json.notify_secret).toMatch(/^[A-Za-z0-9]{24}$/)
    expect(res.json.expiry_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(res.json.expires_in).toBeGreaterThanOrEqual(1498)
    expect(res.json.expires_in).toBeLessThanOrEqual(1500)
    expect(['pending', 'processing']).toContain(res.json.payment_status)
    expect(res.headers.get('x-ratelimit-limit')).toBe('100')
    expect(res.headers.get('x-request-id')).toMatch(/^req_/)
  })

  it('says token_type bearer when the key came as Authorization: Bearer', async () => {
    const m = await merchantWithWallet()
    expect((await newLink(m)).token_type).toBe('bearer')
  })

  it('keeps money exact: strings and numbers in, the canonical decimal out as a JSON number', async () => {
    const m = await merchantWithWallet()
    // Just under the maximum order amount (LIMITS.maxOrderAmount), written digit for digit from the stored string.
    const res = await call('POST', LINKS, { key: m.testKey, body: linkBody(m, { order_amount: '999999999999.99' }) })
    expect(res.status).toBe(200)
    expect(res.text).toContain('"order_amount":999999999999.99,')
    const dime = await call('POST', LINKS, {
      key: m.testKey,
      body: linkBody(m, { order_amount: 0.1, order_currency: 'gbp' }),
    })
    expect(dime.text).toContain('"order_amount":0.1,')
    expect(dime.json.order_currency).toBe('GBP')
    const [row] = (
      await env.DB.prepare('select order_amount from payment_links where id = ?')
        .bind(dime.json.id)
        .all<{ order_amount: string }>()
    ).results
    expect(row?.order_amount).toBe('0.10')
  })

  it('takes max_uses and expires_in beyond 002', async () => {
    const m = await merchantWithWallet()
    const link = await newLink(m, { order_amount: 12.5, max_uses: 100, expires_in: 3600 })
    expect(link).toMatchObject({ max_uses: 100, current_uses: 0, is_active: true })
    expect(link.expires_in).toBeGreaterThan(3590)
  })

  it('stores link_id on the payment a test-key link starts, signed with the link notify_secret', async () => {
    const m = await merchantWithWallet()
    const link = await newLink(m, { order_amount: 12.5 })
    const rows = (
      await env.DB.prepare(
        'select link_id, notify_secret, amount, currency, success_url from payments where link_id = ?',
      )
        .bind(link.id)
        .all()
    ).results
    expect(rows).toEqual([
      {
        link_id: link.id,
        notify_secret: link.notify_secret,
        amount: '12.50',
        currency: 'USD',
        success_url: 'https://www.success.io/success.html',
      },
    ])
  })
})

describe('PATCH /api/v1/payments/links/{id} (002 §2)', () => {
  it('answers the example request with every example field and type', async () => {
    const m = await merchantWithWallet()
    const link = await newLink(m, { order_amount: 12.5 })
    const res = await call('PATCH', `${LINKS}/${link.id}`, {
      headers: { 'X-API-Key': m.testKey },
      body: { id: link.id, status: 'expired' },
    })
    expect(res.status).toBe(200)
    expectSameShape(updateResponse, res.json)
    expect(res.json).toMatchObject({
      payment_reference: link.payment_reference,
      payment_status: 'expired',
      expires_in: 0,
      is_active: false,
      notify_secret: link.notify_secret,
    })
    expect(Date.parse(res.json.expiry_date)).toBeLessThanOrEqual(Date.now())
  })

  it.each([
    ['inactive', 'cancelled'],
    ['cancelled', 'cancelled'],
  ])('sets %s: switched off, the open unpaid payment cancelled (payment_status %s)', async (status, paymentStatus) => {
    const m = await merchantWithWallet()
    const link = await newLink(m, { order_amount: 12.5 })
    const res = await call('PATCH', `${LINKS}/${link.id}`, { key: m.testKey, body: { status } })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ is_active: false, payment_status: paymentStatus })
    const payment = await env.DB.prepare('select status from payments where link_id = ?')
      .bind(link.id)
      .first<{ status: string }>()
    expect(payment?.status).toBe('cancelled')
  })
})

describe('GET /api/v1/payments/links/{payment_id} (002 §3)', () => {
  it('answers with every example field and type once a sandbox payment of 10 has settled', async () => {
    const m = await merchantWithWallet()
    const link = await newLink(m)
    const res = await eventually(async () => {
      const r = await call('GET', `${LINKS}/${link.id}`, { headers: { 'X-API-Key': m.testKey } })
      return r.json.payment_status === 'completed' && r
    })
    expect(res.status).toBe(200)
    expectSameShape(detailsResponse, res.json)
    expect(res.json).toMatchObject({
      id: link.id,
      name: 'Premium Subscription',
      amount: 10,
      currency: 'USD',
      payment_type: 'hosted',
      payment_link: `http://gateway.test/payment_link?payment_id=${link.id}`,
      is_active: false,
      max_uses: 1,
      current_uses: 1,
      is_expired: false,
      is_available: false,
      decimals: 2,
      usd_price: '10.0000',
      merchant_customer: { customer_id: 'TRE1787238200', customer_name: 'Alice Tan', email: 'alice.tan@triple-a.io' },
    })
    expect(res.json.payers).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        name: 'Alice Tan',
        email: 'alice.tan@triple-a.io',
        country: 'SG',
      },
    ])
    const [payment] = res.json.payments
    expect(res.json.txs).toEqual([
      expect.objectContaining({
        t3a_id: payment.id,
        order_currency: 'USD',
        receive_amount: 10,
        status: 'confirmed',
        payment_tier: 'good',
        payment_currency: 'USD',
        payment_amount: 10,
      }),
    ])
    expect(res.json.txs[0].txid).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('finds the link by the id of one of its payments too (the payment_id of webhooks)', async () => {
    const m = await merchantWithWallet()
    const link = await newLink(m, { order_amount: 12.5 })
    const details = (await call('GET', `${LINKS}/${link.id}`, { key: m.testKey })).json
    const byPayment = await call('GET', `${LINKS}/${details.payments[0].id}`, { key: m.testKey })
    expect(byPayment.status).toBe(200)
    expect(byPayment.json.id).toBe(link.id)
  })
})

describe('GET /api/v1/payments/links (002 §4)', () => {
  it('answers the example query with every example field and type', async () => {
    const m = await merchantWithWallet()
    await newLink(m, { order_amount: 12.5, payment_name: 'Order #123222 - Premium Membership' })
    await newLink(m, { order_amount: '249.99', order_currency: 'GBP' })
    const res = await call('GET', `${LINKS}?page=1&page_size=20&statuses=active,processing`, { key: m.testKey })
    expect(res.status).toBe(200)
    expectSameShape(listResponse, res.json)
    expect(res.json).toMatchObject({ page: 1, page_size: 20, total_items: 2, total_pages: 1, has_more: false })
    expect(res.text).toContain('"amount":249.99,')
    expect(res.json.payment_links[0].payment_link).toBe(`http://gateway.test/link/${res.json.payment_links[0].id}`)
  })

  it('pages newest first and filters by status, currency and dates', async () => {
    const m = await merchantWithWallet()
    const a = await newLink(m, { order_amount: 12.5 })
    const b = await newLink(m, { order_amount: 13, order_currency: 'EUR' })
    const c = await newLink(m, { order_amount: 14 })
    await call('PATCH', `${LINKS}/${c.id}`, { key: m.testKey, body: { status: 'cancelled' } })
    const list = async (q: string) => (await call('GET', `${LINKS}?${q}`, { key: m.testKey })).json
    const page1 = await list('page=1&page_size=2')
    expect(page1).toMatchObject({ total_items: 3, total_pages: 2, has_more: true })
    expect(page1.payment_links.map((l: { id: string }) => l.id)).toEqual([c.id, b.id])
    expect((await list('page=2&page_size=2')).payment_links.map((l: { id: string }) => l.id)).toEqual([a.id])
    expect((await list('statuses=cancelled')).payment_links.map((l: { id: string }) => l.id)).toEqual([c.id])
    expect((await list('statuses=pending')).payment_links.map((l: { id: string }) => l.id)).toEqual([b.id, a.id])
    expect((await list('statuses=inactive')).payment_links.map((l: { id: string }) => l.id)).toEqual([c.id])
    expect((await list('currency=eur')).payment_links.map((l: { id: string }) => l.id)).toEqual([b.id])
    expect((await list('from_date=2999-01-01T00:00:00Z')).total_items).toBe(0)
    expect((await list('to_date=2999-01-01')).total_items).toBe(3)
  })

  it('follows sandbox amounts: 20 fails, 30 stays processing', async () => {
    const m = await merchantWithWallet()
    const failing = await newLink(m, { order_amount: 20 })
    const processing = await newLink(m, { order_amount: '30.00' })
    await eventually(async () => {
      const l = (await call('GET', `${LINKS}?statuses=failed,processing`, { key: m.testKey })).json
      return l.total_items === 2 && l
    })
    const status = async (id: string) => (await call('GET', `${LINKS}/${id}`, { key: m.testKey })).json
    expect(await status(failing.id)).toMatchObject({ payment_status: 'failed', is_active: true, current_uses: 0 })
    expect(await status(processing.id)).toMatchObject({ payment_status: 'processing', current_uses: 0 })
  })
})
