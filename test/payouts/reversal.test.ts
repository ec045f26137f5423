import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { getDb } from '../../src/db/client'
import { insertLedgerEntries } from '../../src/db/ledger'
import { ledgerEntries, payouts } from '../../src/db/schema'
import { processDuePayouts } from '../../src/services/payouts/payouts'
import { call, createMerchant } from '../helpers/api'

describe('a funded payout that cannot be sent', () => {
  it('ends failed with a message, and a 1034 credit restores the ledger', async () => {
    const m = await createMerchant()
    // A wallet with neither ETH nor USDC: funding is forced below (as if the balance vanished after funding).
    const wallet = await call('POST', '/v1/payout-wallets', {
      key: m.liveKey,
      body: { chain_id: 31337, private_key: generatePrivateKey() },
    })
    const invited = await call('POST', '/v1/recipients', {
      key: m.liveKey,
      body: { recipients: [{ email: 'rev@example.com' }] },
    })
    const rid = invited.json.data[0].id as string
    const signer = privateKeyToAccount(generatePrivateKey())
    const token = new URL(invited.json.data[0].invite_url as string).pathname.split('/').pop()
    const { message } = (await call('GET', `/recipient/${token}/challenge?address=${signer.address}`)).json
    await call('POST', `/recipient/${token}/verify`, {
      body: { address: signer.address, signature: await signer.signMessage({ message }) },
    })
    const created = await call('POST', '/v1/payouts', {
      key: m.liveKey,
      body: { amount: '3', recipient_id: rid, effective_date: '2100-01-01T00:00:00Z' },
    })
    expect(created.status).toBe(201)
    const id = created.json.data.id as string
    const db = getDb(env.DB)
    const at = new Date().toISOString()
    await db.batch([
      db.update(payouts).set({ status: 'funded' }).where(eq(payouts.id, id)),
      insertLedgerEntries(db, [
        {
          merchantId: m.id,
          livemode: true,
          currency: 'USDC',
          code: 1034,
          amount: -3_000_000_000_000_000_000n,
          sourceType: 'payout',
          sourceId: id,
          paymentId: null,
          description: 'Payout',
          createdAt: at,
        },
      ]),
    ])
    void wallet
    await processDuePayouts(env)
    const p = (await call('GET', `/v1/payouts/${id}`, { key: m.liveKey })).json.data
    expect(p.status).toBe('failed')
    expect(p.message).toMatch(/cannot be sent/)
    const entries = (await db.select().from(ledgerEntries)).filter((e) => e.sourceId.startsWith(id))
    expect(entries.map((e) => [e.code, e.amount]).sort()).toEqual([
      [1034, '-3000000000000000000'],
      [1034, '3000000000000000000'],
    ])
  })
})
