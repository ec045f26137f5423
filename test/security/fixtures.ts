import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { randomHex } from '../../src/auth/crypto'
import { call, type merchantWithWallet, type merchantWithWallets, randomXpub, type TestMerchant } from '../helpers/api'
import { newIdentity, pairToken } from '../helpers/bitpay'
import { linkBody, LINKS } from '../helpers/links'
import { receiverUrl } from '../helpers/receiver'
import {
  type BitPayCredentials,
  type BitPayParties,
  type BitPayParty,
  type BitPayRequest,
  bitpayCall,
  type KeyRequest,
  type PageRequest,
} from '../helpers/security'

/**
 * The fixtures of the security suite and the conformance test: one request per route of the app, with
 * real resources made for it (fresh ones per call where the request changes them), so that the right
 * credentials get a 2xx. A route without a fixture here fails both.
 */
export interface World {
  m: Awaited<ReturnType<typeof merchantWithWallet>>
  /** An ordinary key of the merchant (same mode), for setting things up. */
  setupKey: string
  paymentId: string
  orderId: string
  txHash: string
}

let nonce = 1000
const address = () => `0x${randomHex(20)}`
type Fixture = (w: World) => Promise<KeyRequest> | KeyRequest

export async function made(method: string, path: string, key: string, body?: unknown) {
  const res = await call(method, path, { key, body })
  if (res.status >= 300) throw new Error(`fixture setup ${method} ${path} failed: ${res.status} ${res.text}`)
  return res.json
}
const newPayment = async (w: World) =>
  (await made('POST', '/v1/payments', w.setupKey, { amount: '5', currency: 'USD' })).data.id as string
const newOrder = async (w: World) =>
  (
    await made('POST', '/api/payment-orders/', w.setupKey, {
      amount: '5',
      currency: 'USDC',
      blockchain: 'base',
      nonce: nonce++,
    })
  ).data.id as string
const newEndpoint = async (w: World) =>
  (
    await made('POST', '/v1/webhook-endpoints', w.setupKey, {
      url: receiverUrl().url,
      enabled_events: ['payment.completed'],
    })
  ).data.id as string
const newUser = async (w: World) =>
  (
    await made('POST', '/v1/users', w.setupKey, {
      username: `u${randomHex(4)}`,
      password: 'correct horse battery staple',
    })
  ).data.id as string
export const BILL = {
  number: 'WALK-1',
  currency: 'USD',
  email: 'buyer@example.com',
  items: [{ description: 'Design', price: '6.00', quantity: 1 }],
}
const SUBSCRIPTION = {
  bill_data: { currency: 'USD', email: 'buyer@example.com', items: [{ price: '10', quantity: 1 }] },
  schedule: 'monthly',
  status: 'active',
}
const newBill = async (w: World) => (await made('POST', '/v1/bills', w.setupKey, BILL)).data.id as string
const newSubscription = async (w: World) =>
  (await made('POST', '/v1/subscriptions', w.setupKey, SUBSCRIPTION)).data.id as string
const payoutKey = () => `0x${randomHex(32)}`
const newPayoutWallet = async (w: World) =>
  (await made('POST', '/v1/payout-wallets', w.setupKey, { chain_id: 31337, private_key: payoutKey() })).data
    .id as string
const newRecipient = async (w: World) =>
  (await made('POST', '/v1/recipients', w.setupKey, { recipients: [{ email: `walk${randomHex(4)}@example.com` }] }))
    .data[0].id as string
const activeRecipient = async (w: World) => {
  const id = await newRecipient(w)
  await made('POST', `/v1/sandbox/recipients/${id}/activate`, w.setupKey, { address: address() })
  return id
}
const newPayout = async (w: World) => {
  await newPayoutWallet(w)
  return (
    await made('POST', '/v1/payouts', w.setupKey, {
      amount: '1',
      recipient_id: await activeRecipient(w),
      effective_date: '2100-01-01T00:00:00Z',
    })
  ).data.id as string
}
const newGroup = async (w: World) => {
  await newPayoutWallet(w)
  return (
    await made('POST', '/v1/payout-groups', w.setupKey, {
      instructions: [{ amount: '1', recipient_id: await activeRecipient(w), effective_date: '2100-01-01T00:00:00Z' }],
    })
  ).data.id as string
}
const eventId = async (w: World) =>
  (await made('GET', `/v1/payments/${w.paymentId}/events`, w.setupKey)).data[0].id as string

