import { beforeAll, describe, expect, it } from 'vitest'
import { randomHex } from '../../src/auth/crypto'
import { createApp, OPENAPI_INFO } from '../../src/app'
import { isBitPayPath } from '../../src/api/bitpay'
import { isCryptoPayPath } from '../../src/api/cryptopay'
import { LINKS_PREFIX } from '../../src/api/links/errors'
import { PAGE_PREFIXES } from '../../src/pages/routes'
import { call, merchantWithWallet, randomXpub } from '../helpers/api'
import { newIdentity } from '../helpers/bitpay'
import { linkBody, LINKS } from '../helpers/links'
import { receiverUrl } from '../helpers/receiver'
import { callRaw, signatureHeaders, signedOnlyKey } from '../helpers/signing'

/**
 * Every route of the app that takes a merchant API key, walked with a key that enforces signing:
 * unsigned → 401, forged signature → 401, correctly signed → 2xx, the same signed request again →
 * 401 SIGNATURE_REPLAYED. The routes come from the app itself, so a new route is covered by being
 * registered (and fails here until it has a fixture).
 */

const app = createApp()
const doc = app.getOpenAPI31Document(OPENAPI_INFO)

type Operation = { security?: Record<string, string[]>[] }
const operation = (method: string, path: string): Operation | undefined =>
  (doc.paths?.[path.replace(/:([A-Za-z_]+)/g, '{$1}')] as Record<string, Operation> | undefined)?.[method.toLowerCase()]

/**
 * Why a route does not take merchant keys, or undefined when it does. The rule: middleware mounts and
 * catch-alls (wildcard paths), the BitPay dialect (its own tokens and identities), the hosted pages and
 * docs (public), the CryptoPay login (it issues the credential), operator routes (ADMIN_TOKEN).
 */
function notAKeyRoute(method: string, path: string): string | undefined {
  if (path.endsWith('*')) return 'middleware or catch-all'
  if (isBitPayPath(path)) return 'BitPay token auth'
  if (PAGE_PREFIXES.some((p) => path.startsWith(p)) || ['/', '/docs', '/openapi.json'].includes(path)) return 'public'
  if (path.startsWith('/api/auth/')) return 'login'
  const security = operation(method, path)?.security
  if (security?.length && security.every((s) => Object.keys(s).join() === 'adminToken')) return 'operator (ADMIN_TOKEN)'
  return undefined
}

const allRoutes = [...new Set(app.routes.map((r) => `${r.method} ${r.path}`))]
const keyRoutes = allRoutes.filter((r) => {
  const [method = '', path = ''] = r.split(' ')
  return notAKeyRoute(method, path) === undefined
})

type Surface = 'v1' | 'links' | 'cryptopay'
const surfaceOf = (path: string): Surface => (path.startsWith(LINKS_PREFIX) ? 'links' : isCryptoPayPath(path) ? 'cryptopay' : 'v1')

interface World {
  m: Awaited<ReturnType<typeof merchantWithWallet>>
  /** An ordinary key of the merchant (same mode), for setting things up. */
  setupKey: string
  paymentId: string
  orderId: string
  txHash: string
}

let nonce = 1000
const address = () => `0x${randomHex(20)}`
type Request = { path: string; body?: unknown }
type Fixture = (w: World) => Promise<Request> | Request

