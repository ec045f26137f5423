import { DurableObject } from 'cloudflare:workers'

export interface RateLimitResult {
  allowed: boolean
  limit: number
  remaining: number
  /** UNIX seconds when the current window ends. */
  reset: number
  retryAfter: number
  /** Requests counted in the current window, this one included. */
  count: number
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

  /**
   * Adds `n` requests that an isolate already admitted on its own (see src/auth/rate-limit.ts) to
   * the window starting at `windowStart`; counts for a window that is over are dropped.
   */
  add(limit: number, windowMs: number, n: number, windowStart: number, now: number = Date.now()): RateLimitResult {
    const window = this.current(windowMs, now)
    if (window.start === windowStart) window.count += n
    return { ...this.result(window, limit, windowMs, now), allowed: window.count <= limit }
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

  private result(
    window: { start: number; count: number },
    limit: number,
    windowMs: number,
    now: number,
  ): RateLimitResult {
    const end = window.start + windowMs
    return {
      allowed: window.count <= limit,
      limit,
      remaining: Math.max(0, limit - window.count),
      reset: Math.ceil(end / 1000),
      retryAfter: Math.max(1, Math.ceil((end - now) / 1000)),
      count: window.count,
    }
  }
}