/** One request per route that a correctly signed call answers with 2xx. Keep it small. */
export const FIXTURES: Record<string, Fixture> = {
  'GET /v1/api-keys': () => ({ path: '/v1/api-keys' }),
  'POST /v1/api-keys': () => ({ path: '/v1/api-keys', body: { name: 'walk' } }),
  'DELETE /v1/api-keys/:id': async (w) => ({
    path: `/v1/api-keys/${(await made('POST', '/v1/api-keys', w.setupKey, { name: 'doomed' })).data.id}`,
  }),
  'POST /v1/payments': () => ({ path: '/v1/payments', body: { amount: '5', currency: 'USD' } }),
  'GET /v1/payments': () => ({ path: '/v1/payments?limit=5' }),
  'GET /v1/payments/:id': (w) => ({ path: `/v1/payments/${w.paymentId}` }),
  'POST /v1/payments/:id/cancel': async (w) => ({ path: `/v1/payments/${await newPayment(w)}/cancel` }),
  'GET /v1/payments/:id/events': (w) => ({ path: `/v1/payments/${w.paymentId}/events` }),
  'POST /v1/sandbox/payments/:id/simulate': async (w) => ({
    path: `/v1/sandbox/payments/${await newOrder(w)}/simulate`,
    body: {},
  }),
  'POST /v1/wallets': () => ({ path: '/v1/wallets', body: { chain_id: 137, address: address() } }),
  'GET /v1/wallets': () => ({ path: '/v1/wallets' }),
  'GET /v1/wallets/:id': (w) => ({ path: `/v1/wallets/${w.m.walletId}` }),
  'GET /v1/wallets/:id/balance': (w) => ({ path: `/v1/wallets/${w.m.walletId}/balance` }),
  'GET /v1/wallets/:id/transactions': (w) => ({ path: `/v1/wallets/${w.m.walletId}/transactions` }),
  'POST /v1/webhook-endpoints': () => ({
    path: '/v1/webhook-endpoints',
    body: { url: receiverUrl().url, enabled_events: ['payment.completed'] },
  }),
  'GET /v1/webhook-endpoints': () => ({ path: '/v1/webhook-endpoints' }),
  'GET /v1/webhook-endpoints/:id': async (w) => ({ path: `/v1/webhook-endpoints/${await newEndpoint(w)}` }),
  'PATCH /v1/webhook-endpoints/:id': async (w) => ({
    path: `/v1/webhook-endpoints/${await newEndpoint(w)}`,
    body: { description: 'renamed' },
  }),
  'DELETE /v1/webhook-endpoints/:id': async (w) => ({ path: `/v1/webhook-endpoints/${await newEndpoint(w)}` }),
  'POST /v1/webhook-endpoints/:id/rotate-secret': async (w) => ({
    path: `/v1/webhook-endpoints/${await newEndpoint(w)}/rotate-secret`,
  }),
  'POST /v1/webhook-endpoints/:id/test': async (w) => ({ path: `/v1/webhook-endpoints/${await newEndpoint(w)}/test` }),
  'GET /v1/webhook-endpoints/:id/deliveries': async (w) => ({
    path: `/v1/webhook-endpoints/${await newEndpoint(w)}/deliveries`,
  }),
  'GET /v1/events/:id': async (w) => ({ path: `/v1/events/${await eventId(w)}` }),
  'POST /v1/events/:id/resend': async (w) => ({ path: `/v1/events/${await eventId(w)}/resend` }),
  'POST /v1/users': () => ({
    path: '/v1/users',
    body: { username: `walk${randomHex(4)}`, password: 'correct horse battery staple' },
  }),
  'GET /v1/users': () => ({ path: '/v1/users' }),
  'POST /v1/users/:id/password': async (w) => ({
    path: `/v1/users/${await newUser(w)}/password`,
    body: { password: 'another long passphrase' },
  }),
  'DELETE /v1/users/:id': async (w) => ({ path: `/v1/users/${await newUser(w)}` }),
  'POST /v1/bitpay/pairing-codes': () => ({ path: '/v1/bitpay/pairing-codes', body: { facade: 'pos' } }),
  // A client's pending code belongs to no merchant until one approves it.
  'POST /v1/bitpay/pairing-codes/:code/approve': async () => {
    const requested = await call('POST', '/tokens', { body: { id: newIdentity().sin, facade: 'pos' } })
    return { path: `/v1/bitpay/pairing-codes/${requested.json.data[0].pairingCode}/approve`, owned: false }
  },
  'GET /v1/bitpay/tokens': () => ({ path: '/v1/bitpay/tokens' }),
  'DELETE /v1/bitpay/tokens/:token': async (w) => ({
    path: `/v1/bitpay/tokens/${(await made('POST', '/v1/bitpay/pairing-codes', w.setupKey, { facade: 'pos' })).data.token}`,
  }),
  'POST /v1/bills': () => ({ path: '/v1/bills', body: BILL }),
  'GET /v1/bills': () => ({ path: '/v1/bills?status=draft' }),
  'GET /v1/bills/:id': async (w) => ({ path: `/v1/bills/${await newBill(w)}` }),
  'PATCH /v1/bills/:id': async (w) => ({ path: `/v1/bills/${await newBill(w)}`, body: { name: 'Jane Roe' } }),
  'POST /v1/bills/:id/deliveries': async (w) => ({ path: `/v1/bills/${await newBill(w)}/deliveries` }),
  'POST /v1/subscriptions': () => ({ path: '/v1/subscriptions', body: SUBSCRIPTION }),
  'GET /v1/subscriptions': () => ({ path: '/v1/subscriptions' }),
  'GET /v1/subscriptions/:id': async (w) => ({ path: `/v1/subscriptions/${await newSubscription(w)}` }),
  'PATCH /v1/subscriptions/:id': async (w) => ({
    path: `/v1/subscriptions/${await newSubscription(w)}`,
    body: { status: 'cancelled' },
  }),
  'GET /v1/balances': () => ({ path: '/v1/balances' }),
  'GET /v1/ledger': () => ({ path: '/v1/ledger?limit=5' }),
  'GET /v1/settlements': () => ({ path: '/v1/settlements' }),
  // The world's simulated order completed, so closing the period yields a settlement.
  'GET /v1/settlements/:id': async (w) => ({
    path: `/v1/settlements/${(await made('POST', '/v1/sandbox/settlements/close', w.setupKey)).data[0].id}`,
  }),
  'POST /v1/sandbox/settlements/close': () => ({ path: '/v1/sandbox/settlements/close' }),
  'POST /v1/payout-wallets': () => ({
    path: '/v1/payout-wallets',
    body: { chain_id: 31337, private_key: payoutKey() },
  }),
  'GET /v1/payout-wallets': () => ({ path: '/v1/payout-wallets' }),
  'DELETE /v1/payout-wallets/:id': async (w) => ({ path: `/v1/payout-wallets/${await newPayoutWallet(w)}` }),
  'POST /v1/recipients': () => ({
    path: '/v1/recipients',
    body: { recipients: [{ email: `walk${randomHex(4)}@example.com` }] },
  }),
  'GET /v1/recipients': () => ({ path: '/v1/recipients' }),
  'GET /v1/recipients/:id': async (w) => ({ path: `/v1/recipients/${await newRecipient(w)}` }),
  'PATCH /v1/recipients/:id': async (w) => ({
    path: `/v1/recipients/${await newRecipient(w)}`,
    body: { label: 'walk' },
  }),
  'DELETE /v1/recipients/:id': async (w) => ({ path: `/v1/recipients/${await newRecipient(w)}` }),
  'POST /v1/sandbox/recipients/:id/activate': async (w) => ({
    path: `/v1/sandbox/recipients/${await newRecipient(w)}/activate`,
    body: { address: address() },
  }),
  'POST /v1/payouts': async (w) => {
    await newPayoutWallet(w)
    return {
      path: '/v1/payouts',
      body: { amount: '1', recipient_id: await activeRecipient(w), effective_date: '2100-01-01T00:00:00Z' },
      owned: true,
    }
  },
  'GET /v1/payouts': () => ({ path: '/v1/payouts' }),
  'GET /v1/payouts/:id': async (w) => ({ path: `/v1/payouts/${await newPayout(w)}` }),
  'POST /v1/payouts/:id/cancel': async (w) => ({ path: `/v1/payouts/${await newPayout(w)}/cancel` }),
  // A group is created even when every instruction fails, so another merchant's key gets 201 (no 404).
  'POST /v1/payout-groups': async (w) => {
    await newPayoutWallet(w)
    return {
      path: '/v1/payout-groups',
      body: {
        instructions: [{ amount: '1', recipient_id: await activeRecipient(w), effective_date: '2100-01-01T00:00:00Z' }],
      },
    }
  },
  'GET /v1/payout-groups/:id': async (w) => ({ path: `/v1/payout-groups/${await newGroup(w)}` }),
  'DELETE /v1/payout-groups/:id': async (w) => ({ path: `/v1/payout-groups/${await newGroup(w)}` }),
  'POST /api/v1/payments/links': (w) => ({ path: LINKS, body: linkBody(w.m) }),
  'GET /api/v1/payments/links': () => ({ path: `${LINKS}?page=1&page_size=5` }),
  'GET /api/v1/payments/links/:payment_id': async (w) => ({
    path: `${LINKS}/${(await made('POST', LINKS, w.setupKey, linkBody(w.m))).id}`,
  }),
  'PATCH /api/v1/payments/links/:id': async (w) => ({
    path: `${LINKS}/${(await made('POST', LINKS, w.setupKey, linkBody(w.m))).id}`,
    body: { status: 'inactive' },
  }),
  'POST /api/payment-orders': () => ({
    path: '/api/payment-orders/',
    body: { amount: '5', currency: 'USDC', blockchain: 'base', nonce: nonce++ },
  }),
  'GET /api/payment-orders': () => ({ path: '/api/payment-orders/?page_size=2' }),
  'GET /api/payment-orders/:id': (w) => ({ path: `/api/payment-orders/${w.orderId}/` }),
  'GET /api/transactions': () => ({ path: '/api/transactions/' }),
  'GET /api/transactions/:hash': (w) => ({ path: `/api/transactions/${w.txHash}/` }),
  'GET /api/merchant-wallets': () => ({ path: '/api/merchant-wallets/' }),
  'POST /api/merchant-wallets': () => ({
    path: '/api/merchant-wallets/',
    body: { blockchain: 'arbitrum', address: address() },
  }),
  'PUT /api/merchant-wallets/:id': (w) => ({
    path: `/api/merchant-wallets/${w.m.walletId}/`,
    body: { label: 'renamed' },
  }),
  'GET /api/webhook-endpoints': () => ({ path: '/api/webhook-endpoints/' }),
  'POST /api/webhook-endpoints': () => ({
    path: '/api/webhook-endpoints/',
    body: { url: receiverUrl().url, events: ['payment.completed'] },
  }),
  'PUT /api/webhook-endpoints/:id': async (w) => ({
    path: `/api/webhook-endpoints/${await newEndpoint(w)}/`,
    body: { is_active: false },
  }),
}

