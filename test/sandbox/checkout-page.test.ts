/** The hosted page in test mode: a banner and simulate buttons; none of it on a live payment. */
import { HDKey } from '@scure/bip32'
import { describe, expect, it } from 'vitest'
import { call, createMerchant } from '../helpers/api'
import { visit } from '../helpers/links'

const form = (share: string, headers: Record<string, string> = { origin: 'http://gateway.test' }) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: `share=${share}`,
})

async function testPayment(
  body: Record<string, unknown> = { amount: '12.00', currency: 'USD', chain_id: 31337, token: 'USDC' },
) {
  const m = await createMerchant()
  const p = (await call('POST', '/v1/payments', { key: m.testKey, body })).json.data
  return { m, p, get: async () => (await call('GET', `/v1/payments/${p.id}`, { key: m.testKey })).json.data }
}

describe('POST /pay/{reference}/simulate (the test buttons)', () => {
  it('applies a full payment through the sandbox simulate path', async () => {
    const { p, get } = await testPayment()
    const res = await visit(`/pay/${p.reference}/simulate`, form('full'))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/pay/${p.reference}`)
    expect(await get()).toMatchObject({ status: 'completed', exception: null, amount_received: '12' })
  })

  it('applies a partial payment (underpaid, processing), then an overpayment (completed, overpaid)', async () => {
    const { p, get } = await testPayment()
    await visit(`/pay/${p.reference}/simulate`, form('partial'))
    expect(await get()).toMatchObject({ status: 'processing', exception: 'underpaid', amount_received: '6' })
    await visit(`/pay/${p.reference}/simulate`, form('over'))
    expect(await get()).toMatchObject({ status: 'completed', exception: 'overpaid', amount_received: '14.4' })
  })

  it('picks the sandbox default when the buyer has not chosen a way to pay yet', async () => {
    const { p, get } = await testPayment({ amount: '12.00', currency: 'USD' })
    await visit(`/pay/${p.reference}/simulate`, form('full'))
    expect(await get()).toMatchObject({ status: 'completed', pay_currency: 'USDC', chain_id: 31337 })
  })

  it('refuses cross-site posts and unknown shares without touching the payment', async () => {
    const { p, get } = await testPayment()
    await visit(`/pay/${p.reference}/simulate`, form('full', { origin: 'https://evil.example' }))
    const bad = await visit(`/pay/${p.reference}/simulate`, form('everything'))
    expect(bad.headers.get('location')).toBe(`/pay/${p.reference}?error=simulate`)
    expect(await get()).toMatchObject({ status: 'pending', amount_received: '0' })
  })

  it('does not exist for a live payment, and a live page has no banner and no buttons', async () => {
    const m = await createMerchant()
    const xpub = HDKey.fromMasterSeed(crypto.getRandomValues(new Uint8Array(32))).derive(
      "m/44'/60'/0'",
    ).publicExtendedKey
    expect((await call('POST', '/v1/wallets', { key: m.liveKey, body: { chain_id: 8453, xpub } })).status).toBe(201)
    const live = (
      await call('POST', '/v1/payments', {
        key: m.liveKey,
        body: { amount: '10.00', currency: 'USD', chain_id: 8453, token: 'USDC' },
      })
    ).json.data
    const res = await visit(`/pay/${live.reference}/simulate`, form('full'))
    expect(res.status).toBe(404)
    expect((await call('GET', `/v1/payments/${live.id}`, { key: m.liveKey })).json.data).toMatchObject({
      status: 'pending',
      amount_received: '0',
    })
    const page = await visit(`/pay/${live.reference}`)
    expect(page.status).toBe(200)
    expect(page.text).toContain(live.deposit_address)
    expect(page.text).not.toContain('test-mode-banner')
    expect(page.text).not.toContain('/simulate')
    expect(page.text).not.toMatch(/Test mode/i)
  })

  it('shows the banner and the three buttons on a test payment', async () => {
    const { p } = await testPayment()
    const page = await visit(`/pay/${p.reference}`)
    expect(page.text).toContain('data-testid="test-mode-banner"')
    expect(page.text).toContain(`action="/pay/${p.reference}/simulate"`)
    for (const share of ['full', 'partial', 'over']) expect(page.text).toContain(`value="${share}"`)
  })
})
