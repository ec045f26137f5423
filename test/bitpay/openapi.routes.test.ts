import { describe, expect, it } from 'vitest'
import { createApp, OPENAPI_INFO } from '../../src/app'
import { bitpayErrorCode } from '../../src/domain/bitpay'
import { call, merchantWithWallet } from '../helpers/api'
import { newIdentity, pairToken, signedCall } from '../helpers/bitpay'

/** What bitpayRoute writes into /openapi.json and how it validates, for every BitPay operation. */

type Op = {
  security?: Record<string, string[]>[]
  description?: string
  parameters?: { name: string; in: string }[]
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>
}
const doc = createApp().getOpenAPI31Document(OPENAPI_INFO) as unknown as {
  paths: Record<string, Record<string, Op & { tags?: string[] }>>
}
const bitpay = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops)
    .filter(([, op]) => op.tags?.includes('BitPay'))
    .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, method, path, op })),
)

describe('BitPay operations in /openapi.json', () => {
  it.each(bitpay)(
    '$name: BitPay error responses and a security rule that matches its facades',
    ({ method, path, op }) => {
      for (const status of ['400', '401', '404'])
        expect(op.responses[status]?.content?.['application/json']?.schema.$ref).toBe(
          '#/components/schemas/BitPayError',
        )
      const facades = op.description?.match(/Token facades: (.*)\./)?.[1]
      if (facades?.includes('pos')) expect(op.security).toEqual([{}, { bitpayIdentity: [] }])
      else if (facades) expect(op.security).toEqual([{ bitpayIdentity: [] }])
      // A token route's GET/DELETE documents where the token goes (POST/PUT: the body's `token`, or the path).
      if (facades && ['get', 'delete'].includes(method) && !path.includes('{token}'))
        expect(op.parameters?.some((p) => p.in === 'query' && p.name === 'token')).toBe(true)
    },
  )

  it('names the public and identity rules: /rates public, GET /tokens signed, POST /sessions optional', () => {
    expect(doc.paths['/rates']?.get?.security).toBeUndefined()
    expect(doc.paths['/tokens']?.get?.security).toEqual([{ bitpayIdentity: [] }])
    expect(doc.paths['/sessions']?.post?.security).toEqual([{}, { bitpayIdentity: [] }])
    expect(doc.paths['/bills/{id}']?.put?.security).toEqual([{ bitpayIdentity: [] }])
    expect(doc.paths['/bills/{id}/deliveries']?.post?.security).toEqual([{}, { bitpayIdentity: [] }])
  })
})

describe('bitpayRoute validation', () => {
  it("answers a missing field and a bad query in BitPay's shape, the code from method, resource and reason", async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const noCurrency = await signedCall(identity, 'POST', '/invoices', { token, price: 5 })
    expect(noCurrency.status).toBe(400)
    expect(noCurrency.json).toEqual({
      status: 'error',
      code: bitpayErrorCode('POST', 'invoice', 'missing'),
      data: null,
      error: 'currency is required',
    })
    const badStatus = await signedCall(identity, 'GET', `/invoices?token=${token}&status=nonsense`)
    expect(badStatus.json).toMatchObject({
      status: 'error',
      code: bitpayErrorCode('GET', 'invoice', 'invalid'),
      data: null,
    })
    // The official client's unset filters (`status=`) are absent, not invalid.
    expect((await signedCall(identity, 'GET', `/invoices?token=${token}&status=&orderId=&dateStart=`)).status).toBe(200)
    const notJson = await call('POST', '/invoices', { body: '{"token":', raw: true })
    expect(notJson.json).toMatchObject({ status: 'error', data: null, error: 'Request body is not a JSON object' })
  })
})