// ---- BitPay ----

export interface BitPayWorld extends BitPayCredentials {
  m: Awaited<ReturnType<typeof merchantWithWallets>>
}

const sign = (w: BitPayWorld, method: string, path: string, body?: Record<string, unknown>) =>
  bitpayCall(method, path, body, w.merchant.identity)
async function bp(w: BitPayWorld, method: string, path: string, body?: Record<string, unknown>) {
  const withToken =
    method === 'POST' || method === 'PUT'
      ? { body: { token: w.merchant.token, ...body }, path }
      : { body, path: `${path}${path.includes('?') ? '&' : '?'}token=${w.merchant.token}` }
  const res = await sign(w, method, withToken.path, withToken.body)
  if (res.status >= 300) throw new Error(`fixture setup ${method} ${path} failed: ${res.status} ${res.text}`)
  return res.json.data
}
const newInvoice = (w: BitPayWorld) =>
  bp(w, 'POST', '/invoices', { price: 10, currency: 'USD', guid: `g-${randomHex(6)}` })
const paidInvoice = async (w: BitPayWorld) => {
  const invoice = await newInvoice(w)
  await bp(w, 'PUT', `/invoices/pay/${invoice.id}`, { status: 'complete' })
  return invoice
}
const newRefund = async (w: BitPayWorld) =>
  bp(w, 'POST', '/refunds', {
    invoiceId: (await paidInvoice(w)).id,
    amount: 1,
    preview: true,
    guid: `r-${randomHex(6)}`,
  })
