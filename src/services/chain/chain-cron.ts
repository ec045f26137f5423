import { refreshRates } from '../../chain/price-feeds'
import { inspectChains } from '../../chain/registry'
import { getDb } from '../../db/client'
import { IDLE_SCAN_MS, type WatchCadence, type WatchTick } from '../../objects/chain-watcher'
import { scanChainSafely, watchedChains } from './scanner'
import { log } from '../../log'

/**
 * The cron's chain work: the watchdog of the chain watchers (each chain with live wallets gets a tick
 * through its ChainWatcher, awaited, and its loop re-armed) and the on-chain rate refresh, each on its own.
 */
export async function runChainCron(env: Env, now = new Date()): Promise<void> {
  const { chains } = inspectChains(env as unknown as Record<string, unknown>)
  await Promise.allSettled([
    armWatchers(env, now).catch((err) => log.error('chain watchdog could not start', { error: String(err) })),
    refreshRates(env, chains, now).catch((err) => log.error('rate refresh failed', { error: String(err) })),
  ])
}

/** Runs a tick through every watched chain's watcher (sharing a tick already running) and arms its loop. */
export async function armWatchers(env: Env, now = new Date()): Promise<void> {
  const chains = await watchedChains(env, { now })
  await Promise.all(
    chains.map((chain) =>
      env.CHAIN_WATCHER.get(env.CHAIN_WATCHER.idFromName(String(chain.id)))
        .watch(chain.id)
        .catch((err: unknown) => log.error('chain watcher unreachable', { chainId: chain.id, error: String(err) })),
    ),
  )
}

/** One watcher tick: a scan of the chain as the registry configures it now. */
export async function watcherTick(env: Env, chainId: number): Promise<WatchTick> {
  const chain = inspectChains(env as unknown as Record<string, unknown>).chains.get(chainId)
  if (!chain) return { ok: false, active: false }
  const report = await scanChainSafely(getDb(env.DB), env, chain)
  return { ok: report.ok, active: report.active }
}

/** A watcher's cadence: the chain's block time while busy, the minute when idle. */
export function watcherCadence(env: Env, chainId: number): WatchCadence | undefined {
  const chain = inspectChains(env as unknown as Record<string, unknown>).chains.get(chainId)
  return chain ? { blockTimeMs: chain.blockTimeMs, idleMs: IDLE_SCAN_MS } : undefined
}
