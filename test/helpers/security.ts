import { expect } from 'vitest'
import { randomHex } from '../../src/auth/crypto'
import { createApp, OPENAPI_INFO } from '../../src/app'
import { isBitPayPath } from '../../src/api/bitpay'
import { isCryptoPayPath } from '../../src/api/cryptopay'
import { LINKS_PREFIX } from '../../src/api/links/errors'
import { PAGE_PREFIXES } from '../../src/pages/routes'
import { ADMIN_TOKEN, call } from './api'
import { GATEWAY, newIdentity, signHeaders } from './bitpay'

/**
 * The shared security suite (issue 16 item 4): the app's route table, which surface and kind of
 * credential each route takes, the error shape of each surface, and the common refusals every route of
 * a kind must give. test/security/every-route.security.test.ts runs them for every registered route.
 */

export const app = createApp()
export const openapiDoc = app.getOpenAPI31Document(OPENAPI_INFO)

/** The surface whose error shape a route answers in. */
export type Surface = 'v1' | 'links' | 'cryptopay' | 'bitpay' | 'pages'
/** What a route takes as a credential. */
export type Kind = 'merchant-key' | 'operator' | 'login' | 'bitpay' | 'page' | 'public'

export interface RouteEntry {
  /** `METHOD /pattern`, as app.routes names it. */
  route: string
  method: string
  pattern: string
  surface: Surface
  kind: Kind
}

type Operation = { security?: Record<string, string[]>[] }
export const operationOf = (method: string, pattern: string): Operation | undefined =>
  (openapiDoc.paths?.[pattern.replace(/:([A-Za-z_]+)/g, '{$1}')] as Record<string, Operation> | undefined)?.[
    method.toLowerCase()
  ]

export function surfaceOf(pattern: string): Surface {
  if (isBitPayPath(pattern)) return 'bitpay'
  if (PAGE_PREFIXES.some((p) => pattern.startsWith(p))) return 'pages'
  if (pattern.startsWith(LINKS_PREFIX)) return 'links'
  if (isCryptoPayPath(pattern)) return 'cryptopay'
  return 'v1'
}

/**
 * The kind of credential a route takes, by rule: the BitPay dialect (its own tokens and identities),
 * the hosted pages (capability URLs), the docs (public), the CryptoPay login (it issues the credential),
 * operator routes (ADMIN_TOKEN, as the document says); everything else takes a merchant API key.
 */
export function kindOf(method: string, pattern: string): Kind {
  const surface = surfaceOf(pattern)
  if (surface === 'bitpay') return 'bitpay'
  if (surface === 'pages') return 'page'
  if (['/', '/docs', '/openapi.json'].includes(pattern)) return 'public'
  if (pattern.startsWith('/api/auth/')) return 'login'
  const security = operationOf(method, pattern)?.security
  if (security?.length && security.every((s) => Object.keys(s).join() === 'adminToken')) return 'operator'
  return 'merchant-key'
}

/** Every route the app serves (middleware mounts and catch-alls, the wildcard paths, left out). */
export const ROUTES: RouteEntry[] = [...new Set(app.routes.map((r) => `${r.method} ${r.path}`))]
  .filter((route) => !route.endsWith('*') && !route.startsWith('ALL '))
  .map((route) => {
    const [method = '', pattern = ''] = route.split(' ')
    return { route, method, pattern, surface: surfaceOf(pattern), kind: kindOf(method, pattern) }
  })

export const routesOf = (kind: Kind) => ROUTES.filter((r) => r.kind === kind).map((r) => r.route)

/** Fails with the routes that have no fixture, and the fixtures whose route is gone. */
export function expectFixtureForEvery(kind: Kind, fixtures: Record<string, unknown>): void {
  const routes = routesOf(kind)
  expect(
    routes.filter((r) => !Object.hasOwn(fixtures, r)),
    `${kind} routes without a fixture: add one`,
  ).toEqual([])
  expect(
    Object.keys(fixtures).filter((r) => !routes.includes(r)),
    `${kind} fixtures for routes that are gone`,
  ).toEqual([])
}

type Json = Record<string, unknown> | undefined
type Response = Awaited<ReturnType<typeof call>>

