import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, createMerchant, merchantWithWallet, type TestMerchant } from '../helpers/api'
import { newIdentity, pairToken } from '../helpers/bitpay'
import { LINKS, linkBody, visit } from '../helpers/links'

const PRODUCTION: Partial<Env> = { ENVIRONMENT: 'production' }
type Res = Awaited<ReturnType<typeof call>>

interface Surface {
  name: string
  field: string
  kind: 'callback' | 'redirect'
  send: (m: TestMerchant, url: string, overrides?: Partial<Env>) => Promise<Res>
  /** The field the surface's error shape names. */
  fieldOf: (res: Res) => string | undefined
}

const v1Field = (res: Res) => res.json?.error?.field as string | undefined
const linksField = (res: Res) => res.json?.details?.[0]?.field as string | undefined
const cryptoPayField = (res: Res) => Object.keys(res.json?.error?.details ?? {})[0]
/** BitPay's error is one string, which starts with the field name. */
const bitpayField = (res: Res) => (res.json?.error as string | undefined)?.split(/[ :]/)[0]

async function v1Endpoint(m: TestMerchant): Promise<string> {
  return (
    await call('POST', '/v1/webhook-endpoints', {
      key: m.testKey,
      body: { url: 'https://hooks.shop-example.com/a', enabled_events: ['payment.refunded'] },
    })
  ).json.data.id
}

async function posToken(m: TestMerchant): Promise<string> {
  return pairToken(m.testKey, newIdentity(), 'pos')
}

const v1Payment = (field: string): Surface => ({
  name: `POST /v1/payments ${field}`,
  field,
  kind: field === 'notification_url' ? 'callback' : 'redirect',
  send: (m, url, o) =>
    call('POST', '/v1/payments', { key: m.testKey, env: o, body: { amount: '4', currency: 'USD', [field]: url } }),
  fieldOf: v1Field,
})

const link = (field: string): Surface => ({
  name: `POST ${LINKS} ${field}`,
  field,
  kind: 'redirect',
  send: (m, url, o) => call('POST', LINKS, { key: m.testKey, env: o, body: linkBody(m, { [field]: url }) }),
  fieldOf: linksField,
})

const bitpayInvoice = (field: string): Surface => ({
  name: `BitPay POST /invoices ${field}`,
  field,
  kind: field === 'notificationURL' ? 'callback' : 'redirect',
  send: async (m, url, o) =>
    call('POST', '/invoices', { env: o, body: { token: await posToken(m), price: 4, currency: 'USD', [field]: url } }),
  fieldOf: bitpayField,
})

/** Every surface that stores a URL the gateway will call or send a buyer to. */
const SURFACES: Surface[] = [
  {
    name: 'POST /v1/webhook-endpoints url',
    field: 'url',
    kind: 'callback',
    send: (m, url, o) => call('POST', '/v1/webhook-endpoints', { key: m.testKey, env: o, body: { url } }),
    fieldOf: v1Field,
  },
  {
    name: 'PATCH /v1/webhook-endpoints/{id} url',
    field: 'url',
    kind: 'callback',
    send: async (m, url, o) =>
      call('PATCH', `/v1/webhook-endpoints/${await v1Endpoint(m)}`, { key: m.testKey, env: o, body: { url } }),
    fieldOf: v1Field,
  },
  v1Payment('notification_url'),
  v1Payment('success_url'),
  v1Payment('cancel_url'),
  link('success_url'),
  link('cancel_url'),
  bitpayInvoice('notificationURL'),
  bitpayInvoice('redirectURL'),
  bitpayInvoice('closeURL'),
  {
    name: 'CryptoPay POST /api/payment-orders/ notification_url',
    field: 'notification_url',
    kind: 'callback',
    send: (m, url, o) =>
      call('POST', '/api/payment-orders/', {
        key: m.testKey,
        env: o,
        body: { amount: '5', currency: 'USDC', blockchain: 'anvil', nonce: crypto.randomUUID(), notification_url: url },
      }),
    fieldOf: cryptoPayField,
  },
  {
    name: 'CryptoPay POST /api/webhook-endpoints/ url',
    field: 'url',
    kind: 'callback',
    send: (m, url, o) => call('POST', '/api/webhook-endpoints/', { key: m.testKey, env: o, body: { url } }),
    fieldOf: cryptoPayField,
  },
  {
    name: 'CryptoPay PUT /api/webhook-endpoints/{id}/ url',
    field: 'url',
    kind: 'callback',
    send: async (m, url, o) =>
      call('PUT', `/api/webhook-endpoints/${await v1Endpoint(m)}/`, { key: m.testKey, env: o, body: { url } }),
    fieldOf: cryptoPayField,
  },
]