const BITPAY_BILL = {
  number: 'b-1',
  currency: 'USD',
  email: 'buyer@example.com',
  items: [{ price: 6, quantity: 1, description: 'Design' }],
}
const newBitPayBill = (w: BitPayWorld) => bp(w, 'POST', '/bills', BITPAY_BILL)
const BILL_DATA = {
  currency: 'USD',
  email: 'buyer@example.com',
  items: [{ price: 10, quantity: 1, description: 'Plan' }],
}
const newBitPaySubscription = (w: BitPayWorld) =>
  bp(w, 'POST', '/subscriptions', { billData: BILL_DATA, schedule: 'monthly' })
const newSettlement = async (w: BitPayWorld) => {
  await paidInvoice(w)
  const closed = await made('POST', '/v1/sandbox/settlements/close', w.m.testKey)
  return bp(w, 'GET', `/settlements/${closed.data[0].id}`)
}

/** A payout-facade call signed with the world's payout token (in the body for POST/PUT, else the query). */
async function bpPayout(w: BitPayWorld, method: string, path: string, body?: Record<string, unknown>) {
  const token = w.payout.token
  const r =
    method === 'POST' || method === 'PUT'
      ? { body: { token, ...body }, path }
      : { body, path: `${path}${path.includes('?') ? '&' : '?'}token=${token}` }
  const res = await bitpayCall(method, r.path, r.body, w.payout.identity)
  if (res.status >= 300) throw new Error(`fixture setup ${method} ${path} failed: ${res.status} ${res.text}`)
  return res.json
}
const newBitPayRecipient = async (w: BitPayWorld) =>
  (await bpPayout(w, 'POST', '/recipients', { recipients: [{ email: `bp${randomHex(4)}@example.com` }] })).data[0]
    .id as string