async function made(method: string, path: string, key: string, body?: unknown) {
  const res = await call(method, path, { key, body })
  if (res.status >= 300) throw new Error(`fixture setup ${method} ${path} failed: ${res.status} ${res.text}`)
  return res.json
}
const newPayment = async (w: World) => (await made('POST', '/v1/payments', w.setupKey, { amount: '5', currency: 'USD' })).data.id as string
const newOrder = async (w: World) => (await made('POST', '/api/payment-orders/', w.setupKey, { amount: '5', currency: 'USDC', blockchain: 'base', nonce: nonce++ })).data.id as string
const newEndpoint = async (w: World) => (await made('POST', '/v1/webhook-endpoints', w.setupKey, { url: receiverUrl().url, enabled_events: ['payment.completed'] })).data.id as string
const newUser = async (w: World) => (await made('POST', '/v1/users', w.setupKey, { username: `u${randomHex(4)}`, password: 'correct horse battery staple' })).data.id as string
const BILL = { number: 'WALK-1', currency: 'USD', email: 'buyer@example.com', items: [{ description: 'Design', price: '6.00', quantity: 1 }] }
const SUBSCRIPTION = { bill_data: { currency: 'USD', email: 'buyer@example.com', items: [{ price: '10', quantity: 1 }] }, schedule: 'monthly', status: 'active' }
const newBill = async (w: World) => (await made('POST', '/v1/bills', w.setupKey, BILL)).data.id as string
const newSubscription = async (w: World) => (await made('POST', '/v1/subscriptions', w.setupKey, SUBSCRIPTION)).data.id as string
const payoutKey = () => `0x${randomHex(32)}`
const newPayoutWallet = async (w: World) => (await made('POST', '/v1/payout-wallets', w.setupKey, { chain_id: 31337, private_key: payoutKey() })).data.id as string
const newRecipient = async (w: World) => (await made('POST', '/v1/recipients', w.setupKey, { recipients: [{ email: `walk${randomHex(4)}@example.com` }] })).data[0].id as string
const activeRecipient = async (w: World) => {
  const id = await newRecipient(w)
  await made('POST', `/v1/sandbox/recipients/${id}/activate`, w.setupKey, { address: address() })
  return id
}
const newPayout = async (w: World) => {
  await newPayoutWallet(w)
  return (await made('POST', '/v1/payouts', w.setupKey, { amount: '1', recipient_id: await activeRecipient(w), effective_date: '2100-01-01T00:00:00Z' })).data.id as string
}
const newPayoutGroup = async (w: World) => {
  await newPayoutWallet(w)
  return (await made('POST', '/v1/payout-groups', w.setupKey, { instructions: [{ amount: '1', recipient_id: await activeRecipient(w), effective_date: '2100-01-01T00:00:00Z' }] })).data.id as string
}
const eventId = async (w: World) => (await made('GET', `/v1/payments/${w.paymentId}/events`, w.setupKey)).data[0].id as string

