import { describe, expect, it } from 'vitest'
import { LIMITS } from '../../src/config'
import { call, createMerchant, merchantWithWallet, TEST_XPUB } from '../helpers/api'
import { GATEWAY, newIdentity, pairToken, signHeaders } from '../helpers/bitpay'
import { LINKS, linkBody } from '../helpers/links'

/** A 40-digit price: far above any maximum. */
const HUGE = '1234567890123456789012345678901234567890'
const { fiat: MAX_FIAT, token: MAX_TOKEN } = LIMITS.maxOrderAmount
const oneMore = (max: string) => `${max}.01`

function signed(identity: ReturnType<typeof newIdentity>, path: string, body: Record<string, unknown>) {
  const raw = JSON.stringify(body)
  return call('POST', path, {
    body: raw,
    raw: true,
    headers: signHeaders(identity, new URL(path, GATEWAY).toString(), raw),
  })
}

describe('the maximum order amount', () => {
  it("v1 payments: 400 INVALID_AMOUNT on amount above the currency's maximum; the maximum itself is accepted", async () => {
    const m = await merchantWithWallet()
    for (const [amount, currency] of [
      [HUGE, 'USD'],
      [oneMore(MAX_FIAT), 'USD'],
      [oneMore(MAX_TOKEN), 'ETH'],
    ]) {
      const res = await call('POST', '/v1/payments', { key: m.testKey, body: { amount, currency } })
      expect(res.status, `${amount} ${currency}`).toBe(400)
      expect(res.json.error).toMatchObject({
        code: 'INVALID_AMOUNT',
        field: 'amount',
        message: expect.stringContaining('must be at most'),
      })
    }
    expect(
      (await call('POST', '/v1/payments', { key: m.testKey, body: { amount: MAX_FIAT, currency: 'USD' } })).status,
    ).toBe(201)
    expect(
      (await call('POST', '/v1/payments', { key: m.testKey, body: { amount: MAX_TOKEN, currency: 'ETH' } })).status,
    ).toBe(201)
  })

  it('payment links: 400 with a detail on order_amount', async () => {
    const m = await createMerchant()
    const res = await call('POST', LINKS, {
      key: m.testKey,
      body: linkBody(m, { order_amount: HUGE, order_currency: 'USD' }),
    })
    expect(res.status).toBe(400)
    expect(res.json.details).toEqual([{ field: 'order_amount', issue: `must be at most ${MAX_FIAT} USD` }])
  })

  it('BitPay invoices and refunds: a BitPay error naming price / amount', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const invoice = await signed(identity, '/invoices', { token, price: HUGE, currency: 'USD' })
    expect(invoice.status).toBe(400)
    expect(invoice.json).toMatchObject({
      status: 'error',
      code: '010102',
      data: null,
      error: `price: must be at most ${MAX_FIAT} USD`,
    })

    const paid = (await signed(identity, '/invoices', { token, price: 10, currency: 'USD' })).json.data
    const refund = await signed(identity, '/refunds', { token, invoiceId: paid.id, amount: HUGE })
    expect(refund.status).toBe(400)
    expect(refund.json).toMatchObject({
      status: 'error',
      code: '010202',
      data: null,
      error: `amount: must be at most ${MAX_FIAT}`,
    })
  })

  it('CryptoPay orders: VALIDATION_ERROR with details on amount', async () => {
    const m = await createMerchant()
    await call('POST', '/v1/wallets', { key: m.testKey, body: { chain_id: 8453, xpub: TEST_XPUB } })
    const res = await call('POST', '/api/payment-orders/', {
      key: m.testKey,
      body: { amount: HUGE, currency: 'USDC', blockchain: 'base', nonce: 1 },
    })
    expect(res.status).toBe(400)
    expect(res.json.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { amount: [`amount: must be at most ${MAX_TOKEN} USDC`] },
    })
  })
})