/** Asserts the body is an error in the surface's own shape. */
export function expectErrorShape(surface: Surface, res: Response): void {
  const json = res.json as Json
  const where = `${res.status} ${res.text.slice(0, 300)}`
  const error = json?.error as Json
  switch (surface) {
    case 'v1':
      expect(json?.success, where).toBe(false)
      expect(typeof error?.code, where).toBe('string')
      return
    case 'cryptopay':
      expect(json, where).toMatchObject({
        success: false,
        error: { code: expect.any(String), message: expect.any(String) },
        timestamp: expect.any(String),
      })
      return
    case 'links':
      expect(json, where).toMatchObject({ error: expect.any(String), message: expect.any(String), code: res.status })
      return
    case 'bitpay':
      expect(json, where).toMatchObject({
        status: 'error',
        code: expect.stringMatching(/^\d{6}$/),
        data: null,
        error: expect.any(String),
      })
      return
    case 'pages':
      expect(json, where).toMatchObject({ error: expect.any(String), message: expect.any(String) })
  }
}

/** Asserts a refusal: one of `statuses`, in the surface's error shape. */
export function expectRefused(surface: Surface, res: Response, statuses: number | number[], what: string): void {
  const allowed = Array.isArray(statuses) ? statuses : [statuses]
  expect(allowed, `${what}: got ${res.status} ${res.text.slice(0, 300)}`).toContain(res.status)
  expectErrorShape(surface, res)
}

export const expectServed = (res: Response, what: string) => {
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBeGreaterThanOrEqual(200)
  expect(res.status, `${what}: ${res.text.slice(0, 300)}`).toBeLessThan(400)
}

/**
 * A fresh client address (TEST-NET-2) for a call without a valid credential: those count against the
 * client IP's per-minute limit, which a walk over every route would otherwise use up.
 */
export const freshIp = () => ({ 'cf-connecting-ip': `198.51.100.${1 + Math.floor(Math.random() * 250)}` })

/** A key of the same form that no merchant holds. */
export const wrongKey = (key: string) => `${key.slice(0, -8)}${randomHex(4)}`

// ---- merchant API keys (v1, payment links, CryptoPay) ----

export interface KeyRequest {
  path: string
  body?: unknown
  /**
   * Whether the request addresses a resource of the merchant (in the path or the body): then another
   * merchant's key and the other mode's key must get 404. Defaults to whether the route has a path parameter.
   */
  owned?: boolean
}

export interface KeyCredentials {
  /** A revoked key of the merchant. */
  revokedKey: string
  /** A key of the merchant's mode that is valid, to derive a wrong one from. */
  key: string
  /** A key of another merchant, same mode. */
  otherMerchantKey: string
  /** A key of the same merchant, the other mode. */
  otherModeKey: string
}

/** The refusals every merchant-key route gives; returns the names of the checks it ran. */
export async function expectKeyRefusals(entry: RouteEntry, req: KeyRequest, keys: KeyCredentials): Promise<string[]> {
  const { method, pattern, surface } = entry
  const send = (key?: string) => call(method, req.path, { key, body: req.body, headers: freshIp() })
  const ran = ['no credentials', 'wrong key', 'revoked key']
  expectRefused(surface, await send(), 401, `${method} ${req.path} without a key`)
  expectRefused(surface, await send(wrongKey(keys.key)), 401, `${method} ${req.path} with a wrong key`)
  expectRefused(surface, await send(keys.revokedKey), 401, `${method} ${req.path} with a revoked key`)
  if (req.owned ?? pattern.includes(':')) {
    ran.push('other merchant', 'other mode')
    expectRefused(surface, await send(keys.otherMerchantKey), 404, `${method} ${req.path} with another merchant's key`)
    // Sandbox routes refuse the live mode outright (403 on Authorization), before looking anything up.
    const otherMode = pattern.includes('/sandbox/') ? [403, 404] : 404
    expectRefused(surface, await send(keys.otherModeKey), otherMode, `${method} ${req.path} with the other mode's key`)
  }
  return ran
}

// ---- operator routes (ADMIN_TOKEN) ----