const activeBitPayRecipient = async (w: BitPayWorld) => {
  const id = await newBitPayRecipient(w)
  await made('POST', `/v1/sandbox/recipients/${id}/activate`, w.m.testKey, { address: address() })
  return id
}
/** A payout instruction to a fresh active recipient, after making sure the merchant has a test payout wallet. */
const payoutInstruction = async (w: BitPayWorld) => {
  await made('POST', '/v1/payout-wallets', w.m.testKey, { chain_id: 31337, private_key: payoutKey() })
  return { currency: 'USDC', amount: 1, recipientId: await activeBitPayRecipient(w), effectiveDate: '2100-01-01' }
}
const newBitPayPayout = async (w: BitPayWorld) =>
  (await bpPayout(w, 'POST', '/payouts', await payoutInstruction(w))).data.id as string
const newBitPayGroup = async (w: BitPayWorld) =>
  (await bpPayout(w, 'POST', '/payouts/group', { instructions: [await payoutInstruction(w)] })).created[0]
    .groupId as string

type BitPayFixture = (w: BitPayWorld) => Promise<BitPayRequest> | BitPayRequest

/** One request per BitPay route (without its token: the suite puts in each token it tries) and how the route is authorised. */
export const BITPAY_FIXTURES: Record<string, BitPayFixture> = {
  'POST /tokens': () => ({ path: '/tokens', body: { id: newIdentity().sin, facade: 'pos' }, auth: 'public' }),
  'GET /tokens': () => ({ path: '/tokens', auth: 'identity' }),
  'GET /tokens/:token/sins': () => ({ path: '/tokens/:token/sins', auth: 'merchant+payout' }),
  'POST /tokens/:token/sins': () => ({
    path: '/tokens/:token/sins',
    body: { sin: newIdentity().sin },
    auth: 'merchant+payout',
  }),
  'DELETE /tokens/:token/sins/:sin': async (w) => {
    const sin = newIdentity().sin
    await sign(w, 'POST', `/tokens/${w.merchant.token}/sins`, { sin })
    return { path: `/tokens/:token/sins/${sin}`, auth: 'merchant+payout', owned: false }
  },
  'GET /ledgers': () => ({ path: '/ledgers', auth: 'merchant' }),
  // A currency is not a resource: another merchant sees its own (empty) ledger.
  'GET /ledgers/:currency': () => ({ path: '/ledgers/USD', auth: 'merchant', owned: false }),
  'GET /settlements': () => ({ path: '/settlements', auth: 'merchant' }),
  'GET /settlements/:id': async (w) => ({ path: `/settlements/${(await newSettlement(w)).id}`, auth: 'merchant' }),
  'GET /settlements/:id/reconciliationReport': async (w) => {
    const settlement = await newSettlement(w)
    return {
      path: `/settlements/${settlement.id}/reconciliationReport`,
      auth: 'resource',
      resourceToken: settlement.token,
    }
  },
  'POST /sessions': () => ({ path: '/sessions', auth: 'public' }),
  'POST /invoices': () => ({ path: '/invoices', body: { price: 10, currency: 'USD' }, auth: 'merchant+pos' }),
  'GET /invoices': () => ({ path: '/invoices?limit=5', auth: 'merchant' }),
  'GET /invoices/guid/:guid': async (w) => ({
    path: `/invoices/guid/${(await newInvoice(w)).guid}`,
    auth: 'merchant+pos',
  }),
  'GET /invoices/:id/events': async (w) => ({ path: `/invoices/${(await newInvoice(w)).id}/events`, auth: 'merchant' }),
  'GET /invoices/:id': async (w) => ({ path: `/invoices/${(await newInvoice(w)).id}`, auth: 'merchant+pos' }),
  'PUT /invoices/pay/:id': async (w) => ({
    path: `/invoices/pay/${(await newInvoice(w)).id}`,
    body: { status: 'complete' },
    auth: 'merchant',
    testOnly: true,
  }),
  'PUT /invoices/:id': async (w) => ({
    path: `/invoices/${(await newInvoice(w)).id}`,
    body: { buyerEmail: 'buyer@example.com' },
    auth: 'merchant',
  }),
  'DELETE /invoices/guid/:guid': async (w) => ({
    path: `/invoices/guid/${(await newInvoice(w)).guid}`,
    auth: 'merchant',
  }),
  'DELETE /invoices/:id': async (w) => ({ path: `/invoices/${(await newInvoice(w)).id}`, auth: 'merchant' }),
  'POST /invoices/:id/notifications': async (w) => {
    const invoice = await newInvoice(w)
    return {
      path: `/invoices/${invoice.id}/notifications`,
      auth: 'resource',
      resourceToken: invoice.token,
      signed: false,
    }
  },
  // The body names an invoice of the merchant, so another merchant's or mode's token must not find it.
  'POST /refunds': async (w) => ({
    path: '/refunds',
    body: { invoiceId: (await paidInvoice(w)).id, amount: 1 },
    auth: 'merchant',
    owned: true,
  }),
  'GET /refunds': async (w) => ({
    path: `/refunds?invoiceId=${(await paidInvoice(w)).id}`,
    auth: 'merchant',
    owned: true,
  }),
  'GET /refunds/guid/:guid': async (w) => ({ path: `/refunds/guid/${(await newRefund(w)).guid}`, auth: 'merchant' }),
  'GET /refunds/:id': async (w) => ({ path: `/refunds/${(await newRefund(w)).id}`, auth: 'merchant' }),
  'PUT /refunds/guid/:guid': async (w) => ({
    path: `/refunds/guid/${(await newRefund(w)).guid}`,
    body: { status: 'created' },
    auth: 'merchant',
  }),
  'PUT /refunds/:id': async (w) => ({
    path: `/refunds/${(await newRefund(w)).id}`,
    body: { status: 'created' },
    auth: 'merchant',
  }),
  'DELETE /refunds/guid/:guid': async (w) => ({ path: `/refunds/guid/${(await newRefund(w)).guid}`, auth: 'merchant' }),
  'DELETE /refunds/:id': async (w) => ({ path: `/refunds/${(await newRefund(w)).id}`, auth: 'merchant' }),
  'POST /refunds/:id/notifications': async (w) => {
    const refund = await newRefund(w)
    return { path: `/refunds/${refund.id}/notifications`, auth: 'resource', resourceToken: refund.token, signed: false }
  },
  'POST /bills': () => ({ path: '/bills', body: BITPAY_BILL, auth: 'merchant+pos' }),
  'GET /bills': () => ({ path: '/bills', auth: 'merchant' }),
  'GET /bills/:id': async (w) => ({ path: `/bills/${(await newBitPayBill(w)).id}`, auth: 'merchant+pos' }),
  'PUT /bills/:id': async (w) => {
    const bill = await newBitPayBill(w)
    return {
      path: `/bills/${bill.id}`,
      body: { ...BITPAY_BILL, name: 'Jane Roe' },
      auth: 'resource',
      resourceToken: bill.token,
    }
  },
  'POST /bills/:id/deliveries': async (w) => {
    const bill = await newBitPayBill(w)
    return { path: `/bills/${bill.id}/deliveries`, auth: 'resource', resourceToken: bill.token, signed: false }
  },
  'POST /subscriptions': () => ({
    path: '/subscriptions',
    body: { billData: BILL_DATA, schedule: 'monthly' },
    auth: 'merchant',
  }),
  'GET /subscriptions': () => ({ path: '/subscriptions', auth: 'merchant' }),
  'GET /subscriptions/:id': async (w) => ({
    path: `/subscriptions/${(await newBitPaySubscription(w)).id}`,
    auth: 'merchant',
  }),
  'PUT /subscriptions/:id': async (w) => {
    const sub = await newBitPaySubscription(w)
    return { path: `/subscriptions/${sub.id}`, body: { status: 'active' }, auth: 'resource', resourceToken: sub.token }
  },
  'POST /recipients': () => ({
    path: '/recipients',
    body: { recipients: [{ email: `bp${randomHex(4)}@example.com` }] },
    auth: 'payout',
  }),
  'GET /recipients': () => ({ path: '/recipients', auth: 'payout' }),
  'GET /recipients/:id': async (w) => ({ path: `/recipients/${await newBitPayRecipient(w)}`, auth: 'payout' }),
  'PUT /recipients/:id': async (w) => ({
    path: `/recipients/${await newBitPayRecipient(w)}`,
    body: { label: 'walk' },
    auth: 'payout',
  }),
  'DELETE /recipients/:id': async (w) => ({ path: `/recipients/${await newBitPayRecipient(w)}`, auth: 'payout' }),
  'POST /recipients/:id/notifications': async (w) => ({
    path: `/recipients/${await newBitPayRecipient(w)}/notifications`,
    auth: 'payout',
  }),
  // The body names a recipient of the merchant, so another merchant's or mode's token must not find it.
  'POST /payouts': async (w) => ({ path: '/payouts', body: await payoutInstruction(w), auth: 'payout', owned: true }),
  'GET /payouts': () => ({ path: '/payouts', auth: 'payout' }),
  'GET /payouts/:id': async (w) => ({ path: `/payouts/${await newBitPayPayout(w)}`, auth: 'payout' }),
  'DELETE /payouts/:id': async (w) => ({ path: `/payouts/${await newBitPayPayout(w)}`, auth: 'payout' }),
  'POST /payouts/:id/notifications': async (w) => ({
    path: `/payouts/${await newBitPayPayout(w)}/notifications`,
    auth: 'payout',
  }),
  // A group is created even when every instruction fails (they are listed in `failed`): nothing to find.
  'POST /payouts/group': async (w) => ({
    path: '/payouts/group',
    body: { instructions: [await payoutInstruction(w)] },
    auth: 'payout',
  }),
  'DELETE /payouts/group/:groupId': async (w) => ({
    path: `/payouts/group/${await newBitPayGroup(w)}`,
    auth: 'payout',
  }),
  'GET /rates': () => ({ path: '/rates', auth: 'public' }),
  'GET /rates/:base': () => ({ path: '/rates/ETH', auth: 'public' }),
  'GET /rates/:base/:currency': () => ({ path: '/rates/ETH/USD', auth: 'public' }),
  'GET /currencies': () => ({ path: '/currencies', auth: 'public' }),
  'GET /supportedwallets': () => ({ path: '/supportedwallets', auth: 'public' }),
}

