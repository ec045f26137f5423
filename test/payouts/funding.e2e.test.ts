import { env } from 'cloudflare:workers'
import { eq, inArray } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { getDb } from '../../src/db/client'
import { payouts } from '../../src/db/schema'
import { fundPayout } from '../../src/services/payouts/payouts'
import { call, createMerchant } from '../helpers/api'
import { e2eChain } from '../helpers/chain'

async function payoutRow(id: string) {
  const [row] = await getDb(env.DB).select().from(payouts).where(eq(payouts.id, id))
  if (!row) throw new Error(`no payout ${id}`)
  return row
}

describe('funding an 18-decimal payout (local chain)', () => {
  it('counts what other payouts committed exactly, far above the 64-bit range of base units', async () => {
    const { payNative } = e2eChain()
    const key = generatePrivateKey()
    await payNative(privateKeyToAccount(key).address, parseEther('15'))
    const m = await createMerchant()
    const wallet = await call('POST', '/v1/payout-wallets', {
      key: m.liveKey,
      body: { chain_id: 31337, private_key: key },
    })
    expect(wallet.status).toBe(201)
    const owner = privateKeyToAccount(generatePrivateKey())
    const invited = await call('POST', '/v1/recipients', {
      key: m.liveKey,
      body: { recipients: [{ email: `eth${crypto.randomUUID().slice(0, 8)}@example.com` }] },
    })
    const token = new URL(invited.json.data[0].invite_url as string).pathname.split('/').pop()
    const { message } = (await call('GET', `/recipient/${token}/challenge?address=${owner.address}`)).json
    await call('POST', `/recipient/${token}/verify`, {
      body: { address: owner.address, signature: await owner.signMessage({ message }) },
    })
    const recipientId = invited.json.data[0].id as string
    const create = async (amount: string) => {
      const res = await call('POST', '/v1/payouts', {
        key: m.liveKey,
        body: { amount, currency: 'ETH', recipient_id: recipientId, effective_date: '2100-01-01T00:00:00Z' },
      })
      expect(res.status, JSON.stringify(res.json)).toBe(201)
      return res.json.data.id as string
    }
    // 6 + 6.5 ETH committed: 12.5e18 base units, more than an int64 holds (9.22e18).
    const committed = [await create('6'), await create('6.5')]
    const db = getDb(env.DB)
    await db.update(payouts).set({ status: 'funded' }).where(inArray(payouts.id, committed))
    try {
      // 15 ETH held, 12.5 committed: 2.5 left.
      const tooMuch = await create('2.500000000000000001')
      expect(await fundPayout(env, await payoutRow(tooMuch))).toBe('failed')
      expect((await payoutRow(tooMuch)).message).toMatch(
        /15000000000000000000 base units of ETH, 12500000000000000000 of them committed/,
      )
      const fits = await create('2.5')
      expect(await fundPayout(env, await payoutRow(fits))).toBe('funded')
      committed.push(fits)
    } finally {
      // Never broadcast: nothing else should move these along.
      await db.update(payouts).set({ status: 'cancelled' }).where(inArray(payouts.id, committed))
    }
  })
})
