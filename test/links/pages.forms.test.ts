import { describe, expect, it } from 'vitest'
import { LIMITS } from '../../src/config'
import { call, merchantWithWallet } from '../helpers/api'
import { visit } from '../helpers/links'

async function paymentPage() {
  const m = await merchantWithWallet()
  const res = await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '10.00', currency: 'USD' } })
  expect(res.status).toBe(201)
  return `/pay/${res.json.data.reference}`
}

const sameOrigin = { origin: 'http://gateway.test' }

describe("the hosted pages' forms", () => {
  it('answer a multipart body that cannot be parsed with a 400 page, not a 500', async () => {
    const path = await paymentPage()
    const res = await visit(`${path}/select`, {
      method: 'POST',
      body: 'option=31337:ETH',
      headers: { 'content-type': 'multipart/form-data; boundary=----x', ...sameOrigin },
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    expect(res.text).toContain('The form could not be read')
  })

  it('still read a well-formed multipart form', async () => {
    const path = await paymentPage()
    const form = new FormData()
    form.set('option', '31337:ETH')
    const res = await visit(`${path}/select`, { method: 'POST', body: form, headers: sameOrigin })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(path)
  })

  it("refuse a body over the APIs' limit with 413, on every page POST", async () => {
    const path = await paymentPage()
    const big = `option=31337:ETH&pad=${'x'.repeat(LIMITS.maxBodyBytes)}`
    for (const action of ['select', 'cancel']) {
      const res = await visit(`${path}/${action}`, {
        method: 'POST',
        body: big,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...sameOrigin },
      })
      expect(res.status, action).toBe(413)
      expect(res.text).toContain(`exceeds ${LIMITS.maxBodyBytes} bytes`)
    }
    // The payment was left alone.
    expect((await visit(path)).status).toBe(200)
  })
})
