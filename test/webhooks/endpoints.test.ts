import { describe, expect, it } from 'vitest'
import { retryDelaySeconds, RETRY_DELAYS_SECONDS, totalRetryWindowSeconds } from '../../src/webhooks/retry-policy'
import { call, createMerchant } from '../helpers/api'
import { received, receiverUrl, waitForRequests } from '../helpers/receiver'

describe('/v1/webhook-endpoints', () => {
  it('creates with a secret shown once, lists, updates, rotates and deletes', async () => {
    const m = await createMerchant()
    const created = await call('POST', '/v1/webhook-endpoints', {
      key: m.testKey,
      body: { url: 'https://shop.example/hooks', description: 'main', enabled_events: ['payment.completed'] },
    })
    expect(created.status).toBe(201)
    const ep = created.json.data
    expect(ep).toMatchObject({
      object: 'webhook_endpoint',
      url: 'https://shop.example/hooks',
      enabled_events: ['payment.completed'],
      status: 'enabled',
      livemode: false,
    })
    expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)

    const list = await call('GET', '/v1/webhook-endpoints', { key: m.testKey })
    expect(list.json.data).toHaveLength(1)
    expect(list.json.data[0]).not.toHaveProperty('secret')

    const updated = await call('PATCH', `/v1/webhook-endpoints/${ep.id}`, {
      key: m.testKey,
      body: { enabled_events: null, status: 'disabled' },
    })
    expect(updated.json.data).toMatchObject({
      enabled_events: null,
      status: 'disabled',
      disabled_reason: 'disabled by merchant',
    })

    const rotated = await call('POST', `/v1/webhook-endpoints/${ep.id}/rotate-secret`, { key: m.testKey })
    expect(rotated.json.data.secret).toMatch(/^whsec_/)
    expect(rotated.json.data.secret).not.toBe(ep.secret)

    expect((await call('DELETE', `/v1/webhook-endpoints/${ep.id}`, { key: m.testKey })).status).toBe(200)
    expect((await call('GET', `/v1/webhook-endpoints/${ep.id}`, { key: m.testKey })).status).toBe(404)
  })

  it.each<[string, Record<string, unknown>, string]>([
    ['a malformed URL', { url: 'not a url' }, 'url'],
    ['a non-http scheme', { url: 'ftp://shop.example/hooks' }, 'url'],
    ['credentials in the URL', { url: 'https://user:pw@shop.example/hooks' }, 'url'],
    [
      'an unknown event type',
      { url: 'https://shop.example/h', enabled_events: ['payment.exploded'] },
      'enabled_events.0',
    ],
    ['an empty event list', { url: 'https://shop.example/h', enabled_events: [] }, 'enabled_events'],
  ])('refuses %s with 400 naming %s', async (_name, body, field) => {
    const m = await createMerchant()
    const res = await call('POST', '/v1/webhook-endpoints', { key: m.testKey, body })
    expect(res.status).toBe(400)
    expect(res.json.error.field).toBe(field)
  })

  it('refuses a bad notification_url on a payment naming notification_url', async () => {
    const m = await createMerchant()
    const res = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: { amount: '1', currency: 'USD', notification_url: 'ftp://x.example/' },
    })
    expect(res.status).toBe(400)
    expect(res.json.error.field).toBe('notification_url')
  })

  it('keeps endpoints, events and deliveries per merchant', async () => {
    const a = await createMerchant()
    const b = await createMerchant()
    const ep = (await call('POST', '/v1/webhook-endpoints', { key: a.testKey, body: { url: 'https://a.example/h' } }))
      .json.data
    for (const [method, path] of [
      ['GET', `/v1/webhook-endpoints/${ep.id}`],
      ['PATCH', `/v1/webhook-endpoints/${ep.id}`],
      ['DELETE', `/v1/webhook-endpoints/${ep.id}`],
      ['POST', `/v1/webhook-endpoints/${ep.id}/rotate-secret`],
      ['GET', `/v1/webhook-endpoints/${ep.id}/deliveries`],
      ['POST', '/v1/events/evt_nope/resend'],
    ] as const) {
      const res = await call(method, path, { key: b.testKey, body: method === 'PATCH' ? {} : undefined })
      expect(res.status, `${method} ${path}`).toBe(404)
    }
    expect((await call('GET', '/v1/webhook-endpoints', { key: a.liveKey })).json.data).toEqual([])
  })

  it('sends a signed test event on request and reports the answer', async () => {
    const m = await createMerchant()
    const r = receiverUrl()
    const ep = (await call('POST', '/v1/webhook-endpoints', { key: m.testKey, body: { url: r.url } })).json.data
    const res = await call('POST', `/v1/webhook-endpoints/${ep.id}/test`, { key: m.testKey })
    expect(res.json.data).toMatchObject({ status_code: 200, succeeded: true, error: null })
    const [got] = await waitForRequests(r.name, 1)
    expect(JSON.parse(got!.body).event_type).toBe('webhook.test')
    expect(await received(r.name)).toHaveLength(1)
  })
})

describe('retry schedule', () => {
  it('backs off from 30 s to 12 h and spans about three days', () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n))).toEqual([30, 120, 600, 1800])
    expect(retryDelaySeconds(99)).toBe(43_200)
    expect(retryDelaySeconds(3, 0)).toBe(0)
    const days = totalRetryWindowSeconds() / 86_400
    expect(days).toBeGreaterThan(2.5)
    expect(days).toBeLessThan(3.5)
    expect(RETRY_DELAYS_SECONDS).toHaveLength(13)
  })
})
