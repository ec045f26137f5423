// The chain watcher: one Durable Object per chain scanning at block time, the cron as its watchdog,
// and native balances read through Multicall3. The watcher ticks scan chain 31337 (the worker's CHAINS
// binding) read-only; everything that moves a chain here uses the shared anvil (31338).
import { evictDurableObject, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadChains } from '../../src/chain/registry'
import { balancesAt, chainClient } from '../../src/chain/rpc'
import { getDb } from '../../src/db/client'
import { chainCursors, observations, payments } from '../../src/db/schema'
import type { ChainWatcher } from '../../src/index'
import { IDLE_SCAN_MS, nextTickDelay, type WatchTick } from '../../src/objects/chain-watcher'
import { armWatchers } from '../../src/services/chain/chain-cron'
import { scanChainSafely } from '../../src/services/chain/scanner'
import { cursorOf, liveMerchant, observationsOf, seedOpenPayments, sharedChain } from '../helpers/chain'

const E2E_CHAIN = 31337

function watcher(chainId = E2E_CHAIN): DurableObjectStub<ChainWatcher> {
  return env.CHAIN_WATCHER.get(env.CHAIN_WATCHER.idFromName(String(chainId)))
}

/** The scan the watcher runs, reachable in a test (protected in the class). */
type Scannable = { scan(chainId: number): Promise<WatchTick> }

function scannedLogs(spy: { mock: { calls: unknown[][] } }, chainId: number): number {
  return spy.mock.calls.filter(
    ([line]: unknown[]) =>
      typeof line === 'string' && line.includes('"msg":"chain scanned"') && line.includes(`"chainId":${chainId}`),
  ).length
}

afterEach(() => vi.restoreAllMocks())

describe('chain watcher cadence', () => {
  const cadence = { blockTimeMs: 2_000, idleMs: IDLE_SCAN_MS }

  it('scans at block time while payments are open and once a minute when the chain is idle', () => {
    expect(nextTickDelay({ ok: true, active: true }, 0, cadence)).toBe(2_000)
    expect(nextTickDelay({ ok: true, active: false }, 0, cadence)).toBe(60_000)
  })

  it('backs off exponentially from block time up to the minute while the RPC fails', () => {
    expect([1, 2, 3, 4, 5, 6, 40].map((n) => nextTickDelay({ ok: false, active: true }, n, cadence))).toEqual([
      4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ])
  })

  it('takes block times from the registry (blockTimeMs, overridable in CHAINS)', () => {
    const chains = loadChains({
      CHAINS: JSON.stringify([
        { id: 8453, blockTimeMs: 250 },
        { id: 10, blockTimeSeconds: 3 },
        { id: 137, multicall3: null },
      ]),
    })
    expect([1, 8453, 10, 137, 42161, 31337].map((id) => chains.get(id)?.blockTimeMs)).toEqual([
      12_000, 250, 3_000, 2_000, 1_000, 1_000,
    ])
    expect(chains.get(1)?.multicall3).toBe('0xcA11bde05977b3631167028862bE2a173976CA11')
    expect(chains.get(137)?.multicall3).toBeNull()
    expect(() => loadChains({ CHAINS: JSON.stringify([{ id: 1, blockTimeMs: -5 }]) })).toThrow(/blockTimeMs/)
  })
})