export async function expectOperatorRefusals(
  entry: RouteEntry,
  req: KeyRequest,
  merchantKey: string,
): Promise<string[]> {
  const send = (key?: string) => call(entry.method, req.path, { key, body: req.body, headers: freshIp() })
  expectRefused(entry.surface, await send(), 401, `${entry.route} without the admin token`)
  expectRefused(entry.surface, await send(wrongKey(ADMIN_TOKEN)), 401, `${entry.route} with a wrong admin token`)
  expectRefused(entry.surface, await send(merchantKey), [401, 403], `${entry.route} with a merchant key`)
  const served = await send(ADMIN_TOKEN)
  expectServed(served, `${entry.route} with the admin token`)
  return ['no credentials', 'wrong token', 'merchant key instead', 'served']
}

// ---- BitPay ----

export type Identity = ReturnType<typeof newIdentity>

/**
 * How a BitPay route is authorised: `merchant` (a merchant token, signed by its identity), `merchant+pos`
 * (also a pos token, unsigned), `merchant+payout` (the token in the path, signed), `payout` (the payout
 * facade only, signed: merchant and pos tokens are the wrong facade), `resource` (the
 * resource's own token handed out with it; `signed` when a signature is required), `identity` (signed,
 * no token), `public`.
 */
export type BitPayAuth = 'merchant' | 'merchant+pos' | 'merchant+payout' | 'payout' | 'resource' | 'identity' | 'public'

export interface BitPayRequest {
  path: string
  body?: Record<string, unknown>
  auth: BitPayAuth
  /** For `resource` routes: the resource's own token; for token routes, whether a signature is required. */
  resourceToken?: string
  signed?: boolean
  /** Defaults to whether the route has a path parameter (other than `:token`). */
  owned?: boolean
  /** A test-mode-only route (the sandbox's): the live mode is refused outright, 403 before any lookup. */
  testOnly?: boolean
}

export interface BitPayParty {
  identity: Identity
  token: string
}

/** A merchant's merchant-facade and payout-facade tokens, each with the identity it is bound to. */
export interface BitPayParties {
  merchant: BitPayParty
  payout: BitPayParty
}

export interface BitPayCredentials {
  /** The merchant's merchant-facade token (test mode) and the identity it is bound to. */
  merchant: BitPayParty
  /** The merchant's payout-facade token (test mode) and its identity. */
  payout: BitPayParty
  /** A pos token of the same merchant and mode. */
  pos: string
  /** Another merchant's merchant-facade and payout tokens. */
  otherMerchant: BitPayParties
  /** The same merchant's live merchant-facade and payout tokens. */
  otherMode: BitPayParties
}

/** `token` where BitPay reads it: the JSON body for POST/PUT, else the query. */
export function withToken(
  method: string,
  path: string,
  body: Record<string, unknown> | undefined,
  token: string | undefined,
) {
  if (token === undefined) return { path, body }
  if (path.includes(':token')) return { path: path.replace(':token', token), body }
  if (method === 'POST' || method === 'PUT') return { path, body: { ...body, token } }
  return { path: `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`, body }
}

/** A BitPay call: unsigned, signed by `signer`, or with `signer`'s x-identity but `forger`'s signature. */
export function bitpayCall(
  method: string,
  path: string,
  body: Record<string, unknown> | undefined,
  signer?: Identity,
  forger?: Identity,
) {
  const raw = body === undefined ? '' : JSON.stringify(body)
  const url = new URL(path, GATEWAY).toString()
  let headers: Record<string, string> = freshIp()
  if (signer) headers = { ...headers, ...signHeaders(signer, url, raw) }
  if (signer && forger) headers = { ...headers, 'x-signature': signHeaders(forger, url, raw)['x-signature'] ?? '' }
  return call(method, path, { headers, ...(body === undefined ? {} : { body: raw, raw: true }) })
}

