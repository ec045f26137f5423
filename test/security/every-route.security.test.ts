import { beforeAll, describe, expect, it } from 'vitest'
import { randomHex } from '../../src/auth/crypto'
import { call, createMerchant, merchantWithWallet, merchantWithWallets, type TestMerchant } from '../helpers/api'
import {
  type BitPayParties,
  expectBitPayRefusals,
  expectFixtureForEvery,
  expectKeyRefusals,
  expectOperatorRefusals,
  expectPageRefusals,
  expectServed,
  ROUTES,
  type RouteEntry,
  routesOf,
} from '../helpers/security'
import { callRaw, signatureHeaders, signedOnlyKey } from '../helpers/signing'
import {
  BITPAY_FIXTURES,
  type BitPayWorld,
  bitpayParty,
  bitpayWorld,
  FIXTURES,
  keyWorld,
  LOGIN_FIXTURES,
  made,
  OPERATOR_FIXTURES,
  PAGE_FIXTURES,
  type PageWorld,
  pageWorld,
  PUBLIC_FIXTURES,
  type World,
} from './fixtures'

/**
 * The security suite, for every route the app serves (issue 16 item 4). The routes come from the app
 * itself (test/helpers/security.ts classifies them by surface and credential), and every route needs a
 * fixture here, so a new route is covered by being registered and fails here until it has one.
 *
 * - merchant-key routes (v1, pairing, payment links, CryptoPay): no key, a wrong key, a revoked key →
 *   401; another merchant's id and the other mode's id → 404; a signed-only key unsigned or forged → 401,
 *   signed → 2xx, the same signed request again → 401 SIGNATURE_REPLAYED.
 * - BitPay routes, by how each is authorised: no token, unsigned, an unlinked or forged signature → 401;
 *   the wrong facade → 403; another merchant's or the other mode's token on an id → 404; all in BitPay's
 *   error shape; the right credentials → 2xx.
 * - operator routes (ADMIN_TOKEN), the hosted pages (capability URLs) and the public routes.
 */

const entryOf = (route: string): RouteEntry => {
  const entry = ROUTES.find((r) => r.route === route)
  if (!entry) throw new Error(`${route} is not a route of the app`)
  return entry
}
const keyRoutes = routesOf('merchant-key')

type Surface = 'v1' | 'links' | 'cryptopay'

/** The code and field of an error in the surface's shape (payment links carry the status, not a code). */
function refusal(surface: Surface, json: any): { code: unknown; field: unknown } {
  // eslint-disable-line @typescript-eslint/no-explicit-any -- three error shapes
  if (surface === 'links') return { code: json?.error, field: json?.message }
  if (surface === 'cryptopay') return { code: json?.error?.code, field: Object.keys(json?.error?.details ?? {})[0] }
  return { code: json?.error?.code, field: json?.error?.field }
}
const expected = (surface: Surface, code: string, field: string, message: RegExp) =>
  surface === 'links' ? { code: 'unauthorized', field: expect.stringMatching(message) } : { code, field }

describe('the route table', () => {
  it('finds the routes of every surface and a fixture for each', () => {
    for (const prefix of [
      'POST /v1/payments',
      'GET /v1/bitpay/',
      'POST /api/v1/payments/links',
      'POST /api/merchant-wallets',
    ]) {
      expect(
        keyRoutes.some((r) => r.startsWith(prefix)),
        prefix,
      ).toBe(true)
    }
    expectFixtureForEvery('merchant-key', FIXTURES)
    expectFixtureForEvery('bitpay', BITPAY_FIXTURES)
    expectFixtureForEvery('operator', OPERATOR_FIXTURES)
    expectFixtureForEvery('page', PAGE_FIXTURES)
    expectFixtureForEvery('public', PUBLIC_FIXTURES)
    expectFixtureForEvery('login', LOGIN_FIXTURES)
  })

  it('classifies routes by rule: operator routes by their document, the rest by surface', () => {
    const kinds = Object.fromEntries(ROUTES.map((r) => [r.route, r.kind]))
    expect(kinds).toMatchObject({
      'POST /v1/merchants': 'operator',
      'GET /v1/payments': 'merchant-key',
      'GET /invoices/:id': 'bitpay',
      'GET /pay/:reference/status': 'page',
      'GET /docs': 'public',
      'POST /api/auth/login': 'login',
    })
  })
})

/** One merchant whose keys are "another merchant's" for every route below. */
let stranger: TestMerchant
beforeAll(async () => {
  stranger = await createMerchant()
})