describe('chain watcher (Durable Object)', () => {
  it('cron and alarm firing together run one scan', async () => {
    const log = vi.spyOn(console, 'log')
    const stub = watcher()
    const [fromCron, fromAlarm] = await runInDurableObject(stub, async (instance: ChainWatcher) => {
      await instance.wake(E2E_CHAIN)
      return Promise.all([instance.watch(E2E_CHAIN), instance.alarm().then(() => 'alarm ran')])
    })
    expect(fromCron).toMatchObject({ ok: true })
    expect(fromAlarm).toBe('alarm ran')
    expect(scannedLogs(log, E2E_CHAIN)).toBe(1)
    // The alarm re-armed the loop (idle chain: in a minute).
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())
    expect(alarm).toBeGreaterThan(Date.now() + 50_000)
    await runInDurableObject(stub, (_i, state) => state.storage.deleteAlarm())
  })

  it('a chain whose RPC fails backs off, then returns to block time when it recovers', async () => {
    // The watcher's scan pointed at the shared anvil's chain, whose RPC first answers 503 to everything.
    const { chains, chain } = sharedChain()
    const down: typeof fetch = async () => new Response('upstream unavailable', { status: 503 })
    const db = getDb(env.DB)
    await seedOpenPayments(chain, 1) // an open payment: the chain is busy (block time)
    const before = await cursorOf(chain.id)
    const stub = watcher()
    const run = await runInDurableObject(stub, async (instance: ChainWatcher, state) => {
      await instance.wake(E2E_CHAIN)
      const scannable = instance as unknown as Scannable
      let rpc: typeof fetch = down
      scannable.scan = async () => {
        const report = await scanChainSafely(db, env, chain, { chains, fetchFn: rpc })
        return { ok: report.ok, active: report.active }
      }
      const out: { delay: number; cursor: Awaited<ReturnType<typeof cursorOf>> }[] = []
      const step = async () => {
        await instance.alarm()
        out.push({ delay: ((await state.storage.getAlarm()) ?? 0) - Date.now(), cursor: await cursorOf(chain.id) })
      }
      for (let i = 0; i < 3; i++) await step()
      rpc = fetch
      await step()
      await state.storage.deleteAlarm()
      return { out, failures: await state.storage.get('failures') }
    })
    const [first, second, third, recovered] = run.out as [
      (typeof run.out)[number],
      (typeof run.out)[number],
      (typeof run.out)[number],
      (typeof run.out)[number],
    ]
    // Backoff from the 1 s block time: 2 s, 4 s, 8 s (less the time the failing scan took).
    expect(first.delay).toBeGreaterThan(1_000)
    expect(first.delay).toBeLessThanOrEqual(2_000)
    expect(second.delay).toBeGreaterThan(3_000)
    expect(third.delay).toBeGreaterThan(7_000)
    // While failing, the error is on the cursor and the scan position does not move.
    for (const failed of [first, second, third]) {
      expect(failed.cursor?.lastError).toMatch(/503|HTTP request failed/i)
      expect(failed.cursor?.lastScannedBlock).toBe(before?.lastScannedBlock ?? -1)
    }
    // Recovered: block time again, the error cleared, the cursor at the head, the failure count reset.
    expect(recovered.delay).toBeLessThanOrEqual(1_000)
    expect(recovered.cursor?.lastError).toBeNull()
    expect(recovered.cursor!.lastScannedBlock).toBeGreaterThan(before?.lastScannedBlock ?? -1)
    expect(run.failures).toBe(0)
  })

  it('an evicted watcher resumes from the cursor the last committed tick left', async () => {
    const m = await liveMerchant() // a live wallet on 31337: the watchdog watches that chain
    expect(m.walletId).toBeTruthy()
    await armWatchers(env)
    const before = await cursorOf(E2E_CHAIN)
    expect(before?.lastError).toBeNull()
    // Evicted in the middle of a tick: the tick's D1 batch either committed or did not happen at all.
    const stub = watcher()
    const interrupted = runInDurableObject(stub, (instance: ChainWatcher) => instance.watch(E2E_CHAIN)).catch(
      () => 'evicted',
    )
    await evictDurableObject(stub)
    await interrupted
    // The next watchdog round reaches a fresh instance, which ticks from the cursor in D1.
    await armWatchers(env)
    const after = await cursorOf(E2E_CHAIN)
    expect(after?.lastError).toBeNull()
    expect(after!.lastScannedBlock).toBeGreaterThanOrEqual(0)
    expect(Date.parse(after!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before!.updatedAt))
  })
})

