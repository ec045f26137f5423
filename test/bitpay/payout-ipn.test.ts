import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { getDb } from '../../src/db/client'
import { webhookAttempts, webhookDeliveries } from '../../src/db/schema'
import { processDuePayouts } from '../../src/services/payouts/payouts'
import { call, createMerchant, eventually } from '../helpers/api'
import { newIdentity, pairToken, signedCall as signed } from '../helpers/bitpay'
import { received, receiverUrl, waitForRequests, type ReceivedRequest } from '../helpers/receiver'

const codeOf = (r: ReceivedRequest) => (JSON.parse(r.body) as { event: { code: number } }).event.code
const settle = () => new Promise((resolve) => setTimeout(resolve, 500))

/** A merchant with a test payout wallet, a payout token and its identity. */
async function payoutFacade() {
  const m = await createMerchant()
  await call('POST', '/v1/payout-wallets', {
    key: m.testKey,
    body: { chain_id: 31337, private_key: generatePrivateKey() },
  })
  const identity = newIdentity()
  const token = await pairToken(m.testKey, identity, 'payout')
  return { m, identity, token }
}

/** A BitPay-invited recipient (optionally with a notificationURL), activated in the sandbox. */
async function activeRecipient(w: Awaited<ReturnType<typeof payoutFacade>>, notificationURL: string | null = null) {
  const email = `ipn.${crypto.randomUUID().slice(0, 8)}@example.com`
  const invited = await signed(w.identity, 'POST', '/recipients', {
    recipients: [{ email, label: 'Ipn', notificationURL }],
    token: w.token,
  })
  expect(invited.status).toBe(200)
  const id = invited.json.data[0].id as string
  const activated = await call('POST', `/v1/sandbox/recipients/${id}/activate`, {
    key: w.m.testKey,
    body: { address: privateKeyToAccount(generatePrivateKey()).address },
  })
  expect(activated.json.data.status).toBe('active')
  return { id, email }
}

