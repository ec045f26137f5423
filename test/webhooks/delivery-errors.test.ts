import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { invoiceView } from '../../src/services/bitpay/invoice-view'
import { deliver } from '../../src/webhooks/deliver'
import { postWebhook } from '../../src/webhooks/http'
import { call, createMerchant, eventually } from '../helpers/api'
import { received, receiverUrl } from '../helpers/receiver'

async function endpoint(key: string, url: string, enabled_events = ['payment.created']) {
  const res = await call('POST', '/v1/webhook-endpoints', { key, body: { url, enabled_events } })
  expect(res.status, res.text).toBe(201)
  return res.json.data as { id: string }
}

async function testEvent(key: string, url: string, overrides?: Partial<Env>) {
  const ep = await endpoint(key, url)
  const res = await call('POST', `/v1/webhook-endpoints/${ep.id}/test`, { key, env: overrides })
  expect(res.status, res.text).toBe(200)
  return res.json.data as { status_code: number | null; latency_ms: number; error: string | null; succeeded: boolean }
}

describe('POST /v1/webhook-endpoints/{id}/test reports failures without revealing the network', () => {
  it('answers an unresolvable host, a closed port and a reset alike: "could not deliver", no status', async () => {
    const m = await createMerchant()
    const answers = [
      await testEvent(m.testKey, 'http://no-such-host.invalid/hook'),
      await testEvent(m.testKey, 'http://127.0.0.1:1/hook'),
      await testEvent(m.testKey, 'https://127.0.0.1:9/hook'),
    ]
    for (const answer of answers)
      expect(answer).toMatchObject({ status_code: null, error: 'could not deliver', succeeded: false })
  })

  it('names the HTTP status when the receiver answered', async () => {
    const m = await createMerchant()
    const r = receiverUrl('?status=503')
    expect(await testEvent(m.testKey, r.url)).toMatchObject({
      status_code: 503,
      error: 'could not deliver: HTTP 503',
      succeeded: false,
    })
  })

  it('does not call a stored URL the policy refuses in production', async () => {
    const m = await createMerchant()
    const r = receiverUrl()
    expect(await testEvent(m.testKey, r.url, { ENVIRONMENT: 'production' })).toMatchObject({
      status_code: null,
      error: 'could not deliver: the URL is not allowed',
      succeeded: false,
    })
    expect(await received(r.name)).toHaveLength(0)
  })
})

describe('webhook delivery failures are recorded as attempts', () => {
  it('records "could not deliver" attempts for a host that does not resolve, and keeps retrying', async () => {
    const m = await createMerchant()
    await endpoint(m.testKey, 'http://no-such-host.invalid/hook')
    const p = (await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '4', currency: 'USD' } })).json.data
    const delivery = await eventually(async () => {
      const events = (await call('GET', `/v1/payments/${p.id}/events`, { key: m.testKey })).json.data
      const d = events[0]?.deliveries[0]
      return d?.attempts >= 2 && d
    })
    expect(delivery).toMatchObject({ last_status_code: null, last_error: 'could not deliver' })
    for (const attempt of delivery.attempt_log)
      expect(attempt).toMatchObject({ status_code: null, error: 'could not deliver', response_snippet: null })
  })

  it('ends a delivery whose stored URL the policy refuses at send time, without calling it, and disables the endpoint', async () => {
    const m = await createMerchant()
    const r = receiverUrl()
    const ep = await endpoint(m.testKey, r.url, ['payment.refunded'])
    const p = (await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '4', currency: 'USD' } })).json.data
    const [event] = (await call('GET', `/v1/payments/${p.id}/events`, { key: m.testKey })).json.data
    const now = new Date().toISOString()
    await env.DB.prepare(
      'INSERT INTO webhook_deliveries (id, event_id, merchant_id, payment_id, target, endpoint_id, url, status, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)',
    )
      .bind('wd_refused', event.id, m.id, p.id, ep.id, ep.id, r.url, 'pending', now, now)
      .run()

    expect(await deliver({ ...env, ENVIRONMENT: 'production' }, 'wd_refused', { invoiceView })).toBe('gone')
    expect(await received(r.name)).toHaveLength(0)
    const [delivery] = (await call('GET', `/v1/webhook-endpoints/${ep.id}/deliveries`, { key: m.testKey })).json.data
    expect(delivery).toMatchObject({
      status: 'failed',
      last_error: 'could not deliver: the URL is not allowed',
      attempt_log: [{ status_code: null, error: 'could not deliver: the URL is not allowed' }],
    })
    expect((await call('GET', `/v1/webhook-endpoints/${ep.id}`, { key: m.testKey })).json.data).toMatchObject({
      status: 'disabled',
      disabled_reason: 'the URL is not allowed',
    })
  })
})

describe('postWebhook never throws', () => {
  afterEach(() => vi.restoreAllMocks())
  const post = () => postWebhook('https://hooks.shop-example.com/h', '{}', {})

  it.each([
    ["fetch throwing workerd's internal error", new Error('internal error; reference = 0123abcd')],
    ['a DNS failure', new TypeError('Network connection lost.')],
    [
      'a timeout from AbortSignal.timeout',
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    ],
    ['an abort', new DOMException('The operation was aborted', 'AbortError')],
  ])('turns %s into "could not deliver", without the error text', async (_name, error) => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    vi.spyOn(globalThis, 'fetch').mockRejectedValue(error)
    const result = await post()
    expect(result).toMatchObject({ statusCode: null, error: 'could not deliver', responseSnippet: null })
  })

  it('keeps the status and what arrived when the body breaks off', async () => {
    let pulls = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1
        if (pulls === 1) controller.enqueue(new TextEncoder().encode('partial'))
        else controller.error(new Error('connection reset'))
      },
    })
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response(body, { status: 502 }))
    expect(await post()).toMatchObject({
      statusCode: 502,
      error: 'could not deliver: HTTP 502',
      responseSnippet: 'partial',
    })
  })

  it('reads at most a couple of KB of a huge answer and keeps 500 characters', async () => {
    let pulls = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1
        controller.enqueue(new Uint8Array(1024).fill(0x61))
      },
    })
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response(body, { status: 200 }))
    const result = await post()
    expect(result).toMatchObject({ statusCode: 200, error: null })
    expect(result.responseSnippet).toHaveLength(500)
    expect(pulls).toBeLessThanOrEqual(4)
  })
})
