import { env } from 'cloudflare:workers'
import { asc, eq } from 'drizzle-orm'
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { hmacSha256Hex } from '../../src/auth/crypto'
import { rateSourceFor } from '../../src/chain/price-feeds'
import { getDb } from '../../src/db/client'
import { events, payouts } from '../../src/db/schema'
import { formatUnits } from '../../src/domain/money'
import { quote } from '../../src/domain/pricing'
import { pricesFor } from '../../src/domain/rates'
import { resendPayoutNotification, resendRecipientNotification } from '../../src/services/payouts/notifications'
import { processDuePayouts } from '../../src/services/payouts/payouts'
import { ADMIN_TOKEN, call, createMerchant, type TestMerchant } from '../helpers/api'
import { received, receiverUrl, waitForRequests, type ReceivedRequest } from '../helpers/receiver'

const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` }
const typeOf = (r: ReceivedRequest) => JSON.parse(r.body).event_type as string
const auth = (m: TestMerchant) =>
  ({ merchantId: m.id, livemode: false }) as Parameters<typeof resendPayoutNotification>[1]

/** A test-mode merchant with a payout wallet and an active recipient (sandbox activation). */
async function payoutSetup(m?: TestMerchant) {
  const merchant = m ?? (await createMerchant())
  const wallet = await call('POST', '/v1/payout-wallets', {
    key: merchant.testKey,
    body: { chain_id: 31337, private_key: generatePrivateKey() },
  })
  expect(wallet.status).toBe(201)
  const invited = await call('POST', '/v1/recipients', {
    key: merchant.testKey,
    body: { recipients: [{ email: `p${crypto.randomUUID().slice(0, 8)}@example.com` }] },
  })
  const recipientId = invited.json.data[0].id as string
  const activated = await call('POST', `/v1/sandbox/recipients/${recipientId}/activate`, {
    key: merchant.testKey,
    body: { address: privateKeyToAccount(generatePrivateKey()).address },
  })
  expect(activated.json.data.status).toBe('active')
  return { m: merchant, walletId: wallet.json.data.id as string, recipientId }
}

async function subjectEvents(column: 'payoutId' | 'recipientId', id: string) {
  return getDb(env.DB).select().from(events).where(eq(events[column], id)).orderBy(asc(events.sequence))
}

describe('payout and recipient webhook events', () => {
  it("writes one outbox event per status change and delivers them, in order and signed, to the merchant's endpoints", async () => {
    const m = await createMerchant()
    const r = receiverUrl()
    const ep = (await call('POST', '/v1/webhook-endpoints', { key: m.testKey, body: { url: r.url } })).json.data as {
      secret: string
    }
    const only = receiverUrl()
    const filtered = await call('POST', '/v1/webhook-endpoints', {
      key: m.testKey,
      body: { url: only.url, enabled_events: ['payout.completed', 'recipient.active'] },
    })
    expect(filtered.status).toBe(201)

    const { recipientId } = await payoutSetup(m)
    const created = await call('POST', '/v1/payouts', {
      key: m.testKey,
      body: { amount: '2.5', recipient_id: recipientId, reference: 'May' },
    })
    expect(created.status).toBe(201)
    const id = created.json.data.id as string
    await processDuePayouts(env)

    expect((await subjectEvents('recipientId', recipientId)).map((e) => [e.type, e.sequence])).toEqual([
      ['recipient.invited', 1],
      ['recipient.active', 2],
    ])
    const outbox = await subjectEvents('payoutId', id)
    expect(outbox.map((e) => e.type)).toEqual([
      'payout.created',
      'payout.funded',
      'payout.processing',
      'payout.completed',
    ])
    expect(outbox.every((e) => e.subject === 'payout' && e.paymentId === null && e.merchantId === m.id)).toBe(true)
    // The events API shows and resends them like payment events.
    const shown = await call('GET', `/v1/events/${outbox[0]!.id}`, { key: m.testKey })
    expect(shown.json.data).toMatchObject({ type: 'payout.created', payment_id: null, sequence: outbox[0]!.sequence })
    expect((await call('GET', `/v1/events/${outbox[0]!.id}`, { key: (await createMerchant()).testKey })).status).toBe(
      404,
    )

    const got = await waitForRequests(r.name, 6)
    const payoutBodies = got.map((x) => JSON.parse(x.body)).filter((b) => b.subject === 'payout')
    expect(payoutBodies.map((b) => b.event_type)).toEqual([
      'payout.created',
      'payout.funded',
      'payout.processing',
      'payout.completed',
    ])
    const sequences = payoutBodies.map((b) => b.sequence as number)
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences)
    const last = got.find((x) => typeOf(x) === 'payout.completed')
    if (!last) throw new Error('no payout.completed')
    const body = JSON.parse(last.body)
    const view = (await call('GET', `/v1/payouts/${id}`, { key: m.testKey })).json.data
    expect(body).toMatchObject({ event_type: 'payout.completed', subject: 'payout', livemode: false, data: view })
    expect(new Webhook(ep.secret).verify(last.body, last.headers)).toMatchObject({ event_type: 'payout.completed' })
    expect(last.headers['x-event-id']).toBe(body.event_id)
    expect(last.headers['x-signature']).toBe(hmacSha256Hex(ep.secret, last.body))

    // The filtered endpoint gets exactly the two types it asked for.
    await waitForRequests(only.name, 2)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect((await received(only.name)).map(typeOf).sort()).toEqual(['payout.completed', 'recipient.active'])
  })

  it('emits payout.cancelled exactly once when two cancels race, and no event for the refused one', async () => {
    const { m, recipientId } = await payoutSetup()
    const p = await call('POST', '/v1/payouts', {
      key: m.testKey,
      body: { amount: '1', recipient_id: recipientId, effective_date: '2100-01-01T00:00:00Z' },
    })
    const id = p.json.data.id as string
    const results = await Promise.all([0, 1, 2].map(() => call('POST', `/v1/payouts/${id}/cancel`, { key: m.testKey })))
    expect(results.map((x) => x.status).sort()).toEqual([200, 409, 409])
    expect((await subjectEvents('payoutId', id)).map((e) => e.type)).toEqual(['payout.created', 'payout.cancelled'])
  })

  it('emits recipient paused, active and removed events, and resends the latest notification of a payout or recipient', async () => {
    const { m, recipientId } = await payoutSetup()
    const r = receiverUrl()
    await call('POST', '/v1/webhook-endpoints', { key: m.testKey, body: { url: r.url } })
    expect(
      (await call('PATCH', `/v1/recipients/${recipientId}`, { key: m.testKey, body: { status: 'paused' } })).json.data
        .status,
    ).toBe('paused')
    expect(
      (await call('PATCH', `/v1/recipients/${recipientId}`, { key: m.testKey, body: { label: 'only a label' } }))
        .status,
    ).toBe(200)
    expect(
      (await call('PATCH', `/v1/recipients/${recipientId}`, { key: m.testKey, body: { status: 'active' } })).json.data
        .status,
    ).toBe('active')
    const p = await call('POST', '/v1/payouts', {
      key: m.testKey,
      body: { amount: '1', recipient_id: recipientId, effective_date: '2100-01-01T00:00:00Z' },
    })
    expect((await call('DELETE', `/v1/recipients/${recipientId}`, { key: m.testKey })).json.data.status).toBe('removed')
    expect((await subjectEvents('recipientId', recipientId)).map((e) => e.type)).toEqual([
      'recipient.invited',
      'recipient.active',
      'recipient.paused',
      'recipient.active',
      'recipient.removed',
    ])

    const first = await waitForRequests(r.name, 1, (x) => typeOf(x) === 'payout.created')
    const resent = await resendPayoutNotification(env, auth(m), p.json.data.id)
    expect(resent.eventId).toBe(JSON.parse(first[0]!.body).event_id)
    const again = await waitForRequests(r.name, 2, (x) => typeOf(x) === 'payout.created')
    expect(new Set(again.map((x) => JSON.parse(x.body).event_id)).size).toBe(1)

    await waitForRequests(r.name, 1, (x) => typeOf(x) === 'recipient.removed')
    const rr = await resendRecipientNotification(env, auth(m), recipientId)
    expect(rr.eventId).not.toBeNull()
    await waitForRequests(r.name, 2, (x) => typeOf(x) === 'recipient.removed')

    // Another merchant's ids are not found.
    const other = await createMerchant()
    await expect(resendPayoutNotification(env, auth(other), p.json.data.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    })
    await expect(resendRecipientNotification(env, auth(other), recipientId)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    })
  })

  it('accepts the new event types in endpoint filters and still refuses unknown ones', async () => {
    const m = await createMerchant()
    const ok = await call('POST', '/v1/webhook-endpoints', {
      key: m.testKey,
      body: { url: receiverUrl().url, enabled_events: ['payout.failed', 'recipient.verified', 'payment.completed'] },
    })
    expect(ok.status).toBe(201)
    expect(
      (
        await call('POST', '/v1/webhook-endpoints', {
          key: m.testKey,
          body: { url: receiverUrl().url, enabled_events: ['payout.exploded'] },
        })
      ).status,
    ).toBe(400)
  })
})

describe('the daily payout limit', () => {
  it('defaults to 10,000 of the ledger currency; the operator changes it per currency', async () => {
    const { m, recipientId } = await payoutSetup()
    const over = await call('POST', '/v1/payouts', {
      key: m.testKey,
      body: { amount: '10000.000001', recipient_id: recipientId },
    })
    expect(over.status).toBe(422)
    expect(over.json.error).toMatchObject({ code: 'LIMIT_EXCEEDED', field: 'amount' })
    expect(
      (
        await call('POST', '/v1/payouts', {
          key: m.testKey,
          body: { amount: '10000', recipient_id: recipientId, effective_date: '2100-01-01T00:00:00Z' },
        })
      ).status,
    ).toBe(201)
    expect(
      (await call('POST', '/v1/payouts', { key: m.testKey, body: { amount: '0.000001', recipient_id: recipientId } }))
        .status,
    ).toBe(422)

    expect(
      (
        await call('PATCH', `/v1/merchants/${m.id}`, {
          key: m.testKey,
          body: { payout_daily_limits: { USDC: '50000' } },
        })
      ).status,
    ).toBe(401)
    expect(
      (
        await call('PATCH', `/v1/merchants/${m.id}`, {
          headers: admin,
          body: { payout_daily_limits: { USDC: '1.5e3' } },
        })
      ).status,
    ).toBe(400)
    // The ceiling is checked on the text: 10^9 is the most, a millionth more is refused.
    for (const [limit, status] of [
      ['1000000000.000001', 400],
      ['1000000000.000000', 200],
      ['999999999.999999', 200],
    ] as const) {
      const res = await call('PATCH', `/v1/merchants/${m.id}`, {
        headers: admin,
        body: { payout_daily_limits: { USDC: limit } },
      })
      expect([limit, res.status]).toEqual([limit, status])
    }
    const patched = await call('PATCH', `/v1/merchants/${m.id}`, {
      headers: admin,
      body: { payout_daily_limits: { USDC: '50000' } },
    })
    expect(patched.status).toBe(200)
    expect(patched.json.data.payout_daily_limits).toEqual({ USDC: '50000' })
    expect(
      (
        await call('POST', '/v1/payouts', {
          key: m.testKey,
          body: { amount: '40000', recipient_id: recipientId, effective_date: '2100-01-01T00:00:00Z' },
        })
      ).status,
    ).toBe(201)
    expect(
      (await call('POST', '/v1/payouts', { key: m.testKey, body: { amount: '0.01', recipient_id: recipientId } }))
        .status,
    ).toBe(422)
  })

  it('is enforced atomically: of concurrent payouts that together exceed it exactly the ones fitting succeed; a cancelled one gives its allowance back', async () => {
    const { m, recipientId } = await payoutSetup()
    expect(
      (await call('PATCH', `/v1/merchants/${m.id}`, { headers: admin, body: { payout_daily_limits: { USDC: '10' } } }))
        .status,
    ).toBe(200)
    const body = { amount: '3', recipient_id: recipientId, effective_date: '2100-01-01T00:00:00Z' }
    const results = await Promise.all(
      Array.from({ length: 8 }, () => call('POST', '/v1/payouts', { key: m.testKey, body })),
    )
    const created = results.filter((x) => x.status === 201)
    expect(created).toHaveLength(3)
    for (const refused of results.filter((x) => x.status !== 201))
      expect(refused.json.error).toMatchObject({ code: 'LIMIT_EXCEEDED', field: 'amount' })
    const rows = await getDb(env.DB).select().from(payouts).where(eq(payouts.merchantId, m.id))
    expect(rows).toHaveLength(3)
    // Refused creations wrote no event either.
    expect(
      (await getDb(env.DB).select().from(events).where(eq(events.merchantId, m.id))).filter(
        (e) => e.type === 'payout.created',
      ),
    ).toHaveLength(3)

    expect((await call('POST', '/v1/payouts', { key: m.testKey, body: { ...body, amount: '1.000001' } })).status).toBe(
      422,
    )
    expect((await call('POST', '/v1/payouts', { key: m.testKey, body: { ...body, amount: '1' } })).status).toBe(201)
    expect((await call('POST', `/v1/payouts/${created[0]!.json.data.id}/cancel`, { key: m.testKey })).status).toBe(200)
    expect((await call('POST', '/v1/payouts', { key: m.testKey, body })).status).toBe(201)
    // A failed payout gives its allowance back too (as the payout wallet object marks one failed).
    expect((await call('POST', '/v1/payouts', { key: m.testKey, body })).status).toBe(422)
    await getDb(env.DB).update(payouts).set({ status: 'failed' }).where(eq(payouts.id, created[1]!.json.data.id))
    expect((await call('POST', '/v1/payouts', { key: m.testKey, body })).status).toBe(201)
  })
})

describe('fiat payout amounts', () => {
  it('converts a EUR amount into USDC exactly at creation and shows both', async () => {
    const { m, recipientId } = await payoutSetup()
    const prices = (await pricesFor(rateSourceFor(env), ['EUR', 'USDC'])).prices
    const expected = quote('12.34', 'EUR', { symbol: 'USDC', decimals: 6 }, prices)
    const res = await call('POST', '/v1/payouts', {
      key: m.testKey,
      body: {
        amount: '12.34',
        currency: 'eur',
        ledger_currency: 'USDC',
        recipient_id: recipientId,
        effective_date: '2100-01-01T00:00:00Z',
      },
    })
    expect(res.status).toBe(201)
    expect(res.json.data).toMatchObject({
      amount: '12.34',
      currency: 'EUR',
      ledger_currency: 'USDC',
      amount_base_units: expected.payAmount.toString(),
      ledger_amount: formatUnits(expected.payAmount, 6),
      rate: expected.rate,
    })
    expect((await call('GET', `/v1/payouts/${res.json.data.id}`, { key: m.testKey })).json.data).toEqual(res.json.data)
    const [row] = await getDb(env.DB).select().from(payouts).where(eq(payouts.id, res.json.data.id))
    expect(row).toMatchObject({
      requestedAmount: '12.34',
      requestedCurrency: 'EUR',
      token: 'USDC',
      amountBaseUnits: expected.payAmount.toString(),
    })

    // USD defaults to USDC; a token amount is unchanged; mismatches and too many places are refused by field.
    expect(
      (
        await call('POST', '/v1/payouts', {
          key: m.testKey,
          body: { amount: '5', currency: 'USD', recipient_id: recipientId, effective_date: '2100-01-01T00:00:00Z' },
        })
      ).json.data,
    ).toMatchObject({ currency: 'USD', ledger_currency: 'USDC' })
    const token = await call('POST', '/v1/payouts', {
      key: m.testKey,
      body: { amount: '5', currency: 'USDC', recipient_id: recipientId, effective_date: '2100-01-01T00:00:00Z' },
    })
    expect(token.json.data).toMatchObject({
      amount: '5',
      currency: 'USDC',
      ledger_currency: 'USDC',
      ledger_amount: '5',
      rate: null,
    })
    const mismatch = await call('POST', '/v1/payouts', {
      key: m.testKey,
      body: { amount: '5', currency: 'USDC', ledger_currency: 'USDT', recipient_id: recipientId },
    })
    expect(mismatch.json.error).toMatchObject({ field: 'ledger_currency' })
    const places = await call('POST', '/v1/payouts', {
      key: m.testKey,
      body: { amount: '5.001', currency: 'EUR', recipient_id: recipientId },
    })
    expect(places.json.error).toMatchObject({ code: 'INVALID_AMOUNT', field: 'amount' })
    // The limit counts the token amount: 9,300 EUR is more than 10,000 USDC.
    const fiatOver = await call('POST', '/v1/payouts', {
      key: m.testKey,
      body: { amount: '9300', currency: 'EUR', recipient_id: recipientId },
    })
    expect(quote('9300', 'EUR', { symbol: 'USDC', decimals: 6 }, prices).payAmount).toBeGreaterThan(10_000_000_000n)
    expect(fiatOver.json.error).toMatchObject({ code: 'LIMIT_EXCEEDED', field: 'amount' })
  })
})

describe('payout routes between merchants', () => {
  it("answers 404 for another merchant's wallet, recipient or payout on every native payout route", async () => {
    const { m, walletId, recipientId } = await payoutSetup()
    const other = await payoutSetup()
    const p = await call('POST', '/v1/payouts', {
      key: m.testKey,
      body: { amount: '1', recipient_id: recipientId, effective_date: '2100-01-01T00:00:00Z' },
    })
    const id = p.json.data.id as string
    const k = other.m.testKey
    const probes: [string, string, unknown?][] = [
      ['GET', `/v1/recipients/${recipientId}`],
      ['PATCH', `/v1/recipients/${recipientId}`, { label: 'x' }],
      ['DELETE', `/v1/recipients/${recipientId}`],
      [
        'POST',
        `/v1/sandbox/recipients/${recipientId}/activate`,
        { address: privateKeyToAccount(generatePrivateKey()).address },
      ],
      ['GET', `/v1/payouts/${id}`],
      ['POST', `/v1/payouts/${id}/cancel`],
      ['DELETE', `/v1/payout-wallets/${walletId}`],
      ['POST', '/v1/payouts', { amount: '1', recipient_id: recipientId }],
      ['POST', '/v1/payouts', { amount: '1', recipient_id: other.recipientId, payout_wallet_id: walletId }],
    ]
    for (const [method, path, body] of probes) {
      const res = await call(method, path, { key: k, body })
      expect([method, path, res.status]).toEqual([method, path, 404])
    }
    // Nothing of the first merchant changed.
    expect((await call('GET', `/v1/payouts/${id}`, { key: m.testKey })).json.data.status).toBe('new')
    expect((await call('GET', `/v1/recipients/${recipientId}`, { key: m.testKey })).json.data).toMatchObject({
      status: 'active',
      label: null,
    })
  })

  it('does not activate a recipient with a signature by a different address', async () => {
    const m = await createMerchant()
    const invited = await call('POST', '/v1/recipients', {
      key: m.liveKey,
      body: { recipients: [{ email: 'forged@example.com' }] },
    })
    const rid = invited.json.data[0].id as string
    const token = new URL(invited.json.data[0].invite_url as string).pathname.split('/').pop()
    const owner = privateKeyToAccount(generatePrivateKey())
    const attacker = privateKeyToAccount(generatePrivateKey())
    const { message } = (await call('GET', `/recipient/${token}/challenge?address=${owner.address}`)).json
    const forged = await call('POST', `/recipient/${token}/verify`, {
      body: { address: owner.address, signature: await attacker.signMessage({ message }) },
    })
    expect(forged.status).toBe(401)
    // The attacker's own address, with the owner's challenge open, is not accepted either.
    const swapped = await call('POST', `/recipient/${token}/verify`, {
      body: { address: attacker.address, signature: await attacker.signMessage({ message }) },
    })
    expect(swapped.status).toBe(409)
    expect((await call('GET', `/v1/recipients/${rid}`, { key: m.liveKey })).json.data).toMatchObject({
      status: 'unverified',
      address: null,
    })
    expect((await subjectEvents('recipientId', rid)).map((e) => e.type)).toEqual([
      'recipient.invited',
      'recipient.unverified',
    ])
    // The real owner then activates: verified (signature proven) and active (address accepted), in that order.
    const { message: fresh } = (await call('GET', `/recipient/${token}/challenge?address=${owner.address}`)).json
    expect(
      (
        await call('POST', `/recipient/${token}/verify`, {
          body: { address: owner.address, signature: await owner.signMessage({ message: fresh }) },
        })
      ).status,
    ).toBe(200)
    expect((await subjectEvents('recipientId', rid)).map((e) => e.type)).toEqual([
      'recipient.invited',
      'recipient.unverified',
      'recipient.verified',
      'recipient.active',
    ])
    expect((await call('GET', `/v1/recipients/${rid}`, { key: m.liveKey })).json.data).toMatchObject({
      status: 'active',
      address: owner.address,
    })
  })
})

describe('POST /v1/recipients: up to 1,000 per call', () => {
  it('takes 1,000 realistic invites in one body over the usual 64 KiB /v1 limit, refuses 1,001, and still caps the body at 512 KiB', async () => {
    const m = await createMerchant()
    const tag = crypto.randomUUID().slice(0, 8)
    const recipients = Array.from({ length: 1000 }, (_, i) => ({
      email: `firstname.lastname${i}.${tag}@example-company.com`,
      label: `Contractor ${i}, design team, Lisbon office`,
    }))
    expect(JSON.stringify({ recipients }).length).toBeGreaterThan(96 * 1024)
    const res = await call('POST', '/v1/recipients', { key: m.testKey, body: { recipients } })
    expect(res.status).toBe(201)
    expect(res.json.data).toHaveLength(1000)

    const tooMany = await call('POST', '/v1/recipients', {
      key: m.testKey,
      body: { recipients: [...recipients, { email: `one.more.${tag}@example.com` }] },
    })
    expect(tooMany.status).toBe(400)
    expect(tooMany.json.error.field).toMatch(/^recipients/)
    const huge = await call('POST', '/v1/recipients', {
      key: m.testKey,
      body: { recipients: [{ email: `big.${tag}@example.com`, label: 'x'.repeat(600 * 1024) }] },
    })
    expect(huge.status).toBe(413)
    expect(huge.json.error.code).toBe('BODY_TOO_LARGE')
    // Other /v1 routes keep 64 KiB.
    const other = await call('POST', '/v1/payouts', {
      key: m.testKey,
      body: { amount: '1', reference: 'x'.repeat(70 * 1024) },
    })
    expect(other.status).toBe(413)
  }, 120_000)
})