const REFUSED_IN_PRODUCTION: Record<Surface['kind'], string[]> = {
  callback: [
    'https://[::ffff:7f00:1]/h',
    'https://metadata.google.internal./',
    'https://198.18.0.1/',
    'https://example.com:22/',
    'http://hooks.shop-example.com/h',
  ],
  redirect: ['http://shop-example.com/back', 'javascript:alert(1)'],
}

describe('one URL policy on every surface that stores a URL', () => {
  describe.each(SURFACES)('$name', (surface) => {
    it.each(REFUSED_IN_PRODUCTION[surface.kind])('refuses %s in production with 400 naming the field', async (url) => {
      const m = await merchantWithWallet()
      const res = await surface.send(m, url, PRODUCTION)
      expect(res.status, res.text).toBe(400)
      expect(surface.fieldOf(res), res.text).toBe(surface.field)
    })

    if (surface.kind === 'redirect') {
      it.each(['javascript:alert(document.cookie)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd'])(
        'refuses %s in development too',
        async (url) => {
          const m = await merchantWithWallet()
          const res = await surface.send(m, url)
          expect(res.status, res.text).toBe(400)
          expect(surface.fieldOf(res), res.text).toBe(surface.field)
        },
      )
    }
  })

  it.each(
    SURFACES.filter(
      (s) =>
        s.kind === 'redirect' ||
        s.name.includes('POST /v1/webhook-endpoints') ||
        s.name.includes('POST /api/webhook-endpoints'),
    ),
  )('$name accepts an ordinary public https URL in production', async (surface) => {
    const m = await merchantWithWallet()
    const res = await surface.send(m, 'https://shop-example.com/back?order=1', PRODUCTION)
    expect(res.status, res.text).toBeLessThan(300)
  })
})

describe('the hosted page never emits a redirect that is not http(s)', () => {
  it('drops a stored javascript:/data: success or cancel URL from links, the status document and the cancel redirect', async () => {
    const m = await createMerchant()
    const p = (
      await call('POST', '/v1/payments', {
        key: m.testKey,
        body: {
          amount: '4',
          currency: 'USD',
          success_url: 'https://shop-example.com/ok',
          cancel_url: 'https://shop-example.com/back',
        },
      })
    ).json.data
    const before = await visit(`/pay/${p.reference}`)
    expect(before.text).toContain('https://shop-example.com/back')

    // Stored before input validation existed, or written by hand: the page must still not emit it.
    await env.DB.prepare('UPDATE payments SET success_url = ?, cancel_url = ? WHERE id = ?')
      .bind('javascript:alert(1)', 'data:text/html,<b>x</b>', p.id)
      .run()
    const page = await visit(`/pay/${p.reference}`)
    expect(page.status).toBe(200)
    expect(page.text).not.toMatch(/javascript:|data:text/)
    expect(page.headers.get('content-security-policy')).not.toContain('data:text')

    const status = await call('GET', `/pay/${p.reference}/status`)
    expect(status.json).toMatchObject({ success_url: null, cancel_url: null })

    const cancelled = await visit(`/pay/${p.reference}/cancel`, { method: 'POST' })
    expect(cancelled.status).toBe(303)
    expect(cancelled.headers.get('location')).toBe(`/pay/${p.reference}`)
  })
})
