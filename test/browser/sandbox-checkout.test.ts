/**
 * Test mode on the hosted page, in Debian's Chromium against `wrangler dev`: a merchant with no
 * wallet at all gets a "Test mode" banner and simulate buttons that move the payment to paid; a
 * live payment's page has neither. Chromium that cannot start fails these tests; it never skips them.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { api, startGateway, type Gateway } from './gateway.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium'
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const OUT = resolve(import.meta.dirname, '..', '..', 'test-output')
const LIVE_XPUB =
  'xpub6Ce9NcJvTk372KjsGfWqbcex5DumjpNquQLApoeQUavSCjEc823BV1tb4rXUuPuht8h2hSxkg2EXUaKUJmniJvRZAELxypsCzBFdtosmV76'
const DESKTOP = { viewport: { width: 1280, height: 900 } }
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true }

let gateway: Gateway
let browser: Browser
let merchant: { testKey: string; liveKey: string }
let setupError: unknown

async function setup() {
  mkdirSync(OUT, { recursive: true })
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
  gateway = await startGateway()
  // A brand-new merchant: no test wallet is registered, ever.
  const created = await fetch(`${gateway.url}/v1/merchants`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${gateway.adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Fresh Shop', email: 'ops@fresh.example' }),
  }).then((r) => r.json() as Promise<{ data: { api_keys: { mode: string; key: string }[] } }>)
  const key = (mode: string) => created.data.api_keys.find((k) => k.mode === mode)?.key ?? ''
  merchant = { testKey: key('test'), liveKey: key('live') }
  // Live payments need a live wallet of the merchant's own (Base USDC: no RPC needed to open one).
  const live = await api(gateway, 'POST', '/v1/wallets', merchant.liveKey, { chain_id: 8453, xpub: LIVE_XPUB })
  expect(live.status).toBe(201)
}

beforeAll(async () => {
  try {
    await setup()
  } catch (err) {
    setupError = err
  }
})

beforeEach(() => {
  if (setupError) throw setupError
})

afterAll(async () => {
  await browser?.close()
  await gateway?.stop()
})

async function testPayment(amount = '12.00') {
  const res = await api(gateway, 'POST', '/v1/payments', merchant.testKey, { amount, currency: 'USD' })
  expect(res.status).toBe(201)
  return res.json.data as { id: string; hosted_url: string }
}

const status = (page: Page) => page.getByTestId('status').textContent()

describe('test mode on the hosted page', () => {
  it('shows the Test mode banner and moves a payment to paid with "Simulate full payment" (desktop)', async () => {
    const ctx = await browser.newContext(DESKTOP)
    const page = await ctx.newPage()
    const payment = await testPayment()
    await page.goto(payment.hosted_url)
    const banner = page.getByTestId('test-mode-banner')
    await banner.waitFor()
    expect(await banner.isVisible()).toBe(true)
    expect(await banner.textContent()).toContain('Test mode')
    expect(await page.locator('body').textContent()).not.toContain('cannot take crypto payments')
    // The sandbox wallet gave the payment an address on the default test chain.
    expect(await page.locator('#address').inputValue()).toMatch(/^0x[0-9a-fA-F]{40}$/)
    for (const name of ['Simulate full payment', 'Simulate partial payment', 'Simulate overpayment']) {
      expect(await page.getByRole('button', { name }).isVisible()).toBe(true)
    }
    await page.screenshot({ path: resolve(OUT, 'sandbox-checkout-desktop.png'), fullPage: true })

    await page.getByRole('button', { name: 'Simulate full payment' }).click()
    await expect.poll(() => status(page), { timeout: 10_000 }).toBe('Paid')
    expect(await page.getByRole('button', { name: 'Simulate full payment' }).isVisible()).toBe(false)
    const after = await api(gateway, 'GET', `/v1/payments/${payment.id}`, merchant.testKey)
    expect(after.json.data).toMatchObject({ status: 'completed', exception: null })
    await ctx.close()
  })

  it('fits a phone, and a partial then an overpayment end in paid (overpaid)', async () => {
    const ctx = await browser.newContext(PHONE)
    const page = await ctx.newPage()
    const payment = await testPayment()
    await page.goto(payment.hosted_url)
    await page.getByTestId('test-mode-banner').waitFor()
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    const button = await page.getByRole('button', { name: 'Simulate partial payment' }).boundingBox()
    expect(button!.height).toBeGreaterThanOrEqual(44)
    expect(button!.x + button!.width).toBeLessThanOrEqual(390)
    await page.screenshot({ path: resolve(OUT, 'sandbox-checkout-phone.png'), fullPage: true })

    await page.getByRole('button', { name: 'Simulate partial payment' }).tap()
    await expect.poll(() => status(page), { timeout: 10_000 }).toMatch(/^Confirming/)
    expect((await api(gateway, 'GET', `/v1/payments/${payment.id}`, merchant.testKey)).json.data).toMatchObject({
      status: 'processing',
      exception: 'underpaid',
    })
    await page.getByRole('button', { name: 'Simulate overpayment' }).tap()
    await expect.poll(() => status(page), { timeout: 10_000 }).toBe('Paid')
    expect((await api(gateway, 'GET', `/v1/payments/${payment.id}`, merchant.testKey)).json.data).toMatchObject({
      status: 'completed',
      exception: 'overpaid',
    })
    await ctx.close()
  })

  it("a live payment's page has no banner and no simulate buttons (desktop and phone)", async () => {
    const res = await api(gateway, 'POST', '/v1/payments', merchant.liveKey, {
      amount: '10.00',
      currency: 'USD',
      chain_id: 8453,
      token: 'USDC',
    })
    expect(res.status).toBe(201)
    for (const options of [DESKTOP, PHONE]) {
      const ctx = await browser.newContext(options)
      const page = await ctx.newPage()
      await page.goto(res.json.data.hosted_url)
      await page.locator('#address').waitFor()
      expect(await page.locator('#address').inputValue()).toBe(res.json.data.deposit_address)
      expect(await page.getByTestId('test-mode-banner').count()).toBe(0)
      expect(await page.getByRole('button', { name: /^Simulate/ }).count()).toBe(0)
      expect(await page.locator('body').textContent()).not.toMatch(/test mode/i)
      await ctx.close()
    }
  })
})