// ---- operator routes, hosted pages, public routes, login ----

export const OPERATOR_FIXTURES: Record<string, (m: TestMerchant) => KeyRequest> = {
  'POST /v1/merchants': () => ({
    path: '/v1/merchants',
    body: { name: 'Walk', email: `walk${randomHex(4)}@example.com` },
  }),
  'PATCH /v1/merchants/:id': (m) => ({ path: `/v1/merchants/${m.id}`, body: { rate_limit_test: 500 } }),
}

export interface PageWorld {
  m: Awaited<ReturnType<typeof merchantWithWallet>>
  payment: { reference: string }
}
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://gateway.test' }
const inviteToken = async (w: PageWorld) => {
  const invited = await made('POST', '/v1/recipients', w.m.testKey, {
    recipients: [{ email: `page${randomHex(4)}@example.com` }],
  })
  return new URL(invited.data[0].invite_url as string).pathname.split('/').pop() ?? ''
}
const pagePayment = async (w: PageWorld) =>
  (await made('POST', '/v1/payments', w.m.testKey, { amount: '5', currency: 'USD' })).data.reference as string

/** One request per hosted-page route: the reference (or invite token) in the path is the credential. */
export const PAGE_FIXTURES: Record<string, (w: PageWorld) => Promise<PageRequest> | PageRequest> = {
  'GET /recipient/:token': async (w) => ({ path: (t) => `/recipient/${t}`, reference: await inviteToken(w) }),
  'GET /recipient/:token/challenge': async (w) => ({
    path: (t) => `/recipient/${t}/challenge?address=${privateKeyToAccount(generatePrivateKey()).address}`,
    reference: await inviteToken(w),
    json: true,
  }),
  'POST /recipient/:token/verify': async (w) => {
    const token = await inviteToken(w)
    const account = privateKeyToAccount(generatePrivateKey())
    const { message } = (await call('GET', `/recipient/${token}/challenge?address=${account.address}`)).json
    const body = JSON.stringify({ address: account.address, signature: await account.signMessage({ message }) })
    return {
      path: (t) => `/recipient/${t}/verify`,
      reference: token,
      body,
      headers: { 'Content-Type': 'application/json' },
      json: true,
    }
  },
  'GET /pay/:reference': (w) => ({ path: (r) => `/pay/${r}`, reference: w.payment.reference }),
  'GET /pay/:reference/status': (w) => ({
    path: (r) => `/pay/${r}/status`,
    reference: w.payment.reference,
    json: true,
  }),
  'POST /pay/:reference/select': (w) => ({
    path: (r) => `/pay/${r}/select`,
    reference: w.payment.reference,
    body: 'option=31337%3AETH',
    headers: FORM,
  }),
  'POST /pay/:reference/simulate': async (w) => ({
    path: (r) => `/pay/${r}/simulate`,
    reference: await pagePayment(w),
    body: 'share=full',
    headers: FORM,
  }),
  'POST /pay/:reference/cancel': async (w) => ({
    path: (r) => `/pay/${r}/cancel`,
    reference: await pagePayment(w),
    body: '',
    headers: FORM,
  }),
  'GET /link/:reference': async (w) => ({
    path: (r) => `/link/${r}`,
    reference: (await made('POST', LINKS, w.m.testKey, linkBody(w.m))).id,
  }),
  'GET /bill/:id': async (w) => ({
    path: (id) => `/bill/${id}`,
    reference: (await made('POST', '/v1/bills', w.m.testKey, BILL)).data.id,
  }),
  'POST /bill/:id/pay': async (w) => ({
    path: (id) => `/bill/${id}/pay`,
    reference: (await made('POST', '/v1/bills', w.m.testKey, BILL)).data.id,
    body: '',
    headers: FORM,
  }),
  'GET /payment_link': async (w) => ({
    path: (r) => `/payment_link?payment_id=${r}`,
    reference: (await made('POST', LINKS, w.m.testKey, linkBody(w.m))).id,
  }),
}

