import { DurableObject } from 'cloudflare:workers'

export interface RateLimitResult {
  allowed: boolean
  limit: number
  remaining: number
  /** UNIX seconds when the current window ends. */
  reset: number
  retryAfter: number
}

const MINUTE_MS = 60_000

/**
 * One per subject (an API key, a merchant, a client IP, a login name): fixed-window counters, one
 * per window length. Counts live in memory; if the object is evicted the window restarts, which
 * only ever errs in the caller's favour.
 */
export class RateLimiter extends DurableObject<Env> {
  private windows = new Map<number, { start: number; count: number }>()

  /** Counts one request and says whether it is within `limit` per `windowMs`. */
  hit(limit: number, windowMs: number = MINUTE_MS, now: number = Date.now()): RateLimitResult {
    const window = this.current(windowMs, now)
    window.count += 1
    return this.result(window, limit, windowMs, now)
  }

  /** Like `hit` without counting: has the subject already used up `limit`? */
  peek(limit: number, windowMs: number = MINUTE_MS, now: number = Date.now()): RateLimitResult {
    const window = this.current(windowMs, now)
    return { ...this.result(window, limit, windowMs, now), allowed: window.count < limit }
  }

  private current(windowMs: number, now: number) {
    const start = now - (now % windowMs)
    let window = this.windows.get(windowMs)
    if (!window || window.start !== start) {
      window = { start, count: 0 }
      this.windows.set(windowMs, window)
    }
    return window
  }

  private result(window: { start: number; count: number }, limit: number, windowMs: number, now: number): RateLimitResult {
    const end = window.start + windowMs
    return {
      allowed: window.count <= limit,
      limit,
      remaining: Math.max(0, limit - window.count),
      reset: Math.ceil(end / 1000),
      retryAfter: Math.max(1, Math.ceil((end - now) / 1000)),
    }
  }
}
