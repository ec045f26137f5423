import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { HDKey } from '@scure/bip32'
import { env } from 'cloudflare:workers'
import { publicKeyToAddress } from 'viem/accounts'
import { afterEach, describe, expect, it } from 'vitest'
import { deriveDepositAddress } from '../../src/chain/addresses'
import { indexHints } from '../../src/services/wallets/wallets'
import { call, merchantWithWallet, randomXpub } from '../helpers/api'

// A payment's address index comes from the isolate's hint (services/wallets indexHints) and is
// claimed in the payment's own batch (db/deposit-claims claimStatements): the claim, not the hint,
// decides, so an index taken elsewhere, or a wallet set aside, never gives two payments one address.

const realNow = indexHints.now

afterEach(() => {
  indexHints.now = realNow
})

const pay = (
  key: string,
  body: Record<string, unknown> = { amount: '12.50', currency: 'USD', chain_id: 31337, token: 'ETH' },
) => call('POST', '/v1/payments', { key, body })

/** Creates a payment and returns its stored wallet and index (the API shows neither). */
async function payIndex(key: string, body?: Record<string, unknown>): Promise<number | null> {
  const res = await pay(key, body)
  expect(res.status, res.text).toBe(201)
  return (await stored(res.json.data.id)).derivation_index
}

async function stored(paymentId: string) {
  const row = await env.DB.prepare('SELECT wallet_id, derivation_index, deposit_address FROM payments WHERE id = ?')
    .bind(paymentId)
    .first<{ wallet_id: string; derivation_index: number | null; deposit_address: string }>()
  if (!row) throw new Error(`payment ${paymentId} not stored`)
  return row
}

async function walletRow(id: string) {
  return env.DB.prepare('SELECT next_index FROM wallets WHERE id = ?').bind(id).first<{ next_index: number }>()
}

async function claimAs(walletId: string, merchantId: string, address: string, index: number | null) {
  await env.DB.prepare(
    'INSERT INTO deposit_addresses (chain_id, address, wallet_id, merchant_id, livemode, derivation_index) VALUES (31337, ?, ?, ?, 0, ?)',
  )
    .bind(address.toLowerCase(), walletId, merchantId, index)
    .run()
}

describe('deposit address indexes hinted by the isolate', () => {
  it('hands out consecutive indexes and keeps the wallet counter past every one of them', async () => {
    const m = await merchantWithWallet()
    const created = await Promise.all(Array.from({ length: 6 }, () => pay(m.testKey)))
    expect(created.map((r) => r.status)).toEqual(Array(6).fill(201))
    const rows = await Promise.all(created.map((r) => stored(r.json.data.id)))
    expect(rows.map((r) => r.derivation_index).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([0, 1, 2, 3, 4, 5])
    for (const r of rows) expect(r.deposit_address).toBe(deriveDepositAddress(m.xpub, r.derivation_index ?? -1))
    expect(indexHints.slots.get(`${m.id}:test:31337`)).toMatchObject({ next: 6 })
    expect((await walletRow(m.walletId))?.next_index).toBe(6)
  })

  it('takes another index when the hinted one was claimed elsewhere (another isolate), writing nothing twice', async () => {
    const m = await merchantWithWallet()
    expect(await payIndex(m.testKey)).toBe(0)
    // Another isolate's payment took index 1 (and 2 by the atomic increment): this isolate does not know.
    await claimAs(m.walletId, m.id, deriveDepositAddress(m.xpub, 1), 1)
    await env.DB.prepare('UPDATE wallets SET next_index = 2 WHERE id = ?').bind(m.walletId).run()
    expect(await payIndex(m.testKey)).toBe(2)
    // One payment per address; the failed try left no payment behind.
    const { results } = await env.DB.prepare(
      'SELECT deposit_address, count(*) AS n FROM payments WHERE wallet_id = ? GROUP BY deposit_address',
    )
      .bind(m.walletId)
      .all<{ n: number }>()
    expect(results.every((r) => r.n === 1)).toBe(true)
    expect(results).toHaveLength(2)
    // The slot is contended now: the next payment uses the atomic increment.
    expect(indexHints.slots.get(`${m.id}:test:31337`)).toHaveProperty('contendedUntil')
    expect(await payIndex(m.testKey)).toBe(3)
  })

  it('uses the hint again once the contention bound has passed', async () => {
    const m = await merchantWithWallet()
    let now = Date.now()
    indexHints.now = () => now
    await pay(m.testKey)
    await claimAs(m.walletId, m.id, deriveDepositAddress(m.xpub, 1), 1)
    expect(await payIndex(m.testKey)).toBe(2)
    now += indexHints.contendedMs
    expect(await payIndex(m.testKey)).toBe(3)
    expect(indexHints.slots.get(`${m.id}:test:31337`)).toMatchObject({ next: 4 })
    expect(await payIndex(m.testKey)).toBe(4)
  })

  it('never hands an index a payment batch claimed to the atomic path too (the own claim is not reused)', async () => {
    const m = await merchantWithWallet()
    await pay(m.testKey)
    // A payment batch claimed index 1 before the atomic increment passed it (its raise not yet seen).
    await claimAs(m.walletId, m.id, deriveDepositAddress(m.xpub, 1), 1)
    expect((await walletRow(m.walletId))?.next_index).toBe(1)
    // The hosted page's choice takes its address by the atomic increment (allocateDepositAddress).
    const open = (await pay(m.testKey, { amount: '12.50', currency: 'USD' })).json.data
    const chosen = await call('POST', `/v1/sandbox/payments/${open.id}/simulate`, {
      key: m.testKey,
      body: { chain_id: 31337, token: 'ETH', confirmed: false },
    })
    expect(chosen.status, chosen.text).toBe(200)
    expect((await stored(open.id)).derivation_index).toBe(2)
  })

  it('refuses a hinted wallet the merchant may no longer use: the next payment takes the wallet in use', async () => {
    const m = await merchantWithWallet()
    await pay(m.testKey)
    // The wallet is set aside (as registering an own wallet sets the sandbox wallet aside).
    await env.DB.prepare('UPDATE wallets SET sandbox = 1 WHERE id = ?').bind(m.walletId).run()
    const own = randomXpub()
    await env.DB.prepare(
      "INSERT INTO wallets (id, merchant_id, livemode, chain_id, kind, xpub, next_index, sandbox, created_at) VALUES (?, ?, 0, 31337, 'xpub', ?, 0, 0, ?)",
    )
      .bind(`wal_own_${m.id}`, m.id, own, new Date().toISOString())
      .run()
    const next = await pay(m.testKey)
    expect(next.status, next.text).toBe(201)
    expect(await stored(next.json.data.id)).toMatchObject({
      wallet_id: `wal_own_${m.id}`,
      derivation_index: 0,
      deposit_address: deriveDepositAddress(own, 0),
    })
  })
})

describe('deposit address derivation on the cached parent point', () => {
  it('gives the address HDKey derives, for any xpub and index (the last non-hardened included)', () => {
    for (let k = 0; k < 4; k++) {
      const xpub = randomXpub()
      const external = HDKey.fromExtendedKey(xpub).deriveChild(0)
      for (const i of [0, 1, 19, 20, 1000, 2 ** 31 - 1]) {
        const expected = publicKeyToAddress(
          `0x${bytesToHex(secp256k1.Point.fromBytes(external.deriveChild(i).publicKey ?? new Uint8Array()).toBytes(false))}`,
        )
        expect(deriveDepositAddress(xpub, i)).toBe(expected)
      }
    }
    expect(() => deriveDepositAddress(randomXpub(), 2 ** 31)).toThrow(/non-hardened/)
  })
})
