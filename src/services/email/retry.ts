/** Attempts before a message is marked failed. */
export const EMAIL_MAX_ATTEMPTS = 6

/** Minutes to wait after the n-th failed attempt: 1, 2, 4, 8, 16 (then failed). */
export function emailRetryDelaySeconds(attempts: number): number {
  return 60 * 2 ** Math.max(0, attempts - 1)
}

/** How long a claimed message is left alone by other senders while one is trying it. */
export const EMAIL_CLAIM_SECONDS = 120
