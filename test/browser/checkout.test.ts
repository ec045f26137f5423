/**
 * The hosted checkout in Debian's Chromium (playwright-core) against `wrangler dev`. Chromium that
 * cannot start fails these tests; it never skips them.
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { api, startGateway, type Gateway } from './gateway.js'

// jsqr is CommonJS whose module.exports is the decoder itself.
const jsQR = createRequire(import.meta.url)('jsqr') as typeof import('jsqr').default

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
const SUCCESS_URL = 'https://merchant.example/thanks'
const CANCEL_URL = 'https://merchant.example/cart'
const XPUB =
  'xpub6CeDpm2b5qtk96oy8yvM572W6cLZSvU5vnpKmKPypbfFwXo86SyT7VtfwWtMZAgZ5eKVMU9NnULt91HBFw9j62wJrcoc1ZRWiNvoorwBRXL'

let gateway: Gateway
let browser: Browser
let merchant: { merchantKey: string; testKey: string }

let setupError: unknown

async function setup() {
  mkdirSync(OUT, { recursive: true })
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
  gateway = await startGateway()
  const created = await fetch(`${gateway.url}/v1/merchants`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${gateway.adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Acme Coffee', email: 'ops@acme.example' }),
  }).then((r) => r.json() as Promise<{ data: { merchant_key: string; api_keys: { mode: string; key: string }[] } }>)
  merchant = {
    merchantKey: created.data.merchant_key,
    testKey: created.data.api_keys.find((k) => k.mode === 'test')!.key,
  }
  const wallet = await api(gateway, 'POST', '/v1/wallets', merchant.testKey, {
    chain_id: 31337,
    xpub: XPUB,
    label: 'main',
  })
  expect(wallet.status).toBe(201)
}

beforeAll(async () => {
  try {
    await setup()
  } catch (err) {
    setupError = err
  }
})

// A failed setup (no Chromium, wrangler not starting) fails every test rather than skipping it.
beforeEach(() => {
  if (setupError) throw setupError
})

afterAll(async () => {
  await browser?.close()
  await gateway?.stop()
})

async function createLink(overrides: Record<string, unknown> = {}) {
  const res = await api(gateway, 'POST', '/api/v1/payments/links', merchant.testKey, {
    merchant_key: merchant.merchantKey,
    order_currency: 'USD',
    order_amount: '12.50',
    payment_name: 'Premium Subscription',
    payer_email: 'alice.tan@triple-a.io',
    success_url: SUCCESS_URL,
    cancel_url: CANCEL_URL,
    ...overrides,
  })
  expect(res.status).toBe(200)
  return res.json as { id: string; hosted_url: string }
}

/** A context whose requests to the merchant's site are answered locally (no network). */
async function context(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext(options)
  await ctx.route('https://merchant.example/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Merchant site</h1>' }),
  )
  return ctx
}

/** Opens the link and, when the page offers a choice, pays in ETH on the local chain. */
async function openCheckout(page: Page, hostedUrl: string) {
  await page.goto(hostedUrl)
  await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/pay\//)
  if (await page.getByRole('group', { name: 'Choose how to pay' }).isVisible()) {
    await page.getByRole('radio', { name: /^ETH on Anvil/ }).check()
    await page.getByRole('button', { name: 'Continue' }).click()
  }
  await page.locator('#address').waitFor()
}

function decodeQr(png: Buffer): string | undefined {
  const image = PNG.sync.read(png)
  return jsQR(
    new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length),
    image.width,
    image.height,
  )?.data
}

/** "0.004166666666666667" ETH → wei, exactly. */
function toWei(decimal: string): bigint {
  const [whole, fraction = ''] = decimal.split('.')
  return BigInt(whole + fraction.padEnd(18, '0'))
}