describe('a scan interrupted midway (watcher evicted)', () => {
  /** Throws at `point` of the tick, as if the isolate running the watcher were gone there. */
  const evictAt = (point: 'beforeCommit' | 'afterCommit') => (at: string) => {
    if (at === point) throw new Error(`watcher evicted (${at})`)
  }

  it('during the RPC reads: leaves nothing behind, and the next tick records the transfer exactly once', async () => {
    const { chains, chain, payToken, ctx, mine } = sharedChain()
    const [p] = await seedOpenPayments(chain, 1, { token: 'USDC', viaObject: true })
    const db = getDb(env.DB)
    const cursor = (await cursorOf(chain.id))?.lastScannedBlock
    await payToken(ctx.usdc, p!.depositAddress, 10_000_000n)
    // The runtime drops the object while eth_getLogs is in flight.
    const evicted: typeof fetch = async (input, init) => {
      if (typeof init?.body === 'string' && init.body.includes('eth_getLogs')) throw new Error('object evicted')
      return fetch(input, init)
    }
    const broken = await scanChainSafely(db, env, chain, { chains, fetchFn: evicted })
    expect(broken.ok).toBe(false)
    expect(await observationsOf({ paymentId: p!.id })).toHaveLength(0)
    expect((await cursorOf(chain.id))?.lastScannedBlock).toBe(cursor ?? -1)

    const resumed = await scanChainSafely(db, env, chain, { chains })
    expect(resumed).toMatchObject({ ok: true, transfers: 1, active: true })
    await mine(1)
    const again = await scanChainSafely(db, env, chain, { chains })
    expect(again).toMatchObject({ ok: true, transfers: 0 })
    expect(await observationsOf({ paymentId: p!.id })).toHaveLength(1)
    const [row] = await db.select().from(payments).where(eq(payments.id, p!.id))
    // Counted once: 10 USDC (and confirmed at the medium depth of 2 after one more block).
    expect(row).toMatchObject({ status: 'completed', amountReceived: '10000000' })
  })

  it('between scanning and saving: no observation, the cursor unmoved, and the resumed tick covers the same blocks', async () => {
    const { chains, chain, payToken, payNative, ctx, mine } = sharedChain()
    const [token] = await seedOpenPayments(chain, 1, { token: 'USDC', viaObject: true })
    const [native] = await seedOpenPayments(chain, 1, { token: 'ETH', viaObject: true })
    const db = getDb(env.DB)
    const cursor = (await cursorOf(chain.id))?.lastScannedBlock ?? -1
    await payToken(ctx.usdc, token!.depositAddress, 10_000_000n)
    await payNative(native!.depositAddress, 3_333_333_333_333_334n)

    const broken = await scanChainSafely(db, env, chain, { chains, interrupt: evictAt('beforeCommit') })
    expect(broken).toMatchObject({ ok: false, error: expect.stringMatching(/evicted/) })
    expect(await observationsOf({ paymentId: token!.id })).toHaveLength(0)
    expect(await observationsOf({ paymentId: native!.id })).toHaveLength(0)
    expect((await cursorOf(chain.id))?.lastScannedBlock).toBe(cursor)

    // The next tick starts from the same cursor: no block between it and the head is skipped.
    const resumed = await scanChainSafely(db, env, chain, { chains })
    expect(resumed.ok).toBe(true)
    expect(resumed.window!.from).toBeLessThanOrEqual(Math.max(0, cursor + 1))
    expect(resumed.transfers).toBe(2)
    await mine(1)
    expect(await scanChainSafely(db, env, chain, { chains })).toMatchObject({ ok: true, transfers: 0 })
    for (const p of [token!, native!]) {
      expect(await observationsOf({ paymentId: p.id })).toHaveLength(1)
      const [row] = await db.select().from(payments).where(eq(payments.id, p.id))
      expect(row).toMatchObject({ status: 'completed', amountReceived: p.payAmount })
    }
  })

  it('after saving, before telling the payment: the next tick records nothing new and counts the transfer once', async () => {
    const { chains, chain, payToken, ctx, mine, head } = sharedChain()
    const [p] = await seedOpenPayments(chain, 1, { token: 'USDC', viaObject: true })
    const db = getDb(env.DB)
    await payToken(ctx.usdc, p!.depositAddress, 10_000_000n)

    const broken = await scanChainSafely(db, env, chain, { chains, interrupt: evictAt('afterCommit') })
    expect(broken.ok).toBe(false)
    // The D1 batch committed: the observation and the cursor; the payment itself was not told yet.
    expect(await observationsOf({ paymentId: p!.id })).toHaveLength(1)
    expect((await cursorOf(chain.id))?.lastScannedBlock).toBeGreaterThanOrEqual((await head()) - 1)
    const [untold] = await db.select().from(payments).where(eq(payments.id, p!.id))
    expect(untold).toMatchObject({ status: 'pending', amountReceived: '0' })

    const resumed = await scanChainSafely(db, env, chain, { chains })
    // Nothing new on chain (earlier payments on this chain may be told their new confirmations too).
    expect(resumed).toMatchObject({ ok: true, transfers: 0 })
    expect(resumed.notified).toBeGreaterThanOrEqual(1)
    const [told] = await db.select().from(payments).where(eq(payments.id, p!.id))
    expect(told).toMatchObject({ status: 'processing', amountReceived: '10000000' })
    await mine(1)
    await scanChainSafely(db, env, chain, { chains })
    expect(await observationsOf({ paymentId: p!.id })).toHaveLength(1)
    const [row] = await db.select().from(payments).where(eq(payments.id, p!.id))
    expect(row).toMatchObject({ status: 'completed', amountReceived: '10000000' })
  })
})