/** The refusals every BitPay route gives for its kind of authorisation, then the served call. */
export async function expectBitPayRefusals(
  entry: RouteEntry,
  req: BitPayRequest,
  creds: BitPayCredentials,
): Promise<string[]> {
  const { method } = entry
  const stranger = newIdentity()
  const ran: string[] = []
  const refused = async (
    what: string,
    token: string | undefined,
    statuses: number | number[],
    signer?: Identity,
    forger?: Identity,
  ) => {
    const r = withToken(method, req.path, req.body, token)
    expectRefused(
      'bitpay',
      await bitpayCall(method, r.path, r.body, signer, forger),
      statuses,
      `${method} ${r.path} ${what}`,
    )
    ran.push(what)
  }
  const serve = async (token: string | undefined, signer?: Identity) => {
    const r = withToken(method, req.path, req.body, token)
    const res = await bitpayCall(method, r.path, r.body, signer)
    expectServed(res, `${method} ${r.path} with the right credentials`)
    ran.push('served')
    return res
  }
  const { merchant } = creds
  const owned = req.owned ?? entry.pattern.replace(':token', '').includes(':')
  switch (req.auth) {
    case 'public':
      await serve(undefined)
      return ran
    case 'identity':
      await refused('unsigned', undefined, 401)
      await refused('with a forged signature', undefined, 401, merchant.identity, stranger)
      await serve(undefined, merchant.identity)
      return ran
    case 'resource': {
      const own = req.resourceToken
      if (own === undefined) throw new Error(`${entry.route}: a resource route's fixture names the resource's token`)
      await refused('without a token', undefined, [401, 403, 404])
      await refused(
        'with a merchant token instead of the resource token',
        merchant.token,
        [401, 403, 404],
        merchant.identity,
      )
      if (req.signed !== false) {
        await refused('unsigned', own, 401)
        await refused('signed by an unlinked identity', own, 401, stranger)
        await refused("signed by another merchant's identity", own, 401, creds.otherMerchant.merchant.identity)
        await refused('with a forged signature', own, 401, merchant.identity, stranger)
      } else {
        await refused('with a forged signature', own, 401, merchant.identity, stranger)
      }
      await serve(own, merchant.identity)
      return ran
    }
    default: {
      const facades = req.auth.split('+')
      // The token the route is served with: the merchant token where it is taken, else the payout token.
      const facade = facades.includes('merchant') ? 'merchant' : 'payout'
      const right = creds[facade]
      if (!entry.pattern.includes(':token')) await refused('without credentials', undefined, 401)
      await refused('unsigned (a signed-only token)', right.token, 401)
      await refused('signed by an unlinked identity', right.token, 401, stranger)
      await refused('with a forged signature', right.token, 401, right.identity, stranger)
      if (!facades.includes('pos')) await refused('with a pos token (wrong facade)', creds.pos, 403)
      if (!facades.includes('merchant'))
        await refused('with a merchant token (wrong facade)', merchant.token, 403, merchant.identity)
      if (owned) {
        const other = creds.otherMerchant[facade]
        const otherMode = creds.otherMode[facade]
        await refused("with another merchant's token", other.token, 404, other.identity)
        await refused(
          "with the other mode's token",
          otherMode.token,
          req.testOnly ? [403, 404] : 404,
          otherMode.identity,
        )
      }
      await serve(right.token, right.identity)
      return ran
    }
  }
}

// ---- hosted pages (capability URLs: the reference is the credential) ----

export interface PageRequest {
  /** The path for a reference (or token): called with a real one and with one that does not exist. */
  path: (reference: string) => string
  reference: string
  body?: string
  headers?: Record<string, string>
  /** A JSON endpoint (errors in the pages' JSON shape) rather than an HTML page or a form post. */
  json?: boolean
}

/** An unknown reference is never served (404 page or JSON, or a form's redirect back); a real one is. */
export async function expectPageRefusals(entry: RouteEntry, req: PageRequest): Promise<string[]> {
  const send = (reference: string, headers: Record<string, string> = {}) =>
    call(entry.method, req.path(reference), {
      headers: { ...freshIp(), ...req.headers, ...headers },
      ...(req.body === undefined ? {} : { body: req.body, raw: true }),
    })
  const ran = ['unknown reference', 'served']
  const unknown = await send(`ZZZZ-${randomHex(4)}`)
  if (req.json) expectRefused('pages', unknown, 404, `${entry.route} with an unknown reference`)
  else expect([302, 303, 404], `${entry.route} with an unknown reference: ${unknown.status}`).toContain(unknown.status)
  if (entry.method === 'POST' && req.json) {
    ran.push('cross-site')
    expectRefused(
      'pages',
      await send(req.reference, { Origin: 'https://evil.example' }),
      403,
      `${entry.route} cross-site`,
    )
  }
  expectServed(await send(req.reference), `${entry.route} with a real reference`)
  return ran
}
