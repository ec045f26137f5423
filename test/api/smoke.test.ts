import { describe, expect, it } from 'vitest'
import { call, merchantWithWallet } from '../helpers/api'

describe('smoke', () => {
  it('creates a payment', async () => {
    const m = await merchantWithWallet()
    const res = await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '12.50', currency: 'USD', chain_id: 31337, token: 'ETH' } })
    console.log(res.status, res.text, [...res.headers])
    expect(res.status).toBe(201)
  })
})
