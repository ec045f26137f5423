import { Client, Env, Environment, Facade, Models, TokenContainer } from 'bitpay-sdk'
import { beforeAll, describe, expect, it } from 'vitest'
import { generatePrivateKey } from 'viem/accounts'
// The SDK's own response schemas (not exported, so imported by path).
import { payoutInterfaceSchema } from '../../node_modules/bitpay-sdk/dist/Model/Payout/Payout.zod.js'
import { payoutRecipientInterfaceSchema } from '../../node_modules/bitpay-sdk/dist/Model/Payout/PayoutRecipient.zod.js'
import { call, createMerchant } from '../helpers/api'
import { GATEWAY, newIdentity, pairToken, routeGatewayFetch } from '../helpers/bitpay'
import { receiverUrl, waitForRequests } from '../helpers/receiver'

/** A real receiver: payouts and recipients with a notificationURL get IPNs. */
const HOOK = receiverUrl().url

/** A merchant with a test-mode payout wallet and an SDK client holding only a payout token. */
async function payoutClient() {
  const m = await createMerchant()
  const wallet = await call('POST', '/v1/payout-wallets', {
    key: m.testKey,
    body: { chain_id: 31337, private_key: generatePrivateKey(), label: 'sandbox' },
  })
  expect(wallet.status).toBe(201)
  const identity = newIdentity()
  const token = await pairToken(m.testKey, identity, 'payout')
  const client = Client.createClientByPrivateKey(
    identity.privateKey,
    new TokenContainer({ [Facade.Payout]: token }),
    Environment.Test,
  )
  return { m, client, token, identity }
}

/** Activates a recipient the sandbox way (BitPay moves recipients along on its side). */
async function activate(testKey: string, id: string) {
  const res = await call('POST', `/v1/sandbox/recipients/${id}/activate`, {
    key: testKey,
    body: { address: '0x000000000000000000000000000000000000dEaD' },
  })
  expect(res.status).toBe(200)
}

const uniqueEmail = (name: string) => `${name}.${crypto.randomUUID().slice(0, 8)}@example.com`

describe('bitpay-sdk recipients against the gateway (payout facade)', () => {
  beforeAll(() => {
    ;(Env as { TestUrl: string }).TestUrl = GATEWAY
    routeGatewayFetch()
  })

  it('submitPayoutRecipients, getPayoutRecipients (status, limit, offset), getPayoutRecipient, updatePayoutRecipient', async () => {
    const { client } = await payoutClient()
    const alice = uniqueEmail('alice')
    const bob = uniqueEmail('bob')
    const invited = await client.submitPayoutRecipients(
      new Models.PayoutRecipients([
        new Models.PayoutRecipient(alice, 'Alice', HOOK),
        new Models.PayoutRecipient(bob, 'Bob', null),
      ]),
    )
    expect(invited).toHaveLength(2)
    expect(invited[0]).toMatchObject({
      email: alice,
      label: 'Alice',
      notificationURL: HOOK,
      status: 'invited',
      shopperId: null,
    })
    expect(invited[1]).toMatchObject({ email: bob, label: 'Bob', status: 'invited' })
    expect(invited[1]).not.toHaveProperty('notificationURL')
    for (const r of invited) expect(payoutRecipientInterfaceSchema.safeParse(r).success).toBe(true)
    const [a, b] = invited.map((r) => r.id as string)

    const all = await client.getPayoutRecipients({ status: 'invited', limit: 10, offset: 0 })
    expect(all.map((r) => r.id).sort()).toEqual([a, b].sort())
    expect(await client.getPayoutRecipients({ status: 'active' })).toEqual([])
    expect(await client.getPayoutRecipients({ limit: 1, offset: 1 })).toHaveLength(1)

    expect(await client.getPayoutRecipient(a!)).toMatchObject({
      id: a,
      email: alice,
      label: 'Alice',
      status: 'invited',
    })

    // The SDK sends the whole object, email null: label changes, email stays.
    const updated = await client.updatePayoutRecipient(b!, new Models.PayoutRecipient(null, 'Robert', HOOK))
    expect(updated).toMatchObject({ id: b, email: bob, label: 'Robert', notificationURL: HOOK })
  })

  it('deletePayoutRecipient and requestPayoutRecipientNotification return true', async () => {
    const { client } = await payoutClient()
    const hook = receiverUrl()
    const [r] = await client.submitPayoutRecipients(
      new Models.PayoutRecipients([new Models.PayoutRecipient(uniqueEmail('carol'), 'Carol', hook.url)]),
    )
    expect(await client.requestPayoutRecipientNotification(r!.id!)).toBe(true)
    expect(await client.deletePayoutRecipient(r!.id!)).toBe(true)
    expect(await client.getPayoutRecipient(r!.id!)).toMatchObject({ status: 'removed' })
    expect(await client.getPayoutRecipients({ status: 'removed' })).toHaveLength(1)
    // Its notificationURL got the invitation, the manual notification and the removal.
    const ipns = await waitForRequests(hook.name, 3)
    expect(ipns.map((x) => JSON.parse(x.body).event.code).sort()).toEqual([4001, 4006, 4007])
  })
})

