import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, eventually, merchantWithWallet } from '../helpers/api'
import { received, receiverUrl, waitForRequests } from '../helpers/receiver'

// An event nobody listens to is written already dispatched (webhooks/fanout dispatchedAtOnInsert):
// no queue message, no fan-out reads. Decided in the INSERT itself, so it is never stale.

interface EventRow {
  type: string
  created_at: string
  dispatched_at: string | null
}

async function eventsOf(paymentId: string): Promise<EventRow[]> {
  const { results } = await env.DB.prepare(
    'SELECT type, created_at, dispatched_at FROM events WHERE payment_id = ? ORDER BY sequence',
  )
    .bind(paymentId)
    .all<EventRow>()
  return results
}

async function createPayment(key: string, extra: Record<string, unknown> = {}) {
  // 12.50 is not a sandbox test amount: the payment stays pending until the test moves it.
  const res = await call('POST', '/v1/payments', {
    key,
    body: { amount: '12.50', currency: 'USD', chain_id: 31337, token: 'ETH', ...extra },
  })
  expect(res.status).toBe(201)
  return res.json.data as { id: string }
}

const eventType = (body: string) => JSON.parse(body).event_type as string

describe('the outbox of a merchant nobody listens for', () => {
  it('writes payment.created already dispatched, in the same statement (never queued, never fanned out)', async () => {
    const m = await merchantWithWallet()
    const payment = await createPayment(m.testKey)
    const [created] = await eventsOf(payment.id)
    // dispatched_at is the event's own timestamp: set by the INSERT, not by a fan-out that ran later.
    expect(created).toMatchObject({ type: 'payment.created', dispatched_at: created?.created_at })
    const { n } = (await env.DB.prepare('SELECT count(*) AS n FROM webhook_deliveries WHERE payment_id = ?')
      .bind(payment.id)
      .first<{ n: number }>()) ?? { n: -1 }
    expect(n).toBe(0)
  })

  it('delivers the next event to an endpoint added after an event found nobody', async () => {
    const m = await merchantWithWallet()
    const payment = await createPayment(m.testKey)
    expect((await eventsOf(payment.id))[0]?.dispatched_at).not.toBeNull()
    const r = receiverUrl()
    expect((await call('POST', '/v1/webhook-endpoints', { key: m.testKey, body: { url: r.url } })).status).toBe(201)
    expect((await call('POST', `/v1/payments/${payment.id}/cancel`, { key: m.testKey })).status).toBe(200)
    const [got] = await waitForRequests(r.name, 1)
    expect(eventType(got?.body ?? '{}')).toBe('payment.cancelled')
    // The created event before the endpoint existed is not sent to it.
    expect((await received(r.name)).map((x) => eventType(x.body))).toEqual(['payment.cancelled'])
  })

  it('queues the events of a payment with a notification_url even when the merchant has no endpoint', async () => {
    const m = await merchantWithWallet()
    const r = receiverUrl()
    const payment = await createPayment(m.testKey, { notification_url: r.url })
    const [got] = await waitForRequests(r.name, 1)
    expect(eventType(got?.body ?? '{}')).toBe('payment.created')
    const [created] = await eventsOf(payment.id)
    expect(created?.dispatched_at).not.toBe(created?.created_at)
  })

  it('queues the events of a payment a bill follows (the consumer moves the bill along)', async () => {
    const m = await merchantWithWallet()
    const payment = await createPayment(m.testKey)
    // A bill that points at the payment (as services/bills does right after creating it).
    await insertBillFor(m.id, payment.id)
    expect((await call('POST', `/v1/payments/${payment.id}/cancel`, { key: m.testKey })).status).toBe(200)
    const cancelled = await eventually(async () =>
      (await eventsOf(payment.id)).find((e) => e.type === 'payment.cancelled' && e.dispatched_at !== null),
    )
    // Fanned out by the consumer (after the insert), not written as dispatched.
    expect(cancelled.dispatched_at).not.toBe(cancelled.created_at)
  })

  it('ignores a disabled endpoint: nobody listens, the event is written dispatched', async () => {
    const m = await merchantWithWallet()
    const r = receiverUrl()
    const ep = await call('POST', '/v1/webhook-endpoints', { key: m.testKey, body: { url: r.url } })
    expect(ep.status).toBe(201)
    await env.DB.prepare("UPDATE webhook_endpoints SET status = 'disabled' WHERE id = ?").bind(ep.json.data.id).run()
    const payment = await createPayment(m.testKey)
    const [created] = await eventsOf(payment.id)
    expect(created?.dispatched_at).toBe(created?.created_at)
  })

  it('keeps live and test apart: a live endpoint does not make test events queue', async () => {
    const m = await merchantWithWallet()
    const r = receiverUrl()
    expect((await call('POST', '/v1/webhook-endpoints', { key: m.liveKey, body: { url: r.url } })).status).toBe(201)
    const payment = await createPayment(m.testKey)
    const [created] = await eventsOf(payment.id)
    expect(created?.dispatched_at).toBe(created?.created_at)
  })
})

/** A minimal bill row paid by `paymentId` (the columns NOT NULL without a default). */
async function insertBillFor(merchantId: string, paymentId: string): Promise<void> {
  const { results } = await env.DB.prepare('PRAGMA table_info(bills)').all<{
    name: string
    notnull: number
    dflt_value: string | null
    pk: number
  }>()
  const values: Record<string, unknown> = { merchant_id: merchantId, livemode: 0, payment_id: paymentId, status: 'new' }
  for (const col of results) {
    if (col.name in values || (col.notnull === 0 && col.pk === 0) || col.dflt_value !== null) continue
    values[col.name] =
      col.name === 'id'
        ? `bill_${crypto.randomUUID()}`
        : col.name.endsWith('_at')
          ? new Date().toISOString()
          : col.name === 'items'
            ? '[]'
            : `x_${crypto.randomUUID()}`
  }
  const names = Object.keys(values)
  await env.DB.prepare(`INSERT INTO bills (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`)
    .bind(...names.map((n) => values[n]))
    .run()
}
