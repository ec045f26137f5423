import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { erc20Abi, parseEther, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { getDb } from '../../src/db/client'
import { events, payouts } from '../../src/db/schema'
import { fundPayout, payoutWallet, processDuePayouts } from '../../src/services/payouts/payouts'
import { ADMIN_TOKEN, call as rawCall, createMerchant, type CallOptions } from '../helpers/api'
import { e2eChain } from '../helpers/chain'

/** Every response body and console line of this file, checked for the payout keys at the end. */
const seen: string[] = []
const keys: string[] = []
const call = async (method: string, path: string, options: CallOptions = {}) => {
  const res = await rawCall(method, path, options)
  seen.push(res.text)
  return res
}

beforeAll(() => {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    // biome-ignore lint/suspicious/noConsole: the test captures every console line to prove the key is never printed
    const original = console[level].bind(console)
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      seen.push(
        args
          .map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a)))
          .join(' '),
      )
      original(...args)
    })
  }
})

afterAll(() => {
  vi.restoreAllMocks()
})

async function usdcOf(address: string): Promise<bigint> {
  const { publicClient, ctx } = e2eChain()
  return publicClient.readContract({
    address: ctx.usdc,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [address as Hex],
  })
}

/** A live merchant with a fresh payout wallet funded with ETH and `usdc` base units, and a recipient activated by signature. */
async function fundedSetup(usdc: bigint) {
  const { ctx, payNative, payToken } = e2eChain()
  const key = generatePrivateKey()
  keys.push(key)
  const walletAddress = privateKeyToAccount(key).address
  await payNative(walletAddress, parseEther('1'))
  await payToken(ctx.usdc, walletAddress, usdc)
  const m = await createMerchant()
  const wallet = await call('POST', '/v1/payout-wallets', {
    key: m.liveKey,
    body: { chain_id: 31337, private_key: key.slice(2), label: 'robust' },
  })
  expect(wallet.status).toBe(201)
  const owner = privateKeyToAccount(generatePrivateKey())
  const invited = await call('POST', '/v1/recipients', {
    key: m.liveKey,
    body: { recipients: [{ email: `robust${crypto.randomUUID().slice(0, 8)}@example.com` }] },
  })
  const token = new URL(invited.json.data[0].invite_url as string).pathname.split('/').pop()
  const { message } = (await call('GET', `/recipient/${token}/challenge?address=${owner.address}`)).json
  const verified = await call('POST', `/recipient/${token}/verify`, {
    body: { address: owner.address, signature: await owner.signMessage({ message }) },
  })
  expect(verified.json.status).toBe('active')
  return {
    m,
    walletId: wallet.json.data.id as string,
    walletAddress,
    recipientId: invited.json.data[0].id as string,
    to: owner.address,
  }
}

async function payoutRow(id: string) {
  const [row] = await getDb(env.DB).select().from(payouts).where(eq(payouts.id, id))
  if (!row) throw new Error(`no payout ${id}`)
  return row
}

/** Cron ticks, mining between them, until every payout is complete (or a tick limit). */
async function tickUntilComplete(ids: string[]) {
  const { mine } = e2eChain()
  for (let i = 0; i < 30; i++) {
    await processDuePayouts(env)
    const rows = await Promise.all(ids.map(payoutRow))
    if (rows.every((r) => r.status === 'complete' || r.status === 'failed')) return rows
    await mine(2)
  }
  return Promise.all(ids.map(payoutRow))
}

const txidOf = (row: { transactions: string }) => (JSON.parse(row.transactions) as { txid: Hex }[])[0]?.txid