/** One request per route that a correctly signed call answers with 2xx. Keep it small. */
const FIXTURES: Record<string, Fixture> = {
  'GET /v1/api-keys': () => ({ path: '/v1/api-keys' }),
  'POST /v1/api-keys': () => ({ path: '/v1/api-keys', body: { name: 'walk' } }),
  'DELETE /v1/api-keys/:id': async (w) => ({ path: `/v1/api-keys/${(await made('POST', '/v1/api-keys', w.setupKey, { name: 'doomed' })).data.id}` }),
  'POST /v1/payments': () => ({ path: '/v1/payments', body: { amount: '5', currency: 'USD' } }),
  'GET /v1/payments': () => ({ path: '/v1/payments?limit=5' }),
  'GET /v1/payments/:id': (w) => ({ path: `/v1/payments/${w.paymentId}` }),
  'POST /v1/payments/:id/cancel': async (w) => ({ path: `/v1/payments/${await newPayment(w)}/cancel` }),
  'GET /v1/payments/:id/events': (w) => ({ path: `/v1/payments/${w.paymentId}/events` }),
  'POST /v1/sandbox/payments/:id/simulate': async (w) => ({ path: `/v1/sandbox/payments/${await newOrder(w)}/simulate`, body: {} }),
  'POST /v1/wallets': () => ({ path: '/v1/wallets', body: { chain_id: 137, address: address() } }),
  'GET /v1/wallets': () => ({ path: '/v1/wallets' }),
  'GET /v1/wallets/:id': (w) => ({ path: `/v1/wallets/${w.m.walletId}` }),
  'GET /v1/wallets/:id/balance': (w) => ({ path: `/v1/wallets/${w.m.walletId}/balance` }),
  'GET /v1/wallets/:id/transactions': (w) => ({ path: `/v1/wallets/${w.m.walletId}/transactions` }),
  'POST /v1/webhook-endpoints': () => ({ path: '/v1/webhook-endpoints', body: { url: receiverUrl().url, enabled_events: ['payment.completed'] } }),
  'GET /v1/webhook-endpoints': () => ({ path: '/v1/webhook-endpoints' }),
  'GET /v1/webhook-endpoints/:id': async (w) => ({ path: `/v1/webhook-endpoints/${await newEndpoint(w)}` }),
  'PATCH /v1/webhook-endpoints/:id': async (w) => ({ path: `/v1/webhook-endpoints/${await newEndpoint(w)}`, body: { description: 'renamed' } }),
  'DELETE /v1/webhook-endpoints/:id': async (w) => ({ path: `/v1/webhook-endpoints/${await newEndpoint(w)}` }),
  'POST /v1/webhook-endpoints/:id/rotate-secret': async (w) => ({ path: `/v1/webhook-endpoints/${await newEndpoint(w)}/rotate-secret` }),
  'POST /v1/webhook-endpoints/:id/test': async (w) => ({ path: `/v1/webhook-endpoints/${await newEndpoint(w)}/test` }),
  'GET /v1/webhook-endpoints/:id/deliveries': async (w) => ({ path: `/v1/webhook-endpoints/${await newEndpoint(w)}/deliveries` }),
  'GET /v1/events/:id': async (w) => ({ path: `/v1/events/${await eventId(w)}` }),
  'POST /v1/events/:id/resend': async (w) => ({ path: `/v1/events/${await eventId(w)}/resend` }),
  'POST /v1/users': () => ({ path: '/v1/users', body: { username: `walk${randomHex(4)}`, password: 'correct horse battery staple' } }),
  'GET /v1/users': () => ({ path: '/v1/users' }),
  'POST /v1/users/:id/password': async (w) => ({ path: `/v1/users/${await newUser(w)}/password`, body: { password: 'another long passphrase' } }),
  'DELETE /v1/users/:id': async (w) => ({ path: `/v1/users/${await newUser(w)}` }),
  'POST /v1/bitpay/pairing-codes': () => ({ path: '/v1/bitpay/pairing-codes', body: { facade: 'pos' } }),
  'POST /v1/bitpay/pairing-codes/:code/approve': async () => {
    const requested = await call('POST', '/tokens', { body: { id: newIdentity().sin, facade: 'pos' } })
    return { path: `/v1/bitpay/pairing-codes/${requested.json.data[0].pairingCode}/approve` }
  },
  'GET /v1/bitpay/tokens': () => ({ path: '/v1/bitpay/tokens' }),
  'DELETE /v1/bitpay/tokens/:token': async (w) => ({ path: `/v1/bitpay/tokens/${(await made('POST', '/v1/bitpay/pairing-codes', w.setupKey, { facade: 'pos' })).data.token}` }),
  'POST /v1/bills': () => ({ path: '/v1/bills', body: BILL }),
  'GET /v1/bills': () => ({ path: '/v1/bills?status=draft' }),
  'GET /v1/bills/:id': async (w) => ({ path: `/v1/bills/${await newBill(w)}` }),
  'PATCH /v1/bills/:id': async (w) => ({ path: `/v1/bills/${await newBill(w)}`, body: { name: 'Jane Roe' } }),
  'POST /v1/bills/:id/deliveries': async (w) => ({ path: `/v1/bills/${await newBill(w)}/deliveries` }),
  'POST /v1/subscriptions': () => ({ path: '/v1/subscriptions', body: SUBSCRIPTION }),
  'GET /v1/subscriptions': () => ({ path: '/v1/subscriptions' }),
  'GET /v1/subscriptions/:id': async (w) => ({ path: `/v1/subscriptions/${await newSubscription(w)}` }),
  'PATCH /v1/subscriptions/:id': async (w) => ({ path: `/v1/subscriptions/${await newSubscription(w)}`, body: { status: 'cancelled' } }),
  'GET /v1/balances': () => ({ path: '/v1/balances' }),
  'GET /v1/ledger': () => ({ path: '/v1/ledger?limit=5' }),
  'GET /v1/settlements': () => ({ path: '/v1/settlements' }),
  // The world's simulated order completed, so closing the period yields a settlement.
  'GET /v1/settlements/:id': async (w) => ({ path: `/v1/settlements/${(await made('POST', '/v1/sandbox/settlements/close', w.setupKey)).data[0].id}` }),
  'POST /v1/sandbox/settlements/close': () => ({ path: '/v1/sandbox/settlements/close' }),
  'POST /v1/payout-wallets': () => ({ path: '/v1/payout-wallets', body: { chain_id: 31337, private_key: payoutKey() } }),
  'GET /v1/payout-wallets': () => ({ path: '/v1/payout-wallets' }),
  'DELETE /v1/payout-wallets/:id': async (w) => ({ path: `/v1/payout-wallets/${await newPayoutWallet(w)}` }),
  'POST /v1/recipients': () => ({ path: '/v1/recipients', body: { recipients: [{ email: `walk${randomHex(4)}@example.com` }] } }),
  'GET /v1/recipients': () => ({ path: '/v1/recipients' }),
  'GET /v1/recipients/:id': async (w) => ({ path: `/v1/recipients/${await newRecipient(w)}` }),
  'PATCH /v1/recipients/:id': async (w) => ({ path: `/v1/recipients/${await newRecipient(w)}`, body: { label: 'walk' } }),
  'DELETE /v1/recipients/:id': async (w) => ({ path: `/v1/recipients/${await newRecipient(w)}` }),
  'POST /v1/sandbox/recipients/:id/activate': async (w) => ({ path: `/v1/sandbox/recipients/${await newRecipient(w)}/activate`, body: { address: address() } }),
  'POST /v1/payouts': async (w) => {
    await newPayoutWallet(w)
    return { path: '/v1/payouts', body: { amount: '1', recipient_id: await activeRecipient(w), effective_date: '2100-01-01T00:00:00Z' } }
  },
  'GET /v1/payouts': () => ({ path: '/v1/payouts' }),
  'GET /v1/payouts/:id': async (w) => ({ path: `/v1/payouts/${await newPayout(w)}` }),
  'POST /v1/payouts/:id/cancel': async (w) => ({ path: `/v1/payouts/${await newPayout(w)}/cancel` }),
  'POST /v1/payout-groups': async (w) => {
    await newPayoutWallet(w)
    return { path: '/v1/payout-groups', body: { instructions: [{ amount: '1', recipient_id: await activeRecipient(w), effective_date: '2100-01-01T00:00:00Z' }] } }
  },
  'GET /v1/payout-groups/:id': async (w) => ({ path: `/v1/payout-groups/${await newPayoutGroup(w)}` }),
  'DELETE /v1/payout-groups/:id': async (w) => ({ path: `/v1/payout-groups/${await newPayoutGroup(w)}` }),
  'POST /api/v1/payments/links': (w) => ({ path: LINKS, body: linkBody(w.m) }),
  'GET /api/v1/payments/links': () => ({ path: `${LINKS}?page=1&page_size=5` }),
  'GET /api/v1/payments/links/:payment_id': async (w) => ({ path: `${LINKS}/${(await made('POST', LINKS, w.setupKey, linkBody(w.m))).id}` }),
  'PATCH /api/v1/payments/links/:id': async (w) => ({ path: `${LINKS}/${(await made('POST', LINKS, w.setupKey, linkBody(w.m))).id}`, body: { status: 'inactive' } }),
  'POST /api/payment-orders': () => ({ path: '/api/payment-orders/', body: { amount: '5', currency: 'USDC', blockchain: 'base', nonce: nonce++ } }),
  'GET /api/payment-orders': () => ({ path: '/api/payment-orders/?page_size=2' }),
  'GET /api/payment-orders/:id': (w) => ({ path: `/api/payment-orders/${w.orderId}/` }),
  'GET /api/transactions': () => ({ path: '/api/transactions/' }),
  'GET /api/transactions/:hash': (w) => ({ path: `/api/transactions/${w.txHash}/` }),
  'GET /api/merchant-wallets': () => ({ path: '/api/merchant-wallets/' }),
  'POST /api/merchant-wallets': () => ({ path: '/api/merchant-wallets/', body: { blockchain: 'arbitrum', address: address() } }),
  'PUT /api/merchant-wallets/:id': (w) => ({ path: `/api/merchant-wallets/${w.m.walletId}/`, body: { label: 'renamed' } }),
  'GET /api/webhook-endpoints': () => ({ path: '/api/webhook-endpoints/' }),
  'POST /api/webhook-endpoints': () => ({ path: '/api/webhook-endpoints/', body: { url: receiverUrl().url, events: ['payment.completed'] } }),
  'PUT /api/webhook-endpoints/:id': async (w) => ({ path: `/api/webhook-endpoints/${await newEndpoint(w)}/`, body: { is_active: false } }),
}

