import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { generatePrivateKey } from 'viem/accounts'
import { getDb } from '../../src/db/client'
import { payouts } from '../../src/db/schema'
import { MAX_GROUP_INSTRUCTIONS } from '../../src/domain/bitpay-payouts'
import { call, createMerchant } from '../helpers/api'

/** A merchant with a test payout wallet and an active recipient. */
async function world() {
  const m = await createMerchant()
  await call('POST', '/v1/payout-wallets', {
    key: m.testKey,
    body: { chain_id: 31337, private_key: generatePrivateKey() },
  })
  const email = `g.${crypto.randomUUID().slice(0, 8)}@example.com`
  const invited = await call('POST', '/v1/recipients', { key: m.testKey, body: { recipients: [{ email }] } })
  const recipientId = invited.json.data[0].id as string
  await call('POST', `/v1/sandbox/recipients/${recipientId}/activate`, {
    key: m.testKey,
    body: { address: '0x000000000000000000000000000000000000dEaD' },
  })
  return { m, recipientId, email }
}

const LATER = '2100-01-01T00:00:00Z'

describe('payout groups (native /v1/payout-groups)', () => {
  it('creates the valid instructions with one group id and lists the invalid ones with index, payee, code and field', async () => {
    const { m, recipientId, email } = await world()
    const res = await call('POST', '/v1/payout-groups', {
      key: m.testKey,
      body: {
        instructions: [
          { amount: '1.5', recipient_id: recipientId, reference: 'g-1', effective_date: LATER },
          { amount: 'lots', recipient_id: recipientId },
          { amount: '2', recipient_email: email, effective_date: LATER },
          { amount: '3', recipient_id: 'rcp_nobody' },
          { amount: '3', currency: 'NOPE', recipient_id: recipientId },
        ],
      },
    })
    expect(res.status).toBe(201)
    const group = res.json.data
    expect(group).toMatchObject({ object: 'payout_group', instruction_count: 5, livemode: false })
    expect(
      group.payouts.map((p: { amount: string; reference: string | null; status: string }) => [
        p.amount,
        p.reference,
        p.status,
      ]),
    ).toEqual([
      ['1.5', 'g-1', 'new'],
      ['2', null, 'new'],
    ])
    expect(group.failed).toEqual([
      {
        index: 1,
        payee: recipientId,
        code: 'INVALID_AMOUNT',
        field: 'amount',
        message: expect.stringMatching(/^amount/),
      },
      { index: 3, payee: 'rcp_nobody', code: 'NOT_FOUND', field: null, message: 'Recipient not found' },
      {
        index: 4,
        payee: recipientId,
        code: 'UNSUPPORTED_TOKEN',
        field: 'currency',
        message: expect.stringMatching(/NOPE/),
      },
    ])
    // Stored with the group's id.
    const rows = await getDb(env.DB).select().from(payouts).where(eq(payouts.groupId, group.id))
    expect(rows.map((r) => r.id).sort()).toEqual(group.payouts.map((p: { id: string }) => p.id).sort())

    const got = await call('GET', `/v1/payout-groups/${group.id}`, { key: m.testKey })
    expect(got.status).toBe(200)
    expect(got.json.data).toEqual(group)
  })

  it('records a group whose instructions all failed (201, nothing created)', async () => {
    const { m } = await world()
    const res = await call('POST', '/v1/payout-groups', { key: m.testKey, body: { instructions: [{ amount: '1' }] } })
    expect(res.status).toBe(201)
    expect(res.json.data.payouts).toEqual([])
    expect(res.json.data.failed).toEqual([
      {
        index: 0,
        payee: null,
        code: 'VALIDATION_ERROR',
        field: 'recipient_id',
        message: 'recipient_id or recipient_email is required',
      },
    ])
    expect(
      (await call('GET', `/v1/payout-groups/${res.json.data.id}`, { key: m.testKey })).json.data.failed,
    ).toHaveLength(1)
  })

  it(`takes 1 to ${MAX_GROUP_INSTRUCTIONS} instructions, refusing others with a 400 naming instructions`, async () => {
    const { m, recipientId } = await world()
    const one = { amount: '1', recipient_id: recipientId, effective_date: LATER }
    for (const instructions of [[], Array.from({ length: MAX_GROUP_INSTRUCTIONS + 1 }, () => one)]) {
      const res = await call('POST', '/v1/payout-groups', { key: m.testKey, body: { instructions } })
      expect(res.status).toBe(400)
      expect(res.json.error).toMatchObject({ code: 'VALIDATION_ERROR', field: 'instructions' })
    }
    const missing = await call('POST', '/v1/payout-groups', { key: m.testKey, body: {} })
    expect(missing.status).toBe(400)
    expect(missing.json.error.field).toBe('instructions')
    const full = await call('POST', '/v1/payout-groups', {
      key: m.testKey,
      body: { instructions: Array.from({ length: MAX_GROUP_INSTRUCTIONS }, () => one) },
    })
    expect(full.status).toBe(201)
    expect(full.json.data.payouts).toHaveLength(MAX_GROUP_INSTRUCTIONS)
    expect(full.json.data.failed).toEqual([])
  }, 90_000)

  it('DELETE cancels the payouts still new and reports the others as failed', async () => {
    const { m, recipientId } = await world()
    const one = { amount: '1', recipient_id: recipientId, effective_date: LATER }
    const group = (await call('POST', '/v1/payout-groups', { key: m.testKey, body: { instructions: [one, one, one] } }))
      .json.data
    const [a, b, c] = group.payouts.map((p: { id: string }) => p.id) as string[]
    // b was funded meanwhile; c was cancelled on its own.
    await getDb(env.DB).update(payouts).set({ status: 'funded' }).where(eq(payouts.id, b!))
    expect((await call('POST', `/v1/payouts/${c}/cancel`, { key: m.testKey })).status).toBe(200)

    const res = await call('DELETE', `/v1/payout-groups/${group.id}`, { key: m.testKey })
    expect(res.status).toBe(200)
    expect(res.json.data.cancelled.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([
      [a, 'cancelled'],
    ])
    expect(res.json.data.failed).toEqual([
      { payout_id: b, message: 'A funded payout cannot be cancelled' },
      { payout_id: c, message: 'A cancelled payout cannot be cancelled' },
    ])
    expect((await call('GET', `/v1/payouts/${b}`, { key: m.testKey })).json.data.status).toBe('funded')
    const after = (await call('GET', `/v1/payout-groups/${group.id}`, { key: m.testKey })).json.data
    expect(after.payouts.map((p: { status: string }) => p.status)).toEqual(['cancelled', 'funded', 'cancelled'])
  })

  it('another merchant, or the other mode, does not see the group (404)', async () => {
    const a = await world()
    const b = await createMerchant()
    const group = (
      await call('POST', '/v1/payout-groups', {
        key: a.m.testKey,
        body: { instructions: [{ amount: '1', recipient_id: a.recipientId, effective_date: LATER }] },
      })
    ).json.data
    for (const key of [b.testKey, a.m.liveKey]) {
      expect((await call('GET', `/v1/payout-groups/${group.id}`, { key })).status).toBe(404)
      expect((await call('DELETE', `/v1/payout-groups/${group.id}`, { key })).status).toBe(404)
    }
    expect((await call('GET', `/v1/payouts/${group.payouts[0].id}`, { key: a.m.testKey })).json.data.status).toBe('new')
    // Instructions naming another merchant's recipient fail as not found.
    const foreign = await call('POST', '/v1/payout-groups', {
      key: b.testKey,
      body: { instructions: [{ amount: '1', recipient_id: a.recipientId }] },
    })
    expect(foreign.json.data.failed[0]).toMatchObject({ code: 'NOT_FOUND' })
  })
})