describe.each(keyRoutes)('%s', (route) => {
  const entry = entryOf(route)
  const { method } = entry
  const surface = entry.surface as Surface
  let w: World
  let strict: Awaited<ReturnType<typeof signedOnlyKey>>
  let revokedKey: string

  beforeAll(async () => {
    w = await keyWorld(await merchantWithWallet())
    const m = w.m
    strict = await signedOnlyKey(m.testKey)
    const temp = (await made('POST', '/v1/api-keys', m.testKey, { name: 'revoked' })).data
    await made('DELETE', `/v1/api-keys/${temp.id}`, m.testKey)
    revokedKey = temp.key
  })

  it('refuses no key, a wrong or revoked key, another merchant and the other mode; refuses a signed-only key unsigned, forged and replayed', async () => {
    const fixture = FIXTURES[route]
    if (!fixture) throw new Error(`no fixture for ${route}: add one to FIXTURES in test/security/fixtures.ts`)
    const request = await fixture(w)
    const { path, body } = request
    await expectKeyRefusals(entry, request, {
      key: w.m.testKey,
      revokedKey,
      otherMerchantKey: stranger.testKey,
      otherModeKey: w.m.liveKey,
    })

    const payload = body === undefined ? '' : JSON.stringify(body)
    const unsigned = await callRaw(method, path, strict.key, payload)
    expect(unsigned.status, `unsigned ${method} ${path}: ${unsigned.text}`).toBe(401)
    expect(refusal(surface, unsigned.json)).toEqual(
      expected(surface, 'INVALID_SIGNATURE', 'X-Signature', /X-Signature/),
    )

    const forged = await callRaw(
      method,
      path,
      strict.key,
      payload,
      signatureHeaders(`sig_${randomHex(32)}`, method, path, payload),
    )
    expect(forged.status, `forged ${method} ${path}: ${forged.text}`).toBe(401)
    expect(refusal(surface, forged.json)).toEqual(
      expected(surface, 'INVALID_SIGNATURE', 'X-Signature', /does not match/),
    )

    const headers = signatureHeaders(strict.secret, method, path, payload)
    const signed = await callRaw(method, path, strict.key, payload, headers)
    expect(signed.status, `signed ${method} ${path}: ${signed.text}`).toBeGreaterThanOrEqual(200)
    expect(signed.status, `signed ${method} ${path}: ${signed.text}`).toBeLessThan(300)

    const replayed = await callRaw(method, path, strict.key, payload, headers)
    expect(replayed.status, `replayed ${method} ${path}: ${replayed.text}`).toBe(401)
    expect(refusal(surface, replayed.json)).toEqual(
      expected(surface, 'SIGNATURE_REPLAYED', 'X-Signature', /already used/),
    )
  })
})

/** Another merchant with a paired merchant token: "another merchant's" for every BitPay route. */
let bitpayStranger: BitPayParties
beforeAll(async () => {
  bitpayStranger = await bitpayParty(await merchantWithWallet())
})

describe.each(routesOf('bitpay'))('%s (BitPay)', (route) => {
  const entry = entryOf(route)
  let w: BitPayWorld

  beforeAll(async () => {
    w = await bitpayWorld(await merchantWithWallets(), bitpayStranger)
  })

  it("refuses the wrong credentials for how it is authorised, in BitPay's error shape, and serves the right ones", async () => {
    const fixture = BITPAY_FIXTURES[route]
    if (!fixture) throw new Error(`no fixture for ${route}: add one to BITPAY_FIXTURES in test/security/fixtures.ts`)
    await expectBitPayRefusals(entry, await fixture(w), w)
  })
})

describe.each(routesOf('operator'))('%s (operator)', (route) => {
  it('takes the admin token only', async () => {
    const m = await createMerchant()
    const fixture = OPERATOR_FIXTURES[route]
    if (!fixture) throw new Error(`no fixture for ${route}: add one to OPERATOR_FIXTURES in test/security/fixtures.ts`)
    await expectOperatorRefusals(entryOf(route), fixture(m), m.testKey)
  })
})

describe.each(routesOf('page'))('%s (hosted page)', (route) => {
  let w: PageWorld
  beforeAll(async () => {
    w = await pageWorld(await merchantWithWallet())
  })

  it('serves a real reference and never an unknown one', async () => {
    const fixture = PAGE_FIXTURES[route]
    if (!fixture) throw new Error(`no fixture for ${route}: add one to PAGE_FIXTURES in test/security/fixtures.ts`)
    await expectPageRefusals(entryOf(route), await fixture(w))
  })
})

describe('public routes and the CryptoPay login', () => {
  it.each(Object.entries(PUBLIC_FIXTURES))('serves %s without credentials', async (_route, path) => {
    expectServed(await call('GET', path), path)
  })

  it("refuses a wrong password at POST /api/auth/login with 401 in CryptoPay's shape", async () => {
    const m = await createMerchant()
    const username = `walk${randomHex(4)}`
    await made('POST', '/v1/users', m.testKey, { username, password: 'correct horse battery staple' })
    const wrong = await call('POST', '/api/auth/login', { body: { username, password: 'wrong horse battery staple' } })
    expect(wrong.status).toBe(401)
    expect(wrong.json).toMatchObject({ success: false, error: { code: expect.any(String) } })
    expectServed(
      await call('POST', '/api/auth/login', { body: { username, password: 'correct horse battery staple' } }),
      'login',
    )
  })
})
