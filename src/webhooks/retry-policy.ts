/**
 * Delay before each retry, indexed by the attempt that just failed (1-based). Sums to about three
 * days; Queues caps one delay at 12 h. After the last entry the message goes to the dead-letter queue
 * (the consumer counts attempts itself; `max_retries` in wrangler.toml is a backstop at least this long).
 */
export const RETRY_DELAYS_SECONDS = [
  30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 43_200, 43_200, 43_200, 43_200, 43_200,
] as const

/**
 * Seconds to wait after failed attempt `attempt` (1-based); the last delay repeats. `scale`
 * (WEBHOOK_BACKOFF_SCALE, default 1) shrinks the schedule, e.g. 0 in tests.
 */
export function retryDelaySeconds(attempt: number, scale = 1): number {
  const delay = RETRY_DELAYS_SECONDS.slice(0, Math.max(attempt, 1)).at(-1) ?? 0
  return Math.round(delay * scale)
}

/** The backoff scale configured for this environment. */
export function backoffScale(env: { WEBHOOK_BACKOFF_SCALE?: string }): number {
  const scale = Number(env.WEBHOOK_BACKOFF_SCALE ?? '1')
  return Number.isFinite(scale) && scale >= 0 ? scale : 1
}

/** Total time a delivery keeps being retried before it is dead-lettered. */
export function totalRetryWindowSeconds(): number {
  return RETRY_DELAYS_SECONDS.reduce((a, b) => a + b, 0)
}
