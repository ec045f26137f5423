import { env } from 'cloudflare:workers'
import { createExecutionContext } from 'cloudflare:test'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { hmacSha256Hex } from '../../src/auth/crypto'
import worker from '../../src/index'
import { sweepOutbox } from '../../src/webhooks/fanout'
import type { WebhookMessage } from '../../src/webhooks/messages'
import { call, eventually, merchantWithWallet } from '../helpers/api'
import { received, receiverUrl, waitForRequests, type ReceivedRequest } from '../helpers/receiver'

const eventType = (r: ReceivedRequest) => JSON.parse(r.body).event_type as string

async function endpoint(key: string, url: string, enabled_events?: string[]) {
  const res = await call('POST', '/v1/webhook-endpoints', { key, body: { url, enabled_events } })
  expect(res.status).toBe(201)
  return res.json.data as { id: string; secret: string }
}

describe('webhook delivery', () => {
  it('delivers exactly one payment.completed, verifiable with the seed 002 algorithm and Standard Webhooks', async () => {
    const m = await merchantWithWallet()
    const r = receiverUrl()
    const ep = await endpoint(m.testKey, r.url)
    const payment = (
      await call('POST', '/v1/payments', {
        key: m.testKey,
        body: { amount: '10.00', currency: 'USD', metadata: { order_id: 'ABC12345-12' } },
      })
    ).json.data

    const [completed] = await waitForRequests(r.name, 1, (x) => eventType(x) === 'payment.completed')
    // Give any duplicate a moment to show up, then check there is exactly one.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect((await received(r.name)).filter((x) => eventType(x) === 'payment.completed')).toHaveLength(1)

    const body = JSON.parse(completed!.body)
    expect(body).toMatchObject({
      event_type: 'payment.completed',
      payment_id: payment.id,
      payment_reference: payment.reference,
      status: 'completed',
      amount: 10,
      amount_decimal: '10.00',
      currency: 'USD',
      webhook_data: { order_id: 'ABC12345-12' },
      livemode: false,
    })
    // Seed 002: hmac.new(secret, payload, sha256).hexdigest() over the raw body.
    expect(completed!.headers['x-signature']).toBe(hmacSha256Hex(payment.notify_secret, completed!.body))
    // The body's own signature covers the same JSON without its `signature` member.
    const { signature, ...unsigned } = body
    expect(signature).toBe(hmacSha256Hex(payment.notify_secret, JSON.stringify(unsigned)))
    // Standard Webhooks, with the endpoint's whsec_ secret.
    const verified = new Webhook(ep.secret).verify(completed!.body, completed!.headers)
    expect(verified).toMatchObject({ event_type: 'payment.completed' })
    expect(completed!.headers['webhook-id']).toBe(body.event_id)
  })

  it("sends a payment's events in sequence order with increasing sequence numbers", async () => {
    const m = await merchantWithWallet()
    const r = receiverUrl()
    await endpoint(m.testKey, r.url)
    await call('POST', '/v1/payments', {
      key: m.testKey,
      body: { amount: '10.00', currency: 'USD', chain_id: 31337, token: 'ETH' },
    })
    const got = await waitForRequests(r.name, 2)
    const bodies = got.map((x) => JSON.parse(x.body)).sort((a, b) => a.sequence - b.sequence)
    expect(bodies.map((b) => [b.sequence, b.event_type])).toEqual([
      [0, 'payment.created'],
      [1, 'payment.completed'],
    ])
  })

  it("only sends the event types an endpoint asked for, and also posts to the payment's notification_url", async () => {
    const m = await merchantWithWallet()
    const hook = receiverUrl()
    const notify = receiverUrl()
    await endpoint(m.testKey, hook.url, ['payment.cancelled'])
    const p = (
      await call('POST', '/v1/payments', {
        key: m.testKey,
        body: { amount: '4', currency: 'USD', notification_url: notify.url },
      })
    ).json.data
    await call('POST', `/v1/payments/${p.id}/cancel`, { key: m.testKey })
    const hooks = await waitForRequests(hook.name, 1)
    expect(hooks.map(eventType)).toEqual(['payment.cancelled'])
    const notified = await waitForRequests(notify.name, 2)
    expect(notified.map(eventType).sort()).toEqual(['payment.cancelled', 'payment.created'])
    expect(notified[0]!.headers['x-signature']).toBe(hmacSha256Hex(p.notify_secret, notified[0]!.body))
  })

  it('retries a failing receiver and delivers on attempt N+1, recording every attempt', async () => {
    const m = await merchantWithWallet()
    const r = receiverUrl('?fail=3')
    await endpoint(m.testKey, r.url, ['payment.created'])
    const p = (await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '4', currency: 'USD' } })).json.data
    const got = await waitForRequests(r.name, 4)
    expect(got.map((x) => x.status)).toEqual([500, 500, 500, 200])
    expect(new Set(got.map((x) => x.headers['webhook-id'])).size).toBe(1)

    const events = await eventually(async () => {
      const res = (await call('GET', `/v1/payments/${p.id}/events`, { key: m.testKey })).json.data
      return res[0]?.deliveries[0]?.status === 'succeeded' && res
    })
    const delivery = events[0].deliveries[0]
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 4, last_status_code: 200 })
    expect(delivery.attempt_log.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 500, 200])
    expect(delivery.attempt_log[0].response_snippet).toBe('nope')
  })

  it('backs off exponentially between attempts (30 s, 2 min, 10 min, …)', async () => {
    const m = await merchantWithWallet()
    const r = receiverUrl('?status=503')
    await endpoint(m.testKey, r.url, ['payment.created'])
    const p = (await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '4', currency: 'USD' } })).json.data
    // Let the real queue (backoff scale 0 in tests) dead-letter it, then drive attempts by hand.
    const deliveryId = await eventually(async () => {
      const row = await env.DB.prepare("SELECT id FROM webhook_deliveries WHERE payment_id = ? AND status = 'failed'")
        .bind(p.id)
        .first<{ id: string }>()
      return row?.id
    }, 30_000)
    await env.DB.prepare("UPDATE webhook_deliveries SET status = 'pending' WHERE id = ?").bind(deliveryId).run()
    const productionEnv = new Proxy(env, {
      get: (target, key) => (key === 'WEBHOOK_BACKOFF_SCALE' ? '1' : Reflect.get(target, key)),
    })
    // getQueueResult() does not report delaySeconds, so the batch records what the consumer asks for.
    const delays: (number | undefined)[] = []
    for (const attempts of [1, 2, 3, 13]) {
      const message = {
        id: `m${attempts}`,
        timestamp: new Date(),
        attempts,
        body: { type: 'delivery', eventId: 'x', deliveryId } as WebhookMessage,
        retry: (options?: QueueRetryOptions) => delays.push(options?.delaySeconds),
        ack: () => delays.push(undefined),
      }
      const batch = { queue: 'bitxpay-webhooks', messages: [message], retryAll: () => {}, ackAll: () => {} }
      await worker.queue(batch as unknown as MessageBatch<WebhookMessage>, productionEnv, createExecutionContext())
    }
    expect(delays).toEqual([30, 120, 600, 43_200])
    expect(await received(r.name)).toHaveLength(14 + 4)
  })

  it('delivers an event in the same queue invocation that fans it out (one hop), and queues only failed targets for retry', async () => {
    const m = await merchantWithWallet()
    const ok = receiverUrl()
    const failing = receiverUrl('?status=503')
    await endpoint(m.testKey, ok.url, ['payment.updated'])
    await endpoint(m.testKey, failing.url, ['payment.updated'])
    const p = (await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '4', currency: 'USD' } })).json.data
    const data = await env.DB.prepare('SELECT data FROM events WHERE payment_id = ?')
      .bind(p.id)
      .first<{ data: string }>()
    await env.DB.prepare(
      "INSERT INTO events (id, merchant_id, payment_id, livemode, type, sequence, data, created_at) VALUES ('evt_hop_' || ?, ?, ?, 0, 'payment.updated', 98, ?, ?)",
    )
      .bind(p.id, m.id, p.id, data!.data, new Date().toISOString())
      .run()
    const sent: { body: WebhookMessage; delaySeconds?: number }[] = []
    const productionEnv = new Proxy(env, {
      get: (target, key) => {
        if (key === 'WEBHOOK_BACKOFF_SCALE') return '1'
        if (key === 'WEBHOOKS')
          return {
            sendBatch: async (batch: { body: WebhookMessage; delaySeconds?: number }[]) => void sent.push(...batch),
          }
        return Reflect.get(target, key)
      },
    })
    const acked: string[] = []
    const message = {
      id: 'hop',
      timestamp: new Date(),
      attempts: 1,
      body: { type: 'event', eventId: `evt_hop_${p.id}` } as WebhookMessage,
      retry: () => {},
      ack: () => acked.push('hop'),
    }
    const batch = { queue: 'bitxpay-webhooks', messages: [message], retryAll: () => {}, ackAll: () => {} }
    await worker.queue(batch as unknown as MessageBatch<WebhookMessage>, productionEnv, createExecutionContext())

    // Delivered before the consumer returned: no second queue message for the healthy target.
    expect((await received(ok.name)).filter((x) => JSON.parse(x.body).event_id === `evt_hop_${p.id}`)).toHaveLength(1)
    expect(acked).toEqual(['hop'])
    // The failing target got its first attempt in line and one delayed retry message.
    expect(sent).toHaveLength(1)
    expect(sent[0]).toMatchObject({
      body: { type: 'delivery', eventId: `evt_hop_${p.id}`, prior: 1 },
      delaySeconds: 30,
    })
  })

  it('dead-letters a receiver that never recovers, marks the delivery failed, and resend delivers once it is back', async () => {
    const m = await merchantWithWallet()
    // 14 attempts (1 + 13 retries) fail; the receiver answers 200 from the 15th request on.
    const r = receiverUrl('?fail=14')
    await endpoint(m.testKey, r.url, ['payment.created'])
    const p = (await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '4', currency: 'USD' } })).json.data
    const failed = await eventually(async () => {
      const events = (await call('GET', `/v1/payments/${p.id}/events`, { key: m.testKey })).json.data
      return events[0]?.deliveries[0]?.status === 'failed' && events[0]
    }, 30_000)
    expect(failed.deliveries[0].attempts).toBe(14)
    expect(failed.deliveries[0].last_error).toMatch(/gave up/)

    const resend = await call('POST', `/v1/events/${failed.id}/resend`, { key: m.testKey })
    expect(resend.status).toBe(202)
    expect(resend.json.data).toEqual({ event_id: failed.id, queued: 1 })
    const got = await waitForRequests(r.name, 15)
    expect(got[14]!.status).toBe(200)
    await eventually(
      async () =>
        (await call('GET', `/v1/events/${failed.id}`, { key: m.testKey })).json.data.deliveries[0].status ===
        'succeeded',
    )
  })

  it('disables an endpoint whose receiver answers 410 Gone', async () => {
    const m = await merchantWithWallet()
    const r = receiverUrl('?status=410')
    const ep = await endpoint(m.testKey, r.url, ['payment.created'])
    await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '4', currency: 'USD' } })
    await eventually(
      async () =>
        (await call('GET', `/v1/webhook-endpoints/${ep.id}`, { key: m.testKey })).json.data.status === 'disabled',
    )
    const got = await received(r.name)
    expect(got).toHaveLength(1)
  })

  it('loses no event when the worker dies between the D1 write and the enqueue: the cron sweep re-sends it', async () => {
    const m = await merchantWithWallet()
    const r = receiverUrl()
    await endpoint(m.testKey, r.url)
    const p = (await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '4', currency: 'USD' } })).json.data
    await waitForRequests(r.name, 1)
    // An outbox row whose enqueue never happened (written as the object would, two minutes ago).
    const old = new Date(Date.now() - 120_000).toISOString()
    const data = await env.DB.prepare('SELECT data FROM events WHERE payment_id = ?')
      .bind(p.id)
      .first<{ data: string }>()
    await env.DB.prepare(
      "INSERT INTO events (id, merchant_id, payment_id, livemode, type, sequence, data, created_at) VALUES ('evt_orphan_' || ?, ?, ?, 0, 'payment.updated', 99, ?, ?)",
    )
      .bind(p.id, m.id, p.id, data!.data, old)
      .run()
    expect(await sweepOutbox(env)).toBeGreaterThanOrEqual(1)
    const got = await waitForRequests(r.name, 1, (x) => JSON.parse(x.body).event_id === `evt_orphan_${p.id}`)
    expect(eventType(got[0]!)).toBe('payment.updated')
    // Once fanned out it is no longer swept.
    await eventually(
      async () =>
        (
          await env.DB.prepare('SELECT dispatched_at FROM events WHERE id = ?')
            .bind(`evt_orphan_${p.id}`)
            .first<{ dispatched_at: string | null }>()
        )?.dispatched_at,
    )
  })
})
