import type { Context } from 'hono'
import type { AppEnv, AuthContext } from '../context'
import { ApiError } from '../errors'
import { DEFAULT_RATE_LIMITS } from './api-keys'
import { log } from '../log'

const MINUTE_MS = 60_000

/** What this isolate knows of one subject's current minute. */
interface LocalWindow {
  start: number
  /** The counter's total as of its last answer to this isolate. */
  known: number
  /** Admitted here and not yet confirmed by the counter (sent or not). */
  pending: number
  /** Admitted here and not yet sent. */
  unsent: number
  flushing: boolean
}

/**
 * How requests are counted without a serial round trip to the RateLimiter object. Every request is
 * counted there; while this isolate's view of the window (the counter's last answer plus what it
 * admitted since) stays at or below `localShare` of the limit, the request is admitted here and its
 * count is sent after the response (`waitUntil`, coalesced). The first request of a window, and every
 * request once the view passes that share, waits for the counter, as before, so the limit is exact
 * within one isolate and the 429 comes from the counter itself. Across isolates the over-admission is
 * bounded by what the others admit locally during one counter round trip while below the share.
 */
export const rateLimitLocal = { localShare: 0.5, maxEntries: 10_000, windows: new Map<string, LocalWindow>() }

/**
 * Counts the request against the per-minute limit of its credential (or of its client IP when it has
 * none) and sets the X-RateLimit-* headers; over the limit it throws 429 with Retry-After.
 */
export async function countRequest(c: Context<AppEnv>, auth: AuthContext | undefined): Promise<void> {
  const subject = auth ? `key:${auth.keyId}` : `ip:${c.req.header('cf-connecting-ip') ?? 'local'}`
  const limit = auth?.rateLimit ?? DEFAULT_RATE_LIMITS.test
  const now = Date.now()
  const start = now - (now % MINUTE_MS)
  const stub = c.env.RATE_LIMITER.get(c.env.RATE_LIMITER.idFromName(subject))
  const windows = rateLimitLocal.windows
  let local = windows.get(subject)
  if (local && local.start === start && local.known + local.pending + 1 <= limit * rateLimitLocal.localShare) {
    local.pending += 1
    local.unsent += 1
    const used = local.known + local.pending
    setHeaders(c, { limit, remaining: Math.max(0, limit - used), reset: Math.ceil((start + MINUTE_MS) / 1000) })
    if (!local.flushing) background(c, flush(stub, local, limit))
    return
  }
  const result = await stub.hit(limit)
  if (!local || local.start !== start) {
    if (windows.size >= rateLimitLocal.maxEntries) windows.clear()
    local = { start, known: 0, pending: 0, unsent: 0, flushing: false }
    windows.set(subject, local)
  }
  local.known = Math.max(local.known, result.count)
  setHeaders(c, result)
  if (!result.allowed) {
    c.set('responseHeaders', { ...c.get('responseHeaders'), 'Retry-After': String(result.retryAfter) })
    throw new ApiError('RATE_LIMITED', `Rate limit of ${limit} requests per minute exceeded`)
  }
}

function setHeaders(c: Context<AppEnv>, r: { limit: number; remaining: number; reset: number }): void {
  c.set('responseHeaders', {
    'X-RateLimit-Limit': String(r.limit),
    'X-RateLimit-Remaining': String(r.remaining),
    'X-RateLimit-Reset': String(r.reset),
  })
}

/** Sends the locally admitted counts, one call at a time, until none is left. */
async function flush(stub: ReturnType<Env['RATE_LIMITER']['get']>, local: LocalWindow, limit: number): Promise<void> {
  local.flushing = true
  try {
    while (local.unsent > 0) {
      const n = local.unsent
      local.unsent = 0
      try {
        const result = await stub.add(limit, MINUTE_MS, n, local.start)
        local.known = Math.max(local.known, result.count)
      } catch (err) {
        // Lost counts err in the caller's favour, as an evicted counter does.
        log.error('rate-limit count not sent', { n, error: String(err) })
      }
      local.pending -= n
    }
  } finally {
    local.flushing = false
  }
}

function background(c: Context<AppEnv>, work: Promise<void>): void {
  try {
    c.executionCtx.waitUntil(work)
  } catch {
    // No execution context (direct app.request in a unit test): the promise runs on its own.
  }
}
