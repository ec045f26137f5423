/**
 * The hosted bill page in Chromium against `wrangler dev` (which also simulates the EMAIL
 * send_email binding): the buyer opens the bill, pays it on the hosted checkout, and sees it paid.
 */
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
const XPUB =
  'xpub6CeDpm2b5qtk96oy8yvM572W6cLZSvU5vnpKmKPypbfFwXo86SyT7VtfwWtMZAgZ5eKVMU9NnULt91HBFw9j62wJrcoc1ZRWiNvoorwBRXL'

let gateway: Gateway
let browser: Browser
let testKey: string

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
  gateway = await startGateway()
  const created = await api(gateway, 'POST', '/v1/merchants', gateway.adminToken, {
    name: 'Acme Studio',
    email: 'ops@acme.example',
  })
  testKey = (created.json.data.api_keys as { mode: string; key: string }[]).find((k) => k.mode === 'test')?.key ?? ''
  expect(
    (await api(gateway, 'POST', '/v1/wallets', testKey, { chain_id: 31337, xpub: XPUB, label: 'main' })).status,
  ).toBe(201)
})

afterAll(async () => {
  await browser?.close()
  await gateway?.stop()
})

describe('the hosted bill page in Chromium', () => {
  it('is emailed through the simulated binding, lists the items, pays on the checkout and shows paid', async () => {
    const bill = (
      await api(gateway, 'POST', '/v1/bills', testKey, {
        number: 'INV-77',
        currency: 'USD',
        email: 'buyer@example.com',
        items: [
          { description: 'Logo design', price: '7.50', quantity: 1 },
          { description: 'Revisions', price: '1.25', quantity: 2 },
        ],
      })
    ).json.data
    const delivered = await api(gateway, 'POST', `/v1/bills/${bill.id}/deliveries`, testKey)
    expect(delivered.json.data.emails).toEqual([
      expect.objectContaining({ status: 'sent', attempts: 1, message_id: expect.any(String) }),
    ])

    const page = await (await browser.newContext()).newPage()
    await page.goto(bill.url)
    await expect.poll(() => page.locator('h1').textContent()).toBe('Bill INV-77')
    expect(await page.locator('table.items').textContent()).toContain('Logo design')
    expect(await page.locator('#total').textContent()).toContain('10.00 USD')
    await page.click('#pay')
    await page.waitForURL(/\/pay\/[A-Z]{4}-\d{8}-PMT/)
    expect(await page.content()).toContain('Acme Studio')

    // 10.00 settles on its own in the sandbox; the bill follows its payment.
    await expect
      .poll(async () => (await api(gateway, 'GET', `/v1/bills/${bill.id}`, testKey)).json.data.status, {
        timeout: 30_000,
        interval: 500,
      })
      .toBe('complete')
    await page.goto(bill.url)
    expect(await page.locator('#bill-status').textContent()).toBe('Paid')
  })
})
