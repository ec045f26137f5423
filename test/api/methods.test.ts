import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'

const BASE = 'http://gateway.test'

async function send(method: string, path: string) {
  const res = await exports.default.fetch(new Request(BASE + path, { method }))
  const text = await res.text()
  return { status: res.status, allow: res.headers.get('allow'), text, json: () => JSON.parse(text) }
}

describe('methods a path does not answer', () => {
  it('are 405 with Allow in the v1 shape, before authentication', async () => {
    for (const method of ['TRACE', 'PATCH', 'OPTIONS', 'PROPFIND']) {
      const res = await send(method, '/v1/payments')
      expect(res.status, method).toBe(405)
      expect(res.allow).toBe('GET, HEAD, POST')
      expect(res.json()).toMatchObject({ success: false, error: { code: 'METHOD_NOT_ALLOWED' } })
    }
  })

  it("are 405 in each surface's own error shape", async () => {
    const links = await send('PUT', '/api/v1/payments/links')
    expect(links.status).toBe(405)
    expect(links.json()).toMatchObject({ error: 'method_not_allowed', code: 405 })
    expect(links.allow).toContain('POST')

    const cryptoPay = await send('DELETE', '/api/payment-orders/')
    expect(cryptoPay.status).toBe(405)
    expect(cryptoPay.json()).toMatchObject({ success: false, error: { code: 'METHOD_NOT_ALLOWED' } })

    const bitpay = await send('PATCH', '/invoices')
    expect(bitpay.status).toBe(405)
    expect(bitpay.allow).toBe('GET, HEAD, POST')
    expect(bitpay.json()).toMatchObject({ status: 'error', code: expect.stringMatching(/^\d{6}$/), data: null })

    const page = await send('TRACE', '/pay/ABCD-12345678-PMT')
    expect(page.status).toBe(405)
    expect(page.allow).toBe('GET, HEAD')
    expect(page.text).toMatch(/<html[^>]*>[\s\S]*not allowed/)
  })

  it('are 405 for methods the gateway never routes, even on unknown paths; unknown paths stay 404 otherwise', async () => {
    const trace = await send('TRACE', '/nowhere')
    expect(trace.status).toBe(405)
    expect(trace.allow ?? '').toBe('') // no method is allowed at a path that does not exist (an empty header may not survive the transport)
    expect((await send('GET', '/nowhere')).status).toBe(404)
    expect((await send('HEAD', '/openapi.json')).status).toBe(200)

    // workerd refuses to build a Request with CONNECT or a custom method, so hand the app one whose method says so.
    const app = createApp()
    for (const method of ['CONNECT', 'FROB']) {
      const real = new Request(`${BASE}/v1/payments`)
      const fake = new Proxy(real, {
        get: (target, key) => {
          if (key === 'method') return method
          const value: unknown = Reflect.get(target, key, target)
          return typeof value === 'function' ? value.bind(target) : value
        },
      })
      const res = await app.fetch(fake, env)
      expect(res.status, method).toBe(405)
      expect(res.headers.get('allow')).toBe('GET, HEAD, POST')
    }
  })
})
