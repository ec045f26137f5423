import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, call, merchantWithWallet } from '../helpers/api'

/** Bodies that are sometimes valid, mostly wrong: random JSON, near-miss payments, raw junk. */
const jsonValue = fc.jsonValue({ maxDepth: 3 })
const nearMissPayment = fc.record(
  {
    amount: fc.oneof(
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.constantFrom('10', '0', '-1', '1e5', '0.000000000000000000001', '10.00'),
    ),
    currency: fc.oneof(fc.string(), fc.constantFrom('USD', 'usd', 'ETH', 'XXX', '')),
    chain_id: fc.oneof(fc.integer(), fc.constantFrom(31337, 1, 0, -1), fc.string()),
    token: fc.oneof(fc.string(), fc.constantFrom('ETH', 'USDC', '')),
    transaction_speed: fc.oneof(fc.string(), fc.constantFrom('high', 'low')),
    expires_in: fc.oneof(fc.integer(), fc.double()),
    metadata: jsonValue,
    success_url: fc.oneof(fc.webUrl(), fc.string()),
  },
  { requiredKeys: [] },
)
const body = fc.oneof(
  jsonValue.map((v) => JSON.stringify(v)),
  nearMissPayment.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
)

describe('random bodies at every POST', () => {
  it('never produce a 5xx', async () => {
    const m = await merchantWithWallet()
    const payment = (await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '1', currency: 'USD' } }))
      .json.data
    const posts: [string, Record<string, string>][] = [
      ['/v1/payments', { Authorization: `Bearer ${m.testKey}` }],
      [`/v1/payments/${payment.id}/cancel`, { Authorization: `Bearer ${m.testKey}` }],
      [`/v1/sandbox/payments/${payment.id}/simulate`, { Authorization: `Bearer ${m.testKey}` }],
      ['/v1/wallets', { Authorization: `Bearer ${m.testKey}` }],
      ['/v1/api-keys', { Authorization: `Bearer ${m.testKey}` }],
      ['/v1/merchants', { Authorization: `Bearer ${ADMIN_TOKEN}` }],
      ['/v1/webhook-endpoints', { Authorization: `Bearer ${m.testKey}` }],
      ['/v1/users', { Authorization: `Bearer ${m.testKey}` }],
      ['/v1/users/usr_x/password', { Authorization: `Bearer ${m.testKey}` }],
      ['/v1/events/evt_x/resend', { Authorization: `Bearer ${m.testKey}` }],
      ['/v1/bitpay/pairing-codes', { Authorization: `Bearer ${m.testKey}` }],
      ['/v1/bitpay/pairing-codes/AbCdEf2/approve', { Authorization: `Bearer ${m.testKey}` }],
      ['/api/auth/login', {}],
      ['/api/payment-orders/', { Authorization: `Bearer ${m.testKey}` }],
      ['/api/merchant-wallets/', { Authorization: `Bearer ${m.testKey}` }],
      ['/api/webhook-endpoints/', { Authorization: `Bearer ${m.testKey}` }],
    ]
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...posts), body, async ([path, headers], raw) => {
        const res = await call('POST', path, { headers, body: raw, raw: true })
        expect(res.status, `${path} ${raw} → ${res.text}`).toBeLessThan(500)
        // Every surface answers JSON in its own shape.
        expect(res.json, res.text).toBeDefined()
      }),
      { numRuns: 250 },
    )
  })
})