/** The code and field of an error in the surface's shape (payment links carry the status, not a code). */
function refusal(surface: Surface, json: any): { code: unknown; field: unknown } { // eslint-disable-line @typescript-eslint/no-explicit-any -- three error shapes
  if (surface === 'links') return { code: json?.error, field: json?.message }
  if (surface === 'cryptopay') return { code: json?.error?.code, field: Object.keys(json?.error?.details ?? {})[0] }
  return { code: json?.error?.code, field: json?.error?.field }
}
const expected = (surface: Surface, code: string, field: string, message: RegExp) =>
  surface === 'links' ? { code: 'unauthorized', field: expect.stringMatching(message) } : { code, field }

describe('merchant-key routes, enumerated from the app', () => {
  it('finds the routes of every merchant surface (v1, pairing, links, CryptoPay) and a fixture for each', () => {
    for (const prefix of ['POST /v1/payments', 'GET /v1/bitpay/', 'POST /api/v1/payments/links', 'POST /api/merchant-wallets']) {
      expect(keyRoutes.some((r) => r.startsWith(prefix)), prefix).toBe(true)
    }
    expect(keyRoutes.filter((r) => !FIXTURES[r]), 'merchant-key routes without a fixture: add one to FIXTURES').toEqual([])
    expect(Object.keys(FIXTURES).filter((r) => !keyRoutes.includes(r)), 'fixtures for routes that are gone').toEqual([])
  })

  it('excludes only BitPay, public, login and operator routes, by the rule', () => {
    const excluded = allRoutes.filter((r) => !keyRoutes.includes(r) && !r.endsWith('*'))
    const reasons = new Set(excluded.map((r) => notAKeyRoute(...(r.split(' ') as [string, string]))))
    expect([...reasons].sort()).toEqual(['BitPay token auth', 'login', 'operator (ADMIN_TOKEN)', 'public'])
    expect(excluded).toContain('POST /v1/merchants')
    expect(excluded).not.toContain('GET /v1/payments')
  })
})

