import { DurableObject } from 'cloudflare:workers'

export interface RateLimitResult {
  allowed: boolean
  limit: number
  remaining: number
  /** UNIX seconds when the current window ends. */
  reset: number
  retryAfter: number
}

const WINDOW_MS = 60_000

/**
 * One per API key (or client IP for unauthenticated calls): a fixed one-minute window counter.
 * The count lives in memory; if the object is evicted the window restarts, which only ever errs
 * in the caller's favour.
 */
export class RateLimiter extends DurableObject<Env> {
  private windowStart = 0
  private count = 0

  hit(limit: number, now: number = Date.now()): RateLimitResult {
    const windowStart = now - (now % WINDOW_MS)
    if (windowStart !== this.windowStart) {
      this.windowStart = windowStart
      this.count = 0
    }
    this.count += 1
    const windowEnd = windowStart + WINDOW_MS
    return {
      allowed: this.count <= limit,
      limit,
      remaining: Math.max(0, limit - this.count),
      reset: Math.ceil(windowEnd / 1000),
      retryAfter: Math.max(1, Math.ceil((windowEnd - now) / 1000)),
    }
  }
}
