import { describe, expect, it } from 'vitest'
import { call, merchantWithWallet } from '../helpers/api'

async function newPayment(
  key: string,
  body: Record<string, unknown> = { amount: '12.00', currency: 'USD', chain_id: 31337, token: 'ETH' },
) {
  return (await call('POST', '/v1/payments', { key, body })).json.data
}

describe('POST /v1/sandbox/payments/:id/simulate', () => {
  it('completes on the full amount', async () => {
    const m = await merchantWithWallet()
    const p = await newPayment(m.testKey)
    const res = await call('POST', `/v1/sandbox/payments/${p.id}/simulate`, { key: m.testKey, body: {} })
    expect(res.status).toBe(200)
    expect(res.json.data).toMatchObject({
      status: 'completed',
      exception: null,
      amount_received: p.pay_amount,
      confirmations: 2,
    })
  })

  it('accumulates partial payments: underpaid, then completed', async () => {
    const m = await merchantWithWallet()
    const p = await newPayment(m.testKey, { amount: '1', currency: 'ETH', chain_id: 31337, token: 'ETH' })
    const partial = await call('POST', `/v1/sandbox/payments/${p.id}/simulate`, {
      key: m.testKey,
      body: { amount: '0.4' },
    })
    expect(partial.json.data).toMatchObject({ status: 'processing', exception: 'underpaid', amount_received: '0.4' })
    const rest = await call('POST', `/v1/sandbox/payments/${p.id}/simulate`, { key: m.testKey, body: { amount: '1' } })
    expect(rest.json.data).toMatchObject({ status: 'completed', exception: null, amount_received: '1' })
  })

  it('completes an overpayment flagged overpaid', async () => {
    const m = await merchantWithWallet()
    const p = await newPayment(m.testKey, { amount: '1', currency: 'ETH', chain_id: 31337, token: 'ETH' })
    const res = await call('POST', `/v1/sandbox/payments/${p.id}/simulate`, { key: m.testKey, body: { amount: 1.5 } })
    expect(res.json.data).toMatchObject({ status: 'completed', exception: 'overpaid', amount_received: '1.5' })
  })

  it('stops at processing for unconfirmed funds', async () => {
    const m = await merchantWithWallet()
    const p = await newPayment(m.testKey)
    const res = await call('POST', `/v1/sandbox/payments/${p.id}/simulate`, {
      key: m.testKey,
      body: { confirmed: false },
    })
    expect(res.json.data).toMatchObject({ status: 'processing', confirmations: 0 })
  })

  it('chooses the chain and token first when the payment has none', async () => {
    const m = await merchantWithWallet()
    const p = await newPayment(m.testKey, { amount: '12', currency: 'USD' })
    const missing = await call('POST', `/v1/sandbox/payments/${p.id}/simulate`, { key: m.testKey, body: {} })
    expect(missing.status).toBe(400)
    expect(missing.json.error.field).toBe('chain_id')
    const res = await call('POST', `/v1/sandbox/payments/${p.id}/simulate`, {
      key: m.testKey,
      body: { chain_id: 31337, token: 'ETH' },
    })
    expect(res.json.data).toMatchObject({ status: 'completed', pay_currency: 'ETH', pay_amount: '0.004' })
  })

  it('records funds to a cancelled payment as paid_late, never dropping them', async () => {
    const m = await merchantWithWallet()
    const p = await newPayment(m.testKey)
    await call('POST', `/v1/payments/${p.id}/cancel`, { key: m.testKey })
    const res = await call('POST', `/v1/sandbox/payments/${p.id}/simulate`, { key: m.testKey, body: {} })
    expect(res.json.data).toMatchObject({ status: 'cancelled', exception: 'paid_late', amount_received: p.pay_amount })
  })

  it('is refused for live keys and for amounts finer than the token', async () => {
    const m = await merchantWithWallet()
    const p = await newPayment(m.testKey, { amount: '1', currency: 'ETH', chain_id: 31337, token: 'ETH' })
    const live = await call('POST', `/v1/sandbox/payments/${p.id}/simulate`, { key: m.liveKey, body: {} })
    expect(live.status).toBe(403)
    const fine = await call('POST', `/v1/sandbox/payments/${p.id}/simulate`, {
      key: m.testKey,
      body: { amount: '0.0000000000000000001' },
    })
    expect(fine.status).toBe(400)
    expect(fine.json.error).toMatchObject({ code: 'INVALID_AMOUNT', field: 'amount' })
  })
})
