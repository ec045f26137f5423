import { describe, expect, it } from 'vitest'
import { call, merchantWithWallet } from '../helpers/api'

describe('/openapi.json', () => {
  it('is generated from the route schemas and documents every endpoint and payment field', async () => {
    const res = await call('GET', '/openapi.json')
    expect(res.status).toBe(200)
    const doc = res.json
    expect(doc.openapi).toBe('3.1.0')
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    )
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /v1/merchants',
        'PATCH /v1/merchants/{id}',
        'GET /v1/api-keys',
        'POST /v1/api-keys',
        'DELETE /v1/api-keys/{id}',
        'POST /v1/payments',
        'GET /v1/payments',
        'GET /v1/payments/{id}',
        'POST /v1/payments/{id}/cancel',
        'POST /v1/wallets',
        'GET /v1/wallets',
        'GET /v1/wallets/{id}',
        'GET /v1/wallets/{id}/balance',
        'GET /v1/wallets/{id}/transactions',
        'POST /v1/sandbox/payments/{id}/simulate',
      ]),
    )
    const payment = doc.components.schemas.Payment
    for (const field of [
      'id',
      'status',
      'amount',
      'currency',
      'pay_amount',
      'pay_currency',
      'chain_id',
      'deposit_address',
      'confirmations',
      'required_confirmations',
      'exception',
      'expires_at',
      'hosted_url',
      'created_at',
    ]) {
      expect(payment.properties, field).toHaveProperty(field)
    }
    // Every field is documented.
    for (const [name, property] of Object.entries(
      payment.properties as Record<string, { description?: string; $ref?: string }>,
    )) {
      if (!property.$ref) expect(property.description, name).toEqual(expect.any(String))
    }
    expect(doc.components.securitySchemes).toHaveProperty('bearerAuth')
  })
})

describe('/docs', () => {
  it('renders the API reference from the same document', async () => {
    const res = await call('GET', '/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect(res.text).toContain('/v1/payments/{id}/cancel')
    expect(res.text).toContain('Create a payment')
  })

  it('shows every surface, each operation once, with its auth and 200 schema', async () => {
    const doc = (await call('GET', '/openapi.json')).json as {
      paths: Record<string, Record<string, { tags?: string[] }>>
    }
    const html = (await call('GET', '/docs')).text
    const tags = new Set(Object.values(doc.paths).flatMap((ops) => Object.values(ops).flatMap((op) => op.tags ?? [])))
    for (const surface of ['Payments', 'Payment links', 'CryptoPay', 'BitPay', 'Hosted pages'])
      expect(tags).toContain(surface)
    for (const tag of tags) expect(html, tag).toContain(`id="tag-${tag}"`)
    for (const [path, ops] of Object.entries(doc.paths))
      for (const method of Object.keys(ops)) expect(html, `${method} ${path}`).toContain(`id="${method}-${path}"`)
    // BitPay's signing rule and real response schemas reach the page.
    const invoices = html.slice(html.indexOf('id="post-/invoices"'), html.indexOf('id="get-/invoices"'))
    expect(invoices).toContain('optional: bitpayIdentity')
    expect(invoices).toContain('Response schema')
    expect(invoices).toContain('BitPayInvoice')
  })
})

describe('GET /pay/:reference', () => {
  it('shows the payment to the buyer', async () => {
    const m = await merchantWithWallet()
    const p = (
      await call('POST', '/v1/payments', {
        key: m.testKey,
        body: { amount: '12.50', currency: 'USD', chain_id: 31337, token: 'ETH', description: 'Coffee beans' },
      })
    ).json.data
    const res = await call('GET', new URL(p.hosted_url).pathname)
    expect(res.status).toBe(200)
    expect(res.text).toContain('Coffee beans')
    expect(res.text).toContain(p.deposit_address)
    expect(res.text).toContain(`${p.pay_amount} ETH`)
  })

  it('shows a clear not-found page for an unknown reference', async () => {
    const res = await call('GET', '/pay/NOPE-00000000-PMT')
    expect(res.status).toBe(404)
    expect(res.text).toContain('Payment not found')
  })
})
