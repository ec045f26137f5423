import { describe, expect, it } from 'vitest'
import { createApp, OPENAPI_INFO } from '../../src/app'
import { call } from '../helpers/api'

/**
 * Every route the app serves is in /openapi.json, except the pages below (HTML, redirects, the
 * document itself), each with its reason. The routes come from the app, so a new route is checked by
 * being registered.
 */
const NOT_API: Readonly<Record<string, string>> = {
  'GET /': 'redirects to /docs',
  'GET /docs': 'the HTML reference rendered from /openapi.json',
  'GET /openapi.json': 'the document itself',
  'GET /pay/{reference}': 'checkout page (HTML)',
  'POST /pay/{reference}/select': 'checkout page form action (303 back to the page)',
  'POST /pay/{reference}/simulate': 'checkout page form action, test payments (303 back to the page)',
  'POST /pay/{reference}/cancel': 'checkout page form action (303 to the merchant)',
  'GET /link/{reference}': 'payment link page (HTML, or 302 to the checkout)',
  'GET /payment_link': 'seed 002 link URL: 302 to /link/{id}',
  'GET /bill/{id}': 'hosted bill page (HTML)',
  'POST /bill/{id}/pay': 'hosted bill page form action (303 to the checkout)',
  'GET /recipient/{token}': 'recipient invite page (HTML)',
}

const app = createApp()
const doc = app.getOpenAPI31Document(OPENAPI_INFO)
const documented = new Set(
  Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
    Object.keys(ops ?? {}).map((m) => `${m.toUpperCase()} ${path}`),
  ),
)

/** Served routes as `METHOD /openapi/{path}`: middleware (`ALL`) and wildcard catch-alls are not operations. */
const served = [
  ...new Set(
    app.routes
      .filter((r) => r.method !== 'ALL' && !r.path.includes('*'))
      .map((r) => `${r.method} ${r.path.replace(/\/$/, '').replace(/:([A-Za-z_]+)/g, '{$1}') || '/'}`),
  ),
]

describe('/openapi.json documents every route the gateway serves', () => {
  it("finds the app's routes", () => {
    expect(served.length).toBeGreaterThan(100)
  })

  it.each(served.filter((r) => !(r in NOT_API)))('%s is documented', (route) => {
    expect(documented.has(route), `${route} is served but missing from /openapi.json`).toBe(true)
  })

  it('allow-lists only routes that exist and are not documented', () => {
    for (const route of Object.keys(NOT_API)) {
      expect(served, route).toContain(route)
      expect(documented.has(route), `${route} is documented: drop it from NOT_API`).toBe(false)
    }
  })

  it('documents only routes that are served', () => {
    const routes = new Set(served)
    expect([...documented].filter((op) => !routes.has(op))).toEqual([])
  })

  it('serves the same document at /openapi.json', async () => {
    const res = await call('GET', '/openapi.json')
    expect(Object.keys(res.json.paths).sort()).toEqual(Object.keys(doc.paths ?? {}).sort())
  })
})