describe("BitPay payout IPNs to the payout's notificationURL", () => {
  it('sends 5001, 5002, 5003 as a payout goes new → funded → processing → complete: unsigned JSON, data the payout object', async () => {
    const w = await payoutFacade()
    const recipient = await activeRecipient(w)
    const r = receiverUrl()
    const created = await signed(w.identity, 'POST', '/payouts', {
      currency: 'USDC',
      amount: 5,
      ledgerCurrency: 'USDC',
      recipientId: recipient.id,
      reference: 'ipn-1',
      notificationURL: r.url,
      token: w.token,
    })
    expect(created.status, created.text).toBe(200)
    const id = created.json.data.id as string
    await processDuePayouts(env)

    const got = await waitForRequests(r.name, 3)
    await settle()
    const all = await received(r.name)
    expect(all.map(codeOf)).toEqual([5001, 5002, 5003])
    expect(all.map((x) => JSON.parse(x.body).event.name)).toEqual([
      'payout_funded',
      'payout_processing',
      'payout_completed',
    ])
    expect(all.map((x) => JSON.parse(x.body).data.status)).toEqual(['funded', 'processing', 'complete'])
    const last = got[2]
    if (!last) throw new Error('no 5003')
    expect(last.headers['content-type']).toBe('application/json')
    expect(last.headers.accept).toBe('application/json')
    expect(last.headers['x-signature']).toBeUndefined()
    expect(last.headers['webhook-signature']).toBeUndefined()
    // data is the BitPay payout object as GET /payouts/:id shows it, without a resource token.
    const view = (await signed(w.identity, 'GET', `/payouts/${id}?token=${w.token}`)).json.data
    const body = JSON.parse(last.body)
    expect(Object.keys(body)).toEqual(['event', 'data'])
    expect(body.data).toEqual(view)
    expect(body.data).toMatchObject({
      id,
      status: 'complete',
      reference: 'ipn-1',
      email: recipient.email,
      notificationURL: r.url,
      amount: 5,
      ledgerCurrency: 'USDC',
    })
    expect(body.data.token).toBeUndefined()
    expect(body.data.transactions[0].txid).toMatch(/^0x/)
  })

  it('sends 5004 for a cancelled payout and nothing for its creation', async () => {
    const w = await payoutFacade()
    const recipient = await activeRecipient(w)
    const r = receiverUrl()
    const created = await signed(w.identity, 'POST', '/payouts', {
      currency: 'USDC',
      amount: 5,
      recipientId: recipient.id,
      effectiveDate: '2100-01-01',
      notificationURL: r.url,
      token: w.token,
    })
    const id = created.json.data.id as string
    expect((await signed(w.identity, 'DELETE', `/payouts/${id}?token=${w.token}`)).status).toBe(200)
    const [ipn] = await waitForRequests(r.name, 1)
    expect(JSON.parse(ipn?.body ?? '{}')).toMatchObject({
      event: { code: 5004, name: 'payout_cancelled' },
      data: { id, status: 'cancelled' },
    })
    await settle()
    expect((await received(r.name)).map(codeOf)).toEqual([5004])
  })

  it('sends 5005 on a manual notification request, not the last status IPN again; the endpoints get the newest event again', async () => {
    const w = await payoutFacade()
    const endpoint = receiverUrl()
    await call('POST', '/v1/webhook-endpoints', {
      key: w.m.testKey,
      body: { url: endpoint.url, enabled_events: ['payout.cancelled'] },
    })
    const recipient = await activeRecipient(w)
    const r = receiverUrl()
    const created = await signed(w.identity, 'POST', '/payouts', {
      currency: 'USDC',
      amount: 5,
      recipientId: recipient.id,
      effectiveDate: '2100-01-01',
      notificationURL: r.url,
      token: w.token,
    })
    const id = created.json.data.id as string
    await signed(w.identity, 'DELETE', `/payouts/${id}?token=${w.token}`)
    await waitForRequests(r.name, 1)
    await waitForRequests(endpoint.name, 1)

    expect((await signed(w.identity, 'POST', `/payouts/${id}/notifications`, { token: w.token })).json.status).toBe(
      'success',
    )
    const got = await waitForRequests(r.name, 2)
    expect(JSON.parse(got[1]?.body ?? '{}')).toMatchObject({
      event: { code: 5005, name: 'payout_manuallyNotified' },
      data: { id, status: 'cancelled' },
    })
    const again = await waitForRequests(endpoint.name, 2)
    expect(again.map((x) => JSON.parse(x.body).event_type)).toEqual(['payout.cancelled', 'payout.cancelled'])
    await settle()
    expect((await received(r.name)).map(codeOf)).toEqual([5004, 5005])
  })

  it('retries a failing receiver until it answers 200, and counts only 200 as delivered', async () => {
    const w = await payoutFacade()
    const recipient = await activeRecipient(w)
    const r = receiverUrl('?fail=2&status=503')
    const created = await signed(w.identity, 'POST', '/payouts', {
      currency: 'USDC',
      amount: 5,
      recipientId: recipient.id,
      effectiveDate: '2100-01-01',
      notificationURL: r.url,
      token: w.token,
    })
    const id = created.json.data.id as string
    await signed(w.identity, 'DELETE', `/payouts/${id}?token=${w.token}`)
    const got = await waitForRequests(r.name, 3)
    expect(got.map((x) => x.status)).toEqual([503, 503, 200])
    expect(new Set(got.map((x) => x.body)).size).toBe(1)

    // A 204 is not a delivery for BitPay IPNs: it is retried too.
    const picky = receiverUrl('?fail=1&status=204')
    const other = await signed(w.identity, 'POST', '/payouts', {
      currency: 'USDC',
      amount: 5,
      recipientId: recipient.id,
      effectiveDate: '2100-01-01',
      notificationURL: picky.url,
      token: w.token,
    })
    await signed(w.identity, 'DELETE', `/payouts/${other.json.data.id}?token=${w.token}`)
    expect((await waitForRequests(picky.name, 2)).map((x) => x.status)).toEqual([204, 200])
    const db = getDb(env.DB)
    const delivery = await eventually(async () => {
      const [d] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.url, picky.url))
      return d?.status === 'succeeded' && d
    })
    const attempts = await db.select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, delivery.id))
    expect(attempts.map((a) => [a.statusCode, a.error]).sort()).toEqual([
      [200, null],
      [204, 'could not deliver: HTTP 204 (only 200 counts)'],
    ])
  })

  it('sends nothing when the payout has no notificationURL', async () => {
    const w = await payoutFacade()
    const endpoint = receiverUrl()
    await call('POST', '/v1/webhook-endpoints', { key: w.m.testKey, body: { url: endpoint.url } })
    const recipient = await activeRecipient(w)
    const created = await signed(w.identity, 'POST', '/payouts', {
      currency: 'USDC',
      amount: 5,
      recipientId: recipient.id,
      effectiveDate: '2100-01-01',
      token: w.token,
    })
    const id = created.json.data.id as string
    await signed(w.identity, 'DELETE', `/payouts/${id}?token=${w.token}`)
    await signed(w.identity, 'POST', `/payouts/${id}/notifications`, { token: w.token })
    await waitForRequests(endpoint.name, 1, (x) => JSON.parse(x.body).event_type === 'payout.cancelled')
    await settle()
    const deliveries = await getDb(env.DB)
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.merchantId, w.m.id))
    expect(deliveries.length).toBeGreaterThan(0)
    expect(deliveries.every((d) => d.endpointId !== null)).toBe(true)
  })

  it('gives a native /v1 payout with notification_url the same IPNs', async () => {
    const w = await payoutFacade()
    const recipient = await activeRecipient(w)
    const r = receiverUrl()
    const created = await call('POST', '/v1/payouts', {
      key: w.m.testKey,
      body: { amount: '2', recipient_id: recipient.id, notification_url: r.url },
    })
    expect(created.status).toBe(201)
    await processDuePayouts(env)
    await waitForRequests(r.name, 3)
    await settle()
    expect((await received(r.name)).map(codeOf)).toEqual([5001, 5002, 5003])
  })
})

