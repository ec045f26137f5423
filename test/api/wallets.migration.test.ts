// Migration 0006 on data written before it: its backfill and xpub statements are run again here, from
// the migration file itself, over rows shaped like the ones that existed when deposit addresses could
// be shared. (This file's D1 is its own, so dropping and re-creating an index here touches no other test.)
import { env } from 'cloudflare:workers'
import { asc, eq, inArray } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb, type PaymentRow } from '../../src/db/client'
import { depositAddresses, payments, wallets } from '../../src/db/schema'
import { call, createMerchant, randomXpub } from '../helpers/api'

const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith('0006'))
function statement(fragment: string): string {
  const found = migration?.queries.find((q) => q.includes(fragment))
  if (!found) throw new Error(`0006 has no statement with ${fragment}`)
  return found
}

const address = (n: number) => `0x${n.toString(16).padStart(40, '0')}`
let seq = 0
function legacyPayment(merchantId: string, walletId: string, depositAddress: string): PaymentRow {
  seq += 1
  const now = new Date().toISOString()
  return {
    id: `pay_legacy_${seq}`,
    merchantId,
    livemode: true,
    reference: `LEGA-${String(seq).padStart(8, '0')}-PMT`,
    status: 'pending',
    exception: null,
    amount: '1',
    currency: 'USD',
    chainId: 31337,
    token: 'USDC',
    tokenAddress: null,
    tokenDecimals: 6,
    payAmount: '1000000',
    amountReceived: '0',
    depositAddress,
    walletId,
    derivationIndex: null,
    baselineBalance: null,
    linkId: null,
    notifySecret: 's',
    rateSource: null,
    rate: null,
    transactionSpeed: 'medium',
    confirmations: 0,
    requiredConfirmations: 2,
    description: null,
    orderId: null,
    metadata: null,
    successUrl: null,
    cancelUrl: null,
    notificationUrl: null,
    expiresAt: now,
    completedAt: null,
    lastError: null,
    version: 0,
    createdAt: now,
    updatedAt: now,
  }
}

describe('migration 0006 on existing data', () => {
  it('claims each address used by exactly one wallet, and marks an address several wallets used as disputed (claimed by nobody)', async () => {
    const db = getDb(env.DB)
    const [a, b, c] = [await createMerchant(), await createMerchant(), await createMerchant()]
    const wallet = (id: string, merchantId: string, over: Partial<typeof wallets.$inferInsert>) =>
      ({
        id,
        merchantId,
        livemode: true,
        chainId: 31337,
        kind: 'xpub',
        xpub: randomXpub(),
        address: null,
        nextIndex: 3,
        createdAt: new Date().toISOString(),
        ...over,
      }) as const
    await db.insert(wallets).values([
      wallet('wal_mig_a', a.id, {}),
      wallet('wal_mig_b', b.id, {
        kind: 'address',
        xpub: null,
        address: '0x00000000000000000000000000000000000000BB',
        nextIndex: 0,
      }),
      wallet('wal_mig_c', c.id, {}),
    ])
    const legacy = [
      legacyPayment(a.id, 'wal_mig_a', address(1)),
      legacyPayment(c.id, 'wal_mig_c', address(1).toUpperCase().replace('0X', '0x')), // the shared address of the bug
      legacyPayment(a.id, 'wal_mig_a', address(2)),
      legacyPayment(b.id, 'wal_mig_b', '0x00000000000000000000000000000000000000BB'),
    ]
    for (const row of legacy) await db.insert(payments).values(row) // one row per statement (D1's bound-parameter limit)
    await db.delete(depositAddresses)

    await env.DB.prepare(statement('INSERT INTO `deposit_addresses`')).run()

    const claims = await db.select().from(depositAddresses).orderBy(asc(depositAddresses.address))
    expect(claims.map((r) => [r.address, r.walletId, r.merchantId])).toEqual([
      [address(1), null, null],
      [address(2), 'wal_mig_a', a.id],
      ['0x00000000000000000000000000000000000000bb', 'wal_mig_b', b.id],
    ])
    // A disputed address can be neither registered nor handed out again.
    const again = await call('POST', '/v1/wallets', {
      key: (await createMerchant()).liveKey,
      body: { chain_id: 31337, address: address(1) },
    })
    expect(again.status).toBe(409)
  })

  it('keeps the earliest wallet of a shared xpub in the unique index and marks later ones legacy_duplicate', async () => {
    const db = getDb(env.DB)
    const [a, b] = [await createMerchant(), await createMerchant()]
    const xpub = randomXpub()
    await env.DB.prepare('DROP INDEX `wallets_chain_xpub`').run()
    await db.insert(wallets).values([
      {
        id: 'wal_dup_1',
        merchantId: a.id,
        livemode: true,
        chainId: 31337,
        kind: 'xpub',
        xpub,
        nextIndex: 0,
        createdAt: '2026-01-01T00:00:00.000Z',
      },
      {
        id: 'wal_dup_2',
        merchantId: b.id,
        livemode: true,
        chainId: 31337,
        kind: 'xpub',
        xpub,
        nextIndex: 0,
        createdAt: '2026-02-01T00:00:00.000Z',
      },
    ])
    await env.DB.prepare(statement('UPDATE `wallets` SET `legacy_duplicate`')).run()
    await env.DB.prepare(statement('CREATE UNIQUE INDEX `wallets_chain_xpub`')).run()

    const rows = await db
      .select({ id: wallets.id, dup: wallets.legacyDuplicate })
      .from(wallets)
      .where(inArray(wallets.id, ['wal_dup_1', 'wal_dup_2']))
      .orderBy(asc(wallets.id))
    expect(rows).toEqual([
      { id: 'wal_dup_1', dup: false },
      { id: 'wal_dup_2', dup: true },
    ])
    // The xpub stays taken for everyone else.
    const third = await call('POST', '/v1/wallets', {
      key: (await createMerchant()).testKey,
      body: { chain_id: 31337, xpub },
    })
    expect(third.json.error).toMatchObject({ code: 'CONFLICT', field: 'xpub' })

    // Both legacy wallets still get deposit addresses, never the same one.
    const pa = await call('POST', '/v1/payments', {
      key: a.liveKey,
      body: { amount: '1', currency: 'USD', chain_id: 31337, token: 'USDC' },
    })
    const pb = await call('POST', '/v1/payments', {
      key: b.liveKey,
      body: { amount: '1', currency: 'USD', chain_id: 31337, token: 'USDC' },
    })
    expect(pa.status).toBe(201)
    expect(pb.status).toBe(201)
    expect(pa.json.data.deposit_address).not.toBe(pb.json.data.deposit_address)
    const [second] = await db.select().from(wallets).where(eq(wallets.id, 'wal_dup_2'))
    expect(second!.nextIndex).toBe(2) // index 0 was A's: skipped
  })
})
