import { DurableObject } from 'cloudflare:workers'
import { log } from '../log'

/** What one tick of a chain's scan reports back to its watcher. */
export interface WatchTick {
  ok: boolean
  /** Open payments (or unconfirmed observations) remain: keep scanning at block time. */
  active: boolean
}

/** How often a watcher scans: at block time while busy, once a minute when idle or failing. */
export interface WatchCadence {
  blockTimeMs: number
  idleMs: number
}

export const IDLE_SCAN_MS = 60_000

/**
 * Milliseconds until the next tick: block time while payments are open, the idle interval when
 * none are, and on failure an exponential backoff from block time up to the idle interval.
 */
export function nextTickDelay(tick: WatchTick, consecutiveFailures: number, cadence: WatchCadence): number {
  if (!tick.ok) return Math.min(cadence.idleMs, cadence.blockTimeMs * 2 ** Math.min(consecutiveFailures, 16))
  return tick.active ? cadence.blockTimeMs : cadence.idleMs
}

/**
 * When the next tick starts: `delay` after the last one *started*, so ticks keep the block cadence
 * however long a scan takes (a 400 ms scan at 1 s blocks ticks every second, not every 1.4 s); never
 * in the past, so a scan longer than the delay is followed at once.
 */
export function nextTickAt(startedAt: number, now: number, delay: number): number {
  return Math.max(now, startedAt + delay)
}

/**
 * One per chain (`idFromName(String(chainId))`): an alarm loop that scans the chain from its cursor
 * (kept in D1 by the scan itself, so an evicted watcher resumes where the last committed tick
 * stopped). `wake` arms the loop at once (a live payment was created, or the minute cron's
 * watchdog); a wake during a scan never starts a second one: ticks run one at a time.
 * The entry point (src/index.ts) supplies `scan` and `cadence`, so this object does not reach up
 * into the services that do the scanning.
 */
export abstract class ChainWatcherBase extends DurableObject<Env> {
  private running: Promise<WatchTick> | undefined
  /** A wake arrived while a tick ran: the next tick follows at once. */
  private wokenDuringTick = false

  /** Scans the chain once; never throws (failures come back as `ok: false`). */
  protected abstract scan(chainId: number): Promise<WatchTick>
  /** The chain's cadence, or undefined when the chain is no longer configured. */
  protected abstract cadence(chainId: number): WatchCadence | undefined

  /** Arms the loop for `chainId` to tick now, unless a tick is already due sooner. */
  async wake(chainId: number): Promise<void> {
    if ((await this.ctx.storage.get<number>('chainId')) !== chainId) await this.ctx.storage.put('chainId', chainId)
    if (!this.autoLoop()) return
    if (this.running) this.wokenDuringTick = true
    const current = await this.ctx.storage.getAlarm()
    if (current === null || current > Date.now()) await this.ctx.storage.setAlarm(Date.now())
  }

  /**
   * The cron's watchdog: runs a tick now (sharing one already running, so cron and alarm never scan
   * the chain twice at once) and makes sure the loop is armed, so a watcher that was evicted or
   * whose alarm was lost resumes from the chain's cursor.
   */
  async watch(chainId: number): Promise<WatchTick | undefined> {
    if ((await this.ctx.storage.get<number>('chainId')) !== chainId) await this.ctx.storage.put('chainId', chainId)
    const result = await this.tick()
    const cadence = this.cadence(chainId)
    if (cadence && this.autoLoop() && (await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + nextTickDelay(result ?? { ok: false, active: false }, 0, cadence))
    }
    return result
  }

  /** Runs one tick now (tests, and the alarm); a call while a tick runs shares that tick. */
  async tick(): Promise<WatchTick | undefined> {
    const chainId = await this.ctx.storage.get<number>('chainId')
    if (chainId === undefined) return undefined
    this.running ??= this.scan(chainId).finally(() => {
      this.running = undefined
    })
    return this.running
  }

  /** CHAIN_WATCH_LOOP=manual (tests): wake and the watchdog do not arm the loop; an alarm still re-arms. */
  private autoLoop(): boolean {
    return this.env.CHAIN_WATCH_LOOP !== 'manual'
  }

  override async alarm(): Promise<void> {
    const chainId = await this.ctx.storage.get<number>('chainId')
    if (chainId === undefined) return
    const cadence = this.cadence(chainId)
    if (!cadence) {
      log.warn('chain watcher stopped: chain no longer configured', { chainId })
      return
    }
    const started = Date.now()
    const result = (await this.tick()) ?? { ok: false, active: false }
    const failures = result.ok ? 0 : ((await this.ctx.storage.get<number>('failures')) ?? 0) + 1
    await this.ctx.storage.put('failures', failures)
    const delay = this.wokenDuringTick ? 0 : nextTickDelay(result, failures, cadence)
    this.wokenDuringTick = false
    // Always re-armed here: the alarm that is running now is cleared when this handler returns.
    await this.ctx.storage.setAlarm(nextTickAt(started, Date.now(), delay))
  }
}

/** Wakes the chain's watcher (a live payment now waits on this chain); never throws, never waits. */
export function wakeChainWatcher(env: Env, chainId: number): void {
  try {
    const stub = env.CHAIN_WATCHER.get(env.CHAIN_WATCHER.idFromName(String(chainId)))
    stub
      .wake(chainId)
      .catch((err: unknown) => log.error('could not wake the chain watcher', { chainId, error: String(err) }))
  } catch (err) {
    log.error('could not wake the chain watcher', { chainId, error: String(err) })
  }
}