describe('native balances: Multicall3 and plain eth_getBalance agree', () => {
  it('reads the same balances at the head and at past blocks', async () => {
    const { chain, payNative, head, ctx } = sharedChain()
    const plain = { ...chain, multicall3: null }
    const addresses = [
      ...ctx.accounts,
      '0x000000000000000000000000000000000000dEaD',
      '0x1111111111111111111111111111111111111111',
    ]
    const past = await head()
    await payNative(addresses[5]!, 12345n)
    const now = await head()
    for (const block of [past, now]) {
      const viaMulticall = await balancesAt(chainClient(chain), chain, addresses, block)
      const viaPlain = await balancesAt(chainClient(plain), plain, addresses, block)
      expect(viaMulticall).toEqual(viaPlain)
    }
  })

  it('a native payment gives the same observations on both paths', async () => {
    const { chains, chain, payNative } = sharedChain()
    const db = getDb(env.DB)
    const [p] = await seedOpenPayments(chain, 1, { token: 'ETH', viaObject: true })
    // Balances are read at allocation: the deposit address is fresh, so the baseline is 0.
    await payNative(p!.depositAddress, 2_000_000_000_000_000n)
    await payNative(p!.depositAddress, 1_333_333_333_333_334n)
    const observe = async (multicall3: `0x${string}` | null) => {
      const c = { ...chain, multicall3 }
      const counted: string[] = []
      const counting: typeof fetch = async (input, init) => {
        if (typeof init?.body === 'string') counted.push(init.body)
        return fetch(input, init)
      }
      const report = await scanChainSafely(db, env, c, { chains: new Map([[c.id, c]]), fetchFn: counting })
      expect(report.ok).toBe(true)
      const rows = await observationsOf({ paymentId: p!.id })
      // Start over for the other path: same cursor, no observations.
      await db.delete(observations).where(eq(observations.paymentId, p!.id))
      await db.delete(chainCursors).where(eq(chainCursors.chainId, chain.id))
      return {
        rows: rows
          .map((o) => ({
            txHash: o.txHash,
            logIndex: o.logIndex,
            amount: o.amount,
            block: o.blockNumber,
            from: o.fromAddress,
          }))
          .sort((a, b) => (a.block ?? 0) - (b.block ?? 0)),
        usedMulticall: counted.some((b) => b.includes('eth_call')),
      }
    }
    const cursorBefore = await cursorOf(chain.id)
    if (cursorBefore) await db.delete(chainCursors).where(eq(chainCursors.chainId, chain.id))
    const viaPlain = await observe(null)
    const viaMulticall = await observe(chains.get(chain.id)!.multicall3)
    expect(viaPlain.usedMulticall).toBe(false)
    expect(viaMulticall.usedMulticall).toBe(true)
    expect(viaPlain.rows).toHaveLength(2)
    expect(viaMulticall.rows).toEqual(viaPlain.rows)
  })
})