describe('the payout wallet object under load and faults (local chain)', () => {
  it('gives twenty payouts submitted at once twenty distinct nonces; all are mined and the recipient gets exactly their sum', async () => {
    const s = await fundedSetup(100_000_000n)
    const { publicClient } = e2eChain()
    const startNonce = await publicClient.getTransactionCount({ address: s.walletAddress, blockTag: 'pending' })
    const before = await usdcOf(s.to)
    const amounts = Array.from({ length: 20 }, (_, i) => `1.${String(i + 1).padStart(2, '0')}`)
    const created = await Promise.all(
      amounts.map((amount) =>
        call('POST', '/v1/payouts', { key: s.m.liveKey, body: { amount, recipient_id: s.recipientId } }),
      ),
    )
    expect(created.map((r) => r.status)).toEqual(Array(20).fill(201))
    const ids = created.map((r) => r.json.data.id as string)
    // Fund them, then make the object sign all twenty at the same time.
    for (const id of ids) expect(await fundPayout(env, await payoutRow(id))).toBe('funded')
    await Promise.all(ids.map((id) => payoutWallet(env, s.walletId).advance(id)))
    // All signed and sent (each mined block confirms the earlier ones, so some are complete already).
    expect(
      (await Promise.all(ids.map(payoutRow))).every((r) => r.status === 'processing' || r.status === 'complete'),
    ).toBe(true)

    const rows = await tickUntilComplete(ids)
    expect(rows.map((r) => r.status)).toEqual(Array(20).fill('complete'))
    const txs = await Promise.all(rows.map((r) => publicClient.getTransaction({ hash: txidOf(r) as Hex })))
    const nonces = txs.map((t) => t.nonce).sort((a, b) => a - b)
    expect(new Set(nonces).size).toBe(20)
    expect(nonces).toEqual(Array.from({ length: 20 }, (_, i) => startNonce + i))
    const sum = amounts.reduce((acc, a) => acc + BigInt(a.replace('.', '')) * 10_000n, 0n)
    expect((await usdcOf(s.to)) - before).toBe(sum)
    expect(await publicClient.getTransactionCount({ address: s.walletAddress, blockTag: 'pending' })).toBe(
      startNonce + 20,
    )
  })

  it('retries a broadcast that hit RPC errors with the same nonce and the same raw transaction, and sends the payout once', async () => {
    const s = await fundedSetup(10_000_000n)
    const { publicClient } = e2eChain()
    const startNonce = await publicClient.getTransactionCount({ address: s.walletAddress, blockTag: 'pending' })
    const before = await usdcOf(s.to)
    const p = await call('POST', '/v1/payouts', {
      key: s.m.liveKey,
      body: { amount: '4', recipient_id: s.recipientId },
    })
    const id = p.json.data.id as string
    const stub = payoutWallet(env, s.walletId)
    // Every broadcast of the first tick fails (three attempts), as an RPC outage would.
    await stub.setFaults({ failBroadcasts: 3 })
    await processDuePayouts(env)
    const stuck = await payoutRow(id)
    expect(stuck.status).toBe('processing')
    const txid = txidOf(stuck) as Hex
    expect(await publicClient.getTransactionCount({ address: s.walletAddress, blockTag: 'pending' })).toBe(startNonce)
    await expect(publicClient.getTransaction({ hash: txid })).rejects.toThrow()

    const [done] = await tickUntilComplete([id])
    expect(done?.status).toBe('complete')
    expect(txidOf(done ?? { transactions: '[]' })).toBe(txid)
    const sent = await stub.broadcasts(id)
    expect(sent.length).toBeGreaterThanOrEqual(4)
    // Each attempt sent the same bytes: the same hash, so the same nonce.
    expect(new Set(sent)).toEqual(new Set([txid]))
    expect((await publicClient.getTransaction({ hash: txid })).nonce).toBe(startNonce)
    expect(await publicClient.getTransactionCount({ address: s.walletAddress, blockTag: 'pending' })).toBe(
      startNonce + 1,
    )
    expect((await usdcOf(s.to)) - before).toBe(4_000_000n)
  })

  it('never sends twice when the object dies between signing and broadcasting, then resumes', async () => {
    const s = await fundedSetup(10_000_000n)
    const { publicClient } = e2eChain()
    const startNonce = await publicClient.getTransactionCount({ address: s.walletAddress, blockTag: 'pending' })
    const before = await usdcOf(s.to)
    const p = await call('POST', '/v1/payouts', {
      key: s.m.liveKey,
      body: { amount: '3', recipient_id: s.recipientId },
    })
    const id = p.json.data.id as string
    expect(await fundPayout(env, await payoutRow(id))).toBe('funded')
    const stub = payoutWallet(env, s.walletId)
    await stub.setFaults({ crashAfterSign: true })
    // (.then, not expect().rejects: property reads on an RPC promise would pipeline more calls.)
    const outcome = await stub.advance(id).then(
      () => 'returned',
      (err: unknown) => String(err),
    )
    expect(outcome).toMatch(/killed after signing/)
    // Signed and stored, but not marked processing and not broadcast.
    expect((await payoutRow(id)).status).toBe('funded')
    const signed = await payoutWallet(env, s.walletId).signedTx(id)
    expect(signed).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await payoutWallet(env, s.walletId).broadcasts(id)).toEqual([])
    expect(await publicClient.getTransactionCount({ address: s.walletAddress, blockTag: 'pending' })).toBe(startNonce)

    const [done] = await tickUntilComplete([id])
    expect(done?.status).toBe('complete')
    // More ticks after completion send nothing more.
    await processDuePayouts(env)
    await processDuePayouts(env)
    const sent = await payoutWallet(env, s.walletId).broadcasts(id)
    const txid = txidOf(done ?? { transactions: '[]' })
    // The transaction signed before the crash is the one sent, the only one.
    expect(txid).toBe(signed)
    expect(new Set(sent)).toEqual(new Set([txid]))
    expect(await publicClient.getTransactionCount({ address: s.walletAddress, blockTag: 'pending' })).toBe(
      startNonce + 1,
    )
    expect((await usdcOf(s.to)) - before).toBe(3_000_000n)
    const types = (await getDb(env.DB).select().from(events).where(eq(events.payoutId, id))).map((e) => e.type)
    expect(types).toEqual(['payout.created', 'payout.funded', 'payout.processing', 'payout.completed'])
  })

  it('never shows a payout key in a response, an error or the console over the wallet lifecycle', async () => {
    const s = await fundedSetup(2_000_000n)
    const key = keys[keys.length - 1] ?? ''
    // Registering the same key again, malformed variants of it, and without the secret.
    await call('POST', '/v1/payout-wallets', { key: s.m.liveKey, body: { chain_id: 31337, private_key: key } })
    await call('POST', '/v1/payout-wallets', {
      key: s.m.liveKey,
      body: { chain_id: 31337, private_key: `${key.slice(0, 64)}zz` },
    })
    await call('POST', '/v1/payout-wallets', { key: s.m.liveKey, body: { chain_id: 999999, private_key: key } })
    await call('POST', '/v1/payout-wallets', {
      key: s.m.liveKey,
      body: { chain_id: 31337, private_key: key },
      env: { PAYOUT_KEY_SECRET: '' },
    })
    await call('GET', '/v1/payout-wallets', { key: s.m.liveKey })
    const p = await call('POST', '/v1/payouts', {
      key: s.m.liveKey,
      body: { amount: '1', recipient_id: s.recipientId },
    })
    // A broadcast fault logs an error on the way.
    await payoutWallet(env, s.walletId).setFaults({ failBroadcasts: 3 })
    await tickUntilComplete([p.json.data.id])
    await call('GET', `/v1/payouts/${p.json.data.id}`, { key: s.m.liveKey })
    await call('DELETE', `/v1/payout-wallets/${s.walletId}`, { key: s.m.liveKey })
    await call('DELETE', `/v1/payout-wallets/${s.walletId}`, { key: s.m.liveKey })
    await call('GET', '/openapi.json')
    await call('PATCH', `/v1/merchants/${s.m.id}`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      body: { fee_bps: 0 },
    })

    expect(seen.some((line) => line.includes('payout broadcast failed'))).toBe(true)
    for (const k of keys) {
      const hex = k.slice(2).toLowerCase()
      const leaks = seen.filter((line) => line.toLowerCase().includes(hex))
      expect(leaks).toEqual([])
    }
  })
})
