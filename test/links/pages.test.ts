import { HDKey } from '@scure/bip32'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, merchantWithWallet, TEST_XPUB } from '../helpers/api'
import { LINKS, newLink, visit } from '../helpers/links'

/** Opens a link like a browser: returns the payment page path and the cookie it set. */
async function open(linkUrl: string, cookie?: string) {
  const res = await visit(new URL(linkUrl).pathname, { headers: cookie ? { cookie } : {} })
  expect(res.status).toBe(302)
  return { path: res.headers.get('location')!, cookie: res.headers.get('set-cookie')?.split(';')[0] }
}

/** Chooses how to pay through the page's form, as a buyer would. */
async function choose(path: string, option = '31337:ETH') {
  const res = await visit(`${path}/select`, {
    method: 'POST',
    body: new URLSearchParams({ option }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://gateway.test' },
  })
  expect(res.status).toBe(303)
  expect(res.headers.get('location')).toBe(path)
}

describe('GET /link/:reference → the hosted checkout', () => {
  it('renders merchant, name, both amounts, address, EIP-681 QR, countdown and status', async () => {
    const m = await merchantWithWallet()
    const link = await newLink(m, { order_amount: 12.5, payment_name: 'Premium Subscription' })
    const { path } = await open(link.hosted_url)
    expect(path).toMatch(/^\/pay\/[A-Z]{4}-\d{8}-PMT$/)
    await choose(path)
    const page = await visit(path)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[0-9a-f]{32}'/)
    expect(page.text).toContain('Premium Subscription')
    expect(page.text).toMatch(/data-testid="merchant">Merchant \d+</)
    expect(page.text).toContain('12.50 USD')
    expect(page.text).toContain('0.004166666666666667 ETH on Anvil (local)')
    const address = page.text.match(/data-testid="deposit-address"[^>]*>(0x[0-9a-fA-F]{40})<\/textarea>/)?.[1]
    expect(address).toBeDefined()
    expect(page.text).toContain(`data-uri="ethereum:${address}@31337?value=4166666666666667"`)
    expect(page.text).toMatch(/<svg [^>]*viewBox/)
    expect(page.text).toContain('id="countdown"')
    expect(page.text).toContain('Awaiting payment')
    expect(page.text).toContain('Pay with browser wallet')
  })

  it("keeps a single-use link on one payment, and gives a multi-use link's new buyer a new one", async () => {
    const m = await merchantWithWallet()
    const single = await newLink(m, { order_amount: 12.5 })
    const a = await open(single.hosted_url)
    const b = await open(single.hosted_url)
    expect(b.path).toBe(a.path)
    const multi = await newLink(m, { order_amount: 12.5, max_uses: 3 })
    const first = await open(multi.hosted_url)
    const again = await open(multi.hosted_url, first.cookie)
    const stranger = await open(multi.hosted_url)
    expect(again.path).toBe(first.path)
    expect(stranger.path).not.toBe(first.path)
  })

  it("starts a live link's first payment on the first visit, with link_id set", async () => {
    const m = await merchantWithWallet()
    // A live payment needs a live wallet of the merchant's own.
    const liveXpub = HDKey.fromMasterSeed(crypto.getRandomValues(new Uint8Array(32))).derive(
      "m/44'/60'/0'",
    ).publicExtendedKey
    expect(
      (await call('POST', '/v1/wallets', { key: m.liveKey, body: { chain_id: 8453, xpub: liveXpub } })).status,
    ).toBe(201)
    const link = await newLink(m, { order_amount: 12.5 }, m.liveKey)
    expect(
      (
        await env.DB.prepare('select count(*) as n from payments where link_id = ?')
          .bind(link.id)
          .first<{ n: number }>()
      )?.n,
    ).toBe(0)
    await open(link.hosted_url)
    const row = await env.DB.prepare('select livemode, notify_secret from payments where link_id = ?')
      .bind(link.id)
      .first<{ livemode: number; notify_secret: string }>()
    expect(row).toEqual({ livemode: 1, notify_secret: link.notify_secret })
  })

  it('serves the other link forms 002 shows', async () => {
    const m = await merchantWithWallet()
    const link = await newLink(m, { order_amount: 12.5 })
    const details = (await call('GET', `${LINKS}/${link.id}`, { key: m.testKey })).json
    const viaQuery = await visit(new URL(details.payment_link).pathname + new URL(details.payment_link).search)
    expect(viaQuery.status).toBe(302)
    expect(viaQuery.headers.get('location')).toBe(`/link/${link.id}`)
    expect((await visit(`/link/${link.id}`)).status).toBe(302)
    const viaPay = await visit(`/pay/${link.payment_reference}`)
    expect(viaPay.headers.get('location')).toBe(`/link/${link.payment_reference}`)
  })

  it.each([
    ['expired', 'This payment link has expired'],
    ['inactive', 'This payment link is inactive'],
    ['cancelled', 'This payment link was cancelled'],
  ])('shows a clear page for a link set %s', async (status, heading) => {
    const m = await merchantWithWallet()
    const link = await newLink(m, { order_amount: 12.5 })
    await call('PATCH', `${LINKS}/${link.id}`, { key: m.testKey, body: { status } })
    const page = await visit(new URL(link.hosted_url).pathname)
    expect(page.status).toBe(410)
    expect(page.text).toContain(heading)
    expect(page.text).toContain('href="https://www.failure.io/cancel.html"')
  })

  it('shows a clear page for a link past its expiry date', async () => {
    const m = await merchantWithWallet()
    const link = await newLink(m, { order_amount: 12.5, expires_in: 60 })
    await env.DB.prepare('update payment_links set expiry_date = ? where id = ?')
      .bind(new Date(Date.now() - 1000).toISOString(), link.id)
      .run()
    const page = await visit(new URL(link.hosted_url).pathname)
    expect(page.status).toBe(410)
    expect(page.text).toContain('This payment link has expired')
  })

  it('shows unknown links and payments as not found', async () => {
    const link = await visit('/link/NOPE-000000-PMT')
    expect(link.status).toBe(404)
    expect(link.text).toContain('Payment link not found')
    const pay = await visit('/pay/NOPE-00000000-PMT')
    expect(pay.status).toBe(404)
    expect(pay.text).toContain('Payment not found')
    expect((await visit('/payment_link?payment_id=%3Cscript%3E')).status).toBe(404)
  })
})

describe('the checkout page actions', () => {
  it('lets the buyer pick a chain and token when several are enabled', async () => {
    const m = await merchantWithWallet()
    await call('POST', '/v1/wallets', { key: m.liveKey, body: { chain_id: 31337, xpub: TEST_XPUB } })
    await call('POST', '/v1/wallets', { key: m.liveKey, body: { chain_id: 8453, xpub: TEST_XPUB } })
    const link = await newLink(m, { order_amount: 12.5 }, m.liveKey)
    const { path } = await open(link.hosted_url)
    const picker = await visit(path)
    expect(picker.text).toContain('Choose how to pay')
    expect(picker.text).toContain('value="8453:USDC"')
    expect(picker.text).toContain('value="31337:ETH"')
    await choose(path, '8453:USDC')
    const page = await visit(path)
    expect(page.text).toContain('12.5 USDC on Base')
    expect(page.text).toMatch(
      /data-uri="ethereum:0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913@8453\/transfer\?address=0x[0-9a-fA-F]{40}&amp;uint256=12500000"/,
    )
    expect(page.text).toContain('Pay with another currency')
  })

  it('reports status as JSON and moves to paid when funds arrive', async () => {
    const m = await merchantWithWallet()
    const link = await newLink(m, { order_amount: 12.5 })
    const { path } = await open(link.hosted_url)
    await choose(path)
    const before = JSON.parse((await visit(`${path}/status`)).text)
    expect(before).toMatchObject({
      status: 'pending',
      stage: 'awaiting',
      required_confirmations: 2,
      success_url: 'https://www.success.io/success.html',
    })
    const paymentId = (await call('GET', `${LINKS}/${link.id}`, { key: m.testKey })).json.payments[0].id
    await call('POST', `/v1/sandbox/payments/${paymentId}/simulate`, { key: m.testKey, body: { confirmed: false } })
    expect(JSON.parse((await visit(`${path}/status`)).text)).toMatchObject({ stage: 'confirming', confirmations: 0 })
    await call('POST', `/v1/sandbox/payments/${paymentId}/simulate`, { key: m.testKey, body: {} })
    expect(JSON.parse((await visit(`${path}/status`)).text)).toMatchObject({ stage: 'paid', status: 'completed' })
    expect((await call('GET', `${LINKS}/${link.id}`, { key: m.testKey })).json).toMatchObject({
      payment_status: 'completed',
      current_uses: 1,
      is_active: false,
    })
    const used = await visit(new URL(link.hosted_url).pathname)
    expect(used.status).toBe(410)
    expect(used.text).toContain('This payment link has already been paid')
  })

  it("cancels on the buyer's request and returns to cancel_url, but not from another site", async () => {
    const m = await merchantWithWallet()
    const link = await newLink(m, { order_amount: 12.5 })
    const { path } = await open(link.hosted_url)
    const forged = await visit(`${path}/cancel`, { method: 'POST', headers: { origin: 'https://evil.example' } })
    expect(forged.headers.get('location')).toBe(path)
    expect(JSON.parse((await visit(`${path}/status`)).text).status).toBe('pending')
    const res = await visit(`${path}/cancel`, { method: 'POST', headers: { origin: 'http://gateway.test' } })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('https://www.failure.io/cancel.html')
    expect(JSON.parse((await visit(`${path}/status`)).text).stage).toBe('cancelled')
    expect((await call('GET', `${LINKS}/${link.id}`, { key: m.testKey })).json).toMatchObject({
      payment_status: 'cancelled',
      is_active: true,
    })
  })
})
