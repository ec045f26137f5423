import { describe, expect, it } from 'vitest'
import { call } from '../helpers/api'

/** Schemas and paths as /openapi.json serves them. */
async function openapi() {
  const res = await call('GET', '/openapi.json')
  expect(res.status).toBe(200)
  return res.json
}

describe('/openapi.json states the rules the server enforces', () => {
  it('wallets: exactly one of xpub or address', async () => {
    const schema = (await openapi()).components.schemas.CreateWalletRequest
    expect(schema.description).toMatch(/exactly one of `xpub` or `address`/)
    expect(schema.oneOf).toEqual([{ required: ['xpub'] }, { required: ['address'] }])
    expect(schema.properties.xpub.description).toMatch(/Exactly one of xpub or address/)
  })

  it('payments: chain_id and token together or neither; the amount maximum', async () => {
    const schema = (await openapi()).components.schemas.CreatePaymentRequest
    expect(schema.description).toMatch(/`chain_id` and `token` together or neither/)
    expect(schema.oneOf).toEqual([
      { required: ['chain_id', 'token'] },
      { not: { anyOf: [{ required: ['chain_id'] }, { required: ['token'] }] } },
    ])
    expect(schema.properties.amount.description).toMatch(
      /At most 1000000000000 of a fiat currency, 1000000000 of a token/,
    )
    expect(schema.required).toContain('amount')
  })

  it('links: expires_in or expiry_date, not both', async () => {
    const schema = (await openapi()).components.schemas.CreatePaymentLinkRequest
    expect(schema.description).toMatch(/`expires_in` or `expiry_date`, not both/)
    expect(schema.not).toEqual({ required: ['expires_in', 'expiry_date'] })
    expect(schema.properties.expiry_date.description).toMatch(/not both/)
  })

  it('BitPay: /sessions and the pos-token invoice calls may be unsigned', async () => {
    const doc = await openapi()
    const anonymousAllowed = [{}, { bitpayIdentity: [] }]
    expect(doc.paths['/sessions'].post.security).toEqual(anonymousAllowed)
    expect(doc.paths['/sessions'].post.description).toMatch(/optional/)
    expect(doc.paths['/invoices'].post.security).toEqual(anonymousAllowed)
    expect(doc.paths['/invoices'].get.security).toEqual([{ bitpayIdentity: [] }])
    expect(
      doc.paths['/invoices'].post.requestBody.content['application/json'].schema.properties.price.description,
    ).toMatch(/At most/)
  })
})