describe('hosted checkout in Chromium', () => {
  it('renders the payment, a QR code with the EIP-681 URI, and goes to paid then success_url', async () => {
    const ctx = await context({ viewport: { width: 1280, height: 900 } })
    const page = await ctx.newPage()
    const link = await createLink()
    await openCheckout(page, link.hosted_url)

    await expect.poll(() => page.getByTestId('merchant').textContent()).toBe('Acme Coffee')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Premium Subscription')
    expect(await page.getByTestId('order-amount').textContent()).toBe('12.50 USD')
    const payAmount = (await page.getByLabel('Amount (ETH)').inputValue()).trim()
    expect(await page.getByTestId('pay-amount').textContent()).toBe(`${payAmount} ETH on Anvil (local)`)
    const address = await page.getByLabel('Send to this Anvil (local) address').inputValue()
    expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(await page.getByTestId('status').textContent()).toBe('Awaiting payment')
    const first = await page.locator('#countdown').textContent()
    expect(first).toMatch(/^1[0-5]:\d\d$/)
    await expect.poll(() => page.locator('#countdown').textContent(), { timeout: 3000 }).not.toBe(first)

    const qr = decodeQr(await page.locator('.qr').screenshot())
    expect(qr).toBe(`ethereum:${address}@31337?value=${toWei(payAmount)}`)
    await page.screenshot({ path: resolve(OUT, 'checkout-desktop.png'), fullPage: true })

    const details = await api(gateway, 'GET', `/api/v1/payments/links/${link.id}`, merchant.testKey)
    const paymentId = details.json.payments[0].id as string
    const simulate = (body: Record<string, unknown>) =>
      api(gateway, 'POST', `/v1/sandbox/payments/${paymentId}/simulate`, merchant.testKey, body)
    expect((await simulate({ confirmed: false })).status).toBe(200)
    await expect.poll(() => page.getByTestId('status').textContent(), { timeout: 10_000 }).toBe('Confirming (0 of 2)')
    expect((await simulate({})).status).toBe(200)
    await page.waitForURL(SUCCESS_URL, { timeout: 15_000 })
    expect(await page.textContent('h1')).toBe('Merchant site')
    const after = await api(gateway, 'GET', `/api/v1/payments/links/${link.id}`, merchant.testKey)
    expect(after.json).toMatchObject({ payment_status: 'completed', current_uses: 1 })
    await ctx.close()
  })

  it('fits a phone, is usable by keyboard, and copies the address', async () => {
    const ctx = await context({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 3,
      isMobile: true,
      hasTouch: true,
    })
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gateway.url })
    const page = await ctx.newPage()
    await openCheckout(page, (await createLink()).hosted_url)
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    const qrBox = await page.locator('.qr').boundingBox()
    expect(qrBox!.width).toBeGreaterThanOrEqual(200)
    await page.screenshot({ path: resolve(OUT, 'checkout-phone.png'), fullPage: true })

    await page.getByRole('button', { name: 'Copy address' }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByRole('button', { name: 'Copied' }).count()).toBe(1)
    const copied = await page.evaluate('navigator.clipboard.readText()')
    expect(copied).toBe(await page.locator('#address').inputValue())
    await ctx.close()
  })

  it('pays through an injected EIP-1193 wallet with the exact amount', async () => {
    const ctx = await context({ viewport: { width: 1280, height: 900 } })
    // A stand-in EIP-1193 provider that records what the page asks of it.
    await ctx.addInitScript(`
      window.walletCalls = [];
      window.ethereum = {
        request: async (call) => {
          window.walletCalls.push(call);
          if (call.method === 'eth_requestAccounts') return ['0x000000000000000000000000000000000000bEEF'];
          if (call.method === 'eth_chainId') return '0x1';
          if (call.method === 'eth_sendTransaction') return '0x' + 'ab'.repeat(32);
          return null;
        },
      };
    `)
    const page = await ctx.newPage()
    await openCheckout(page, (await createLink()).hosted_url)
    const address = await page.locator('#address').inputValue()
    const wei = toWei(await page.locator('#amount-field').inputValue())
    await page.getByRole('button', { name: 'Pay with browser wallet' }).click()
    await expect.poll(() => page.locator('#wallet-status').textContent()).toContain('Sent: 0xabab')
    const calls = (await page.evaluate('window.walletCalls')) as { method: string; params?: unknown[] }[]
    expect(calls.map((c) => c.method)).toEqual([
      'eth_requestAccounts',
      'eth_chainId',
      'wallet_switchEthereumChain',
      'eth_sendTransaction',
    ])
    expect(calls[2]!.params).toEqual([{ chainId: '0x7a69' }])
    expect(calls[3]!.params).toEqual([
      { from: '0x000000000000000000000000000000000000bEEF', to: address, value: `0x${wei.toString(16)}` },
    ])
    await ctx.close()
  })

  it('shows the expired page for an expired link, and cancel returns to cancel_url', async () => {
    const ctx = await context({ viewport: { width: 1280, height: 900 } })
    const page = await ctx.newPage()
    const expired = await createLink()
    expect(
      (await api(gateway, 'PATCH', `/api/v1/payments/links/${expired.id}`, merchant.testKey, { status: 'expired' }))
        .status,
    ).toBe(200)
    const response = await page.goto(expired.hosted_url)
    expect(response?.status()).toBe(410)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This payment link has expired')
    await page.screenshot({ path: resolve(OUT, 'checkout-expired.png') })

    await openCheckout(page, (await createLink()).hosted_url)
    await page.getByRole('button', { name: 'Cancel and return to Acme Coffee' }).click()
    await page.waitForURL(CANCEL_URL)
    await ctx.close()
  })

  it('shows a clear page for an unknown link', async () => {
    const ctx = await context()
    const page = await ctx.newPage()
    const response = await page.goto(`${gateway.url}/link/NOPE-000000-PMT`)
    expect(response?.status()).toBe(404)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Payment link not found')
    await ctx.close()
  })
})