describe("BitPay recipient IPNs to the recipient's notificationURL", () => {
  it('sends 4001 on the invitation, then 4002, 4003, 4004 as the recipient signs in, and 4005, 4006; data {id, shopperId, email, label, status}', async () => {
    const w = await payoutFacade()
    const r = receiverUrl()
    const email = `sign.${crypto.randomUUID().slice(0, 8)}@example.com`
    const invited = await signed(w.identity, 'POST', '/recipients', {
      recipients: [{ email, label: 'Signer', notificationURL: r.url }],
      token: w.token,
    })
    const id = invited.json.data[0].id as string
    const [first] = await waitForRequests(r.name, 1)
    expect(JSON.parse(first?.body ?? '{}')).toEqual({
      event: { code: 4001, name: 'recipient_invited' },
      data: { id, shopperId: null, email, label: 'Signer', status: 'invited' },
    })

    const account = privateKeyToAccount(generatePrivateKey())
    const token = new URL(
      (await call('GET', `/v1/recipients/${id}`, { key: w.m.testKey })).json.data.invite_url as string,
    ).pathname
      .split('/')
      .pop()
    const { message } = (await call('GET', `/recipient/${token}/challenge?address=${account.address}`)).json
    const verified = await call('POST', `/recipient/${token}/verify`, {
      body: { address: account.address, signature: await account.signMessage({ message }) },
    })
    expect(verified.json.status).toBe('active')
    await waitForRequests(r.name, 4)
    expect((await call('PATCH', `/v1/recipients/${id}`, { key: w.m.testKey, body: { status: 'paused' } })).status).toBe(
      200,
    )
    await waitForRequests(r.name, 5)
    expect((await signed(w.identity, 'DELETE', `/recipients/${id}?token=${w.token}`)).status).toBe(200)
    const got = await waitForRequests(r.name, 6)
    await settle()
    expect((await received(r.name)).map(codeOf)).toEqual([4001, 4002, 4003, 4004, 4005, 4006])
    expect(got.map((x) => JSON.parse(x.body).event.name)).toEqual([
      'recipient_invited',
      'recipient_unverified',
      'recipient_verified',
      'recipient_active',
      'recipient_paused',
      'recipient_removed',
    ])
    expect(got.map((x) => JSON.parse(x.body).data.status)).toEqual([
      'invited',
      'unverified',
      'verified',
      'active',
      'paused',
      'removed',
    ])
  })

  it('sends 4001 then 4004 for a sandbox activation, to a notificationURL set by updatePayoutRecipient; 4007 on a manual request', async () => {
    const w = await payoutFacade()
    const email = `upd.${crypto.randomUUID().slice(0, 8)}@example.com`
    const invited = await signed(w.identity, 'POST', '/recipients', {
      recipients: [{ email, label: 'Before', notificationURL: null }],
      token: w.token,
    })
    const id = invited.json.data[0].id as string
    const r = receiverUrl()
    // Set after the invitation: 4001 went nowhere.
    const updated = await signed(w.identity, 'PUT', `/recipients/${id}`, {
      email: null,
      label: 'After',
      notificationURL: r.url,
      token: w.token,
    })
    expect(updated.json.data.notificationURL).toBe(r.url)
    await call('POST', `/v1/sandbox/recipients/${id}/activate`, {
      key: w.m.testKey,
      body: { address: privateKeyToAccount(generatePrivateKey()).address },
    })
    await waitForRequests(r.name, 1)

    expect((await signed(w.identity, 'POST', `/recipients/${id}/notifications`, { token: w.token })).json.status).toBe(
      'success',
    )
    const got = await waitForRequests(r.name, 2)
    expect(JSON.parse(got[1]?.body ?? '{}')).toEqual({
      event: { code: 4007, name: 'recipient_manuallyNotified' },
      data: { id, shopperId: null, email, label: 'After', status: 'active' },
    })
    await settle()
    expect((await received(r.name)).map(codeOf)).toEqual([4004, 4007])

    // Invited with a notificationURL and activated: 4001, 4004.
    const r2 = receiverUrl()
    const other = await activeRecipient(w, r2.url)
    await waitForRequests(r2.name, 2)
    await settle()
    const both = await received(r2.name)
    expect(both.map(codeOf)).toEqual([4001, 4004])
    expect(both.every((x) => JSON.parse(x.body).data.id === other.id)).toBe(true)
  })

  it('sends no recipient IPN when there is no notificationURL, even on a manual request', async () => {
    const w = await payoutFacade()
    const recipient = await activeRecipient(w)
    await signed(w.identity, 'POST', `/recipients/${recipient.id}/notifications`, { token: w.token })
    await settle()
    const deliveries = await getDb(env.DB)
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.merchantId, w.m.id))
    expect(deliveries).toEqual([])
  })
})