describe('bitpay-sdk payouts and payout groups against the gateway (payout facade)', () => {
  beforeAll(() => {
    ;(Env as { TestUrl: string }).TestUrl = GATEWAY
    routeGatewayFetch()
  })

  async function activeRecipient(client: Client, testKey: string, name: string) {
    const [r] = await client.submitPayoutRecipients(
      new Models.PayoutRecipients([new Models.PayoutRecipient(uniqueEmail(name), name, null)]),
    )
    await activate(testKey, r!.id!)
    return r!
  }

  it('submitPayout, getPayout, getPayouts (filters), requestPayoutNotification and cancelPayout', async () => {
    const { m, client } = await payoutClient()
    const dave = await activeRecipient(client, m.testKey, 'Dave')
    const payout = Object.assign(new Models.Payout(5, 'USDC', 'USDC'), {
      recipientId: dave.id,
      reference: 'payout_20260527',
      notificationURL: HOOK,
      effectiveDate: '2100-01-01',
    })
    const created = await client.submitPayout(payout)
    expect(created).toMatchObject({
      recipientId: dave.id,
      accountId: m.id,
      amount: 5,
      currency: 'USDC',
      ledgerCurrency: 'USDC',
      email: dave.email,
      label: 'Dave',
      reference: 'payout_20260527',
      notificationURL: HOOK,
      effectiveDate: '2100-01-01T09:00:00.000Z',
      status: 'new',
      transactions: [],
    })
    expect(payoutInterfaceSchema.safeParse(created).success).toBe(true)
    const id = created.id as string

    // By email as well.
    const byEmail = await client.submitPayout(
      Object.assign(new Models.Payout(1.5, 'USDC', 'USDC'), { email: dave.email, effectiveDate: '2100-01-02' }),
    )
    expect(byEmail).toMatchObject({ recipientId: dave.id, amount: 1.5, status: 'new' })
    expect(byEmail).not.toHaveProperty('reference')

    expect(await client.getPayout(id)).toMatchObject({ id, status: 'new', amount: 5 })
    const today = new Date().toISOString().slice(0, 10)
    expect(
      (await client.getPayouts({ startDate: today, endDate: today, status: 'new', limit: 10, offset: 0 }))
        .map((p) => p.id)
        .sort(),
    ).toEqual([id, byEmail.id].sort())
    expect((await client.getPayouts({ reference: 'payout_20260527' })).map((p) => p.id)).toEqual([id])
    expect(await client.getPayouts({ startDate: '2020-01-01', endDate: '2020-01-31' })).toEqual([])
    expect(await client.getPayouts({ status: 'complete' })).toEqual([])

    expect(await client.requestPayoutNotification(id)).toBe(true)
    expect(await client.cancelPayout(id)).toBe(true)
    expect(await client.getPayout(id)).toMatchObject({ id, status: 'cancelled' })
    expect((await client.getPayouts({ status: 'cancelled' })).map((p) => p.id)).toEqual([id])
    // Cancelled only from new.
    await expect(client.cancelPayout(id)).rejects.toMatchObject({ code: '040000' })
  })

  it('submitPayouts creates the valid instructions and lists the invalid one in failed; cancelPayouts cancels the group', async () => {
    const { m, client } = await payoutClient()
    const erin = await activeRecipient(client, m.testKey, 'Erin')
    const frank = await activeRecipient(client, m.testKey, 'Frank')
    const instruction = (recipient: { id?: string }, amount: number, reference: string) =>
      Object.assign(new Models.Payout(amount, 'USDC', 'USDC'), {
        recipientId: recipient.id,
        reference,
        notificationURL: HOOK,
        effectiveDate: '2100-01-01',
      })
    const missing = Object.assign(new Models.Payout(2, 'USDC', 'USDC'), {
      email: 'nobody@example.com',
      effectiveDate: '2100-01-01',
    })
    const group = await client.submitPayouts([
      instruction(erin, 3, 'group-1'),
      missing,
      instruction(frank, 4, 'group-2'),
    ])

    expect(group.payouts).toHaveLength(2)
    const groupId = group.payouts[0]!.groupId
    expect(groupId).toEqual(expect.any(String))
    for (const p of group.payouts) {
      // What the SDK's functional test checks on each created payout.
      expect(p).toMatchObject({ groupId, notificationURL: HOOK, status: 'new' })
      expect(p.reference).toMatch(/^group-/)
      expect(payoutInterfaceSchema.safeParse(p).success).toBe(true)
    }
    expect(group.payouts.map((p) => [p.recipientId, p.amount])).toEqual([
      [erin.id, 3],
      [frank.id, 4],
    ])
    expect(group.failed).toEqual([{ errMessage: 'Recipient not found', payee: 'nobody@example.com' }])
    expect((await client.getPayouts({ groupId })).map((p) => p.id).sort()).toEqual(
      group.payouts.map((p) => p.id).sort(),
    )

    const cancelled = await client.cancelPayouts(groupId!)
    expect(cancelled.payouts.map((p) => [p.id, p.status]).sort()).toEqual(
      group.payouts.map((p) => [p.id, 'cancelled']).sort(),
    )
    expect(cancelled.failed).toEqual([])
    // Again: nothing is new any more, so every payout is reported as failed.
    const again = await client.cancelPayouts(groupId!)
    expect(again.payouts).toEqual([])
    expect(again.failed.map((f) => f.payoutId).sort()).toEqual(group.payouts.map((p) => p.id).sort())
    expect(again.failed[0]!.errMessage).toMatch(/cancelled payout cannot be cancelled/)
  })

  it('surfaces BitPay errors with their codes: unknown payout, a fiat ledger, unknown group; converts a USD amount paid in USDC', async () => {
    const { m, client } = await payoutClient()
    const gina = await activeRecipient(client, m.testKey, 'Gina')
    await expect(client.getPayout('po_unknown')).rejects.toMatchObject({ code: '020001' })
    await expect(client.cancelPayouts('pog_unknown')).rejects.toMatchObject({ code: '040001' })
    // The SDK's default Payout(10, 'USD', 'USD'): ledgers here are kept in the tokens paid, so a USD ledger is refused
    // by name; priced in USD and paid from the USDC ledger, the same payout is converted at the current rate.
    await expect(
      client.submitPayout(Object.assign(new Models.Payout(10, 'USD', 'USD'), { recipientId: gina.id })),
    ).rejects.toMatchObject({ code: '010002', message: expect.stringMatching(/ledgerCurrency must be the token paid/) })
    const fiat = await client.submitPayout(
      Object.assign(new Models.Payout(10, 'USD', 'USDC'), { recipientId: gina.id }),
    )
    expect(fiat).toMatchObject({ amount: 10, currency: 'USD', ledgerCurrency: 'USDC', status: 'new' })
  })
})