export const PUBLIC_FIXTURES: Record<string, string> = {
  'GET /': '/',
  'GET /docs': '/docs',
  'GET /openapi.json': '/openapi.json',
}
export const LOGIN_FIXTURES: Record<string, true> = { 'POST /api/auth/login': true }

/** A world for the merchant-key fixtures: the merchant's test wallets, a payment, a completed order and its transaction. */
export async function keyWorld(m: Awaited<ReturnType<typeof merchantWithWallet>>): Promise<World> {
  await made('POST', '/v1/wallets', m.testKey, { chain_id: 8453, xpub: randomXpub() })
  const paymentId = (await made('POST', '/v1/payments', m.testKey, { amount: '5', currency: 'USD' })).data.id
  const orderId = (
    await made('POST', '/api/payment-orders/', m.testKey, {
      amount: '5',
      currency: 'USDC',
      blockchain: 'base',
      nonce: nonce++,
    })
  ).data.id
  await made('POST', `/v1/sandbox/payments/${orderId}/simulate`, m.testKey, {})
  const txHash = (await made('GET', `/api/transactions/?order=${orderId}`, m.testKey)).data.results[0].hash
  return { m, setupKey: m.testKey, paymentId, orderId, txHash }
}

/** A freshly paired token of the facade, with its identity. */
async function paired(key: string, facade: 'merchant' | 'payout'): Promise<BitPayParty> {
  const identity = newIdentity()
  return { identity, token: await pairToken(key, identity, facade) }
}

/** A world for the BitPay fixtures: merchant, payout and pos tokens of the test mode, live merchant and payout tokens, and `otherMerchant`. */
export async function bitpayWorld(
  m: Awaited<ReturnType<typeof merchantWithWallets>>,
  otherMerchant: BitPayParties,
): Promise<BitPayWorld> {
  const pos = await pairToken(m.testKey, newIdentity(), 'pos')
  const otherMode = { merchant: await paired(m.liveKey, 'merchant'), payout: await paired(m.liveKey, 'payout') }
  return {
    m,
    merchant: await paired(m.testKey, 'merchant'),
    payout: await paired(m.testKey, 'payout'),
    pos,
    otherMerchant,
    otherMode,
  }
}

/** A merchant's paired merchant and payout tokens: the "other merchant" of the BitPay fixtures. */
export async function bitpayParty(m: TestMerchant): Promise<BitPayParties> {
  return { merchant: await paired(m.testKey, 'merchant'), payout: await paired(m.testKey, 'payout') }
}

export const pageWorld = async (m: Awaited<ReturnType<typeof merchantWithWallet>>): Promise<PageWorld> => ({
  m,
  payment: { reference: await pagePayment({ m, payment: { reference: '' } }) },
})
