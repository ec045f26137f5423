import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../../src/db/client'
import { bitpayTokenSins, ledgerEntries } from '../../src/db/schema'
import { merchantWithWallet } from '../helpers/api'
import { newIdentity, pairToken } from '../helpers/bitpay'
import { completedPayment } from './helpers'

/** The backfill statements of migration 0010, run again as on a database from before the ledger. */
function backfills(): string[] {
  const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith('0010_'))
  if (!migration) throw new Error('migration 0010 missing')
  return migration.queries.filter((q) => /^\s*(--[^\n]*\n\s*)*INSERT INTO/i.test(q))
}

describe('migration 0010 backfill', () => {
  it('books a 1000 entry, exact in ledger units, for payments completed before the ledger, and only once', async () => {
    const m = await merchantWithWallet()
    const p = await completedPayment(m.testKey)
    const db = getDb(env.DB)
    const [booked] = await db.select().from(ledgerEntries).where(eq(ledgerEntries.paymentId, p.id))
    await db.delete(ledgerEntries).where(eq(ledgerEntries.paymentId, p.id))
    const statements = backfills()
    expect(statements).toHaveLength(2)
    for (const q of statements) await env.DB.prepare(q).run()
    for (const q of statements) await env.DB.prepare(q).run()
    const rows = await db.select().from(ledgerEntries).where(eq(ledgerEntries.paymentId, p.id))
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      code: 1000,
      amount: booked!.amount,
      currency: 'ETH',
      sourceType: 'payment',
      sourceId: p.id,
      merchantId: m.id,
      livemode: false,
    })
  })

  it("links each token's bound SIN", async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const db = getDb(env.DB)
    await db.delete(bitpayTokenSins).where(eq(bitpayTokenSins.token, token))
    for (const q of backfills()) await env.DB.prepare(q).run()
    expect(
      await db.select({ sin: bitpayTokenSins.sin }).from(bitpayTokenSins).where(eq(bitpayTokenSins.token, token)),
    ).toEqual([{ sin: identity.sin }])
  })
})