describe.each(keyRoutes)('%s with a signed-only key', (route) => {
  const [method = '', pattern = ''] = route.split(' ')
  const surface = surfaceOf(pattern)
  let w: World
  let strict: Awaited<ReturnType<typeof signedOnlyKey>>

  beforeAll(async () => {
    const m = await merchantWithWallet()
    await made('POST', '/v1/wallets', m.testKey, { chain_id: 8453, xpub: randomXpub() })
    const paymentId = (await made('POST', '/v1/payments', m.testKey, { amount: '5', currency: 'USD' })).data.id
    const orderId = (await made('POST', '/api/payment-orders/', m.testKey, { amount: '5', currency: 'USDC', blockchain: 'base', nonce: 1 })).data.id
    await made('POST', `/v1/sandbox/payments/${orderId}/simulate`, m.testKey, {})
    const txHash = (await made('GET', `/api/transactions/?order=${orderId}`, m.testKey)).data.results[0].hash
    w = { m, setupKey: m.testKey, paymentId, orderId, txHash }
    strict = await signedOnlyKey(m.testKey)
  })

  it('refuses it unsigned and forged, serves it signed, and refuses the replay', async () => {
    const fixture = FIXTURES[route]
    if (!fixture) throw new Error(`no fixture for ${route}: add one to FIXTURES in this file`)
    const { path, body } = await fixture(w)
    const payload = body === undefined ? '' : JSON.stringify(body)

    const unsigned = await callRaw(method, path, strict.key, payload)
    expect(unsigned.status, `unsigned ${method} ${path}: ${unsigned.text}`).toBe(401)
    expect(refusal(surface, unsigned.json)).toEqual(expected(surface, 'INVALID_SIGNATURE', 'X-Signature', /X-Signature/))

    const forged = await callRaw(method, path, strict.key, payload, signatureHeaders(`sig_${randomHex(32)}`, method, path, payload))
    expect(forged.status, `forged ${method} ${path}: ${forged.text}`).toBe(401)
    expect(refusal(surface, forged.json)).toEqual(expected(surface, 'INVALID_SIGNATURE', 'X-Signature', /does not match/))

    const headers = signatureHeaders(strict.secret, method, path, payload)
    const signed = await callRaw(method, path, strict.key, payload, headers)
    expect(signed.status, `signed ${method} ${path}: ${signed.text}`).toBeGreaterThanOrEqual(200)
    expect(signed.status, `signed ${method} ${path}: ${signed.text}`).toBeLessThan(300)

    const replayed = await callRaw(method, path, strict.key, payload, headers)
    expect(replayed.status, `replayed ${method} ${path}: ${replayed.text}`).toBe(401)
    expect(refusal(surface, replayed.json)).toEqual(expected(surface, 'SIGNATURE_REPLAYED', 'X-Signature', /already used/))
  })
})
