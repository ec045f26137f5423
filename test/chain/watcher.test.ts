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
import { armWatchers } from '../../src/services/chain-cron'
import { scanChainSafely } from '../../src/services/scanner'
import { cursorOf, liveMerchant, observationsOf, seedOpenPayments, sharedChain } from '../helpers/chain'

const E2E_CHAIN = 31337

function watcher(chainId = E2E_CHAIN): DurableObjectStub<ChainWatcher> {
  return env.CHAIN_WATCHER.get(env.CHAIN_WATCHER.idFromName(String(chainId)))
}

/** The scan the watcher runs, reachable in a test (protected in the class). */
type Scannable = { scan(chainId: number): Promise<WatchTick> }

function scannedLogs(spy: { mock: { calls: unknown[][] } }, chainId: number): number {
  return spy.mock.calls.filter(([line]: unknown[]) => typeof line === 'string' && line.includes('"msg":"chain scanned"') && line.includes(`"chainId":${chainId}`)).length
}

afterEach(() => vi.restoreAllMocks())

describe('chain watcher cadence', () => {
  const cadence = { blockTimeMs: 2_000, idleMs: IDLE_SCAN_MS }

  it('scans at block time while payments are open and once a minute when the chain is idle', () => {
    expect(nextTickDelay({ ok: true, active: true }, 0, cadence)).toBe(2_000)
    expect(nextTickDelay({ ok: true, active: false }, 0, cadence)).toBe(60_000)
  })

  it('backs off exponentially from block time up to the minute while the RPC fails', () => {
    expect([1, 2, 3, 4, 5, 6, 40].map((n) => nextTickDelay({ ok: false, active: true }, n, cadence))).toEqual([4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000])
  })

  it('takes block times from the registry (blockTimeMs, overridable in CHAINS)', () => {
    const chains = loadChains({ CHAINS: JSON.stringify([{ id: 8453, blockTimeMs: 250 }, { id: 10, blockTimeSeconds: 3 }, { id: 137, multicall3: null }]) })
    expect([1, 8453, 10, 137, 42161, 31337].map((id) => chains.get(id)?.blockTimeMs)).toEqual([12_000, 250, 3_000, 2_000, 1_000, 1_000])
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
    const stub = watcher()
    const delays = await runInDurableObject(stub, async (instance: ChainWatcher, state) => {
      await instance.wake(E2E_CHAIN)
      const scannable = instance as unknown as Scannable
      const real = scannable.scan.bind(instance)
      const out: number[] = []
      const delay = async () => ((await state.storage.getAlarm()) ?? 0) - Date.now()
      scannable.scan = async () => ({ ok: false, active: true })
      for (let i = 0; i < 3; i++) {
        await instance.alarm()
        out.push(await delay())
      }
      scannable.scan = async (id) => ({ ...(await real(id)), active: true })
      await instance.alarm()
      out.push(await delay())
      await state.storage.deleteAlarm()
      return { out, failures: await state.storage.get('failures') }
    })
    const [first, second, third, recovered] = delays.out as [number, number, number, number]
    expect(first).toBeGreaterThan(1_500) // 2 × 1 s block time
    expect(second).toBeGreaterThan(3_500)
    expect(third).toBeGreaterThan(7_500)
    expect(recovered).toBeLessThanOrEqual(1_000)
    expect(delays.failures).toBe(0)
  })

  it('an evicted watcher resumes from the cursor the last committed tick left', async () => {
    const m = await liveMerchant() // a live wallet on 31337: the watchdog watches that chain
    expect(m.walletId).toBeTruthy()
    await armWatchers(env)
    const before = await cursorOf(E2E_CHAIN)
    expect(before?.lastError).toBeNull()
    // Evicted in the middle of a tick: the tick's D1 batch either committed or did not happen at all.
    const stub = watcher()
    const interrupted = runInDurableObject(stub, (instance: ChainWatcher) => instance.watch(E2E_CHAIN)).catch(() => 'evicted')
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
  it('leaves nothing behind, and the next tick records the transfer exactly once', async () => {
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
})

describe('native balances: Multicall3 and plain eth_getBalance agree', () => {
  it('reads the same balances at the head and at past blocks', async () => {
    const { chain, payNative, head, ctx } = sharedChain()
    const plain = { ...chain, multicall3: null }
    const addresses = [...ctx.accounts, '0x000000000000000000000000000000000000dEaD', '0x1111111111111111111111111111111111111111']
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
      return { rows: rows.map((o) => ({ txHash: o.txHash, logIndex: o.logIndex, amount: o.amount, block: o.blockNumber, from: o.fromAddress })).sort((a, b) => (a.block ?? 0) - (b.block ?? 0)), usedMulticall: counted.some((b) => b.includes('eth_call')) }
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
