import { fiatDecimals } from './domain/currencies'
import { compareDecimals } from './domain/money'

/** Limits and defaults in one place. */
export const LIMITS = {
  maxBodyBytes: 64 * 1024,
  defaultExpiresInSeconds: 15 * 60,
  minExpiresInSeconds: 60,
  maxExpiresInSeconds: 7 * 24 * 60 * 60,
  maxPageSize: 100,
  defaultPageSize: 20,
  /** Payments may be paid this far below the due amount and still complete (base units). */
  underpaymentTolerance: 0n,
  /**
   * The largest order amount, in units of the order currency: 10^12 of any fiat currency (a trillion
   * USD, EUR, JPY…) and 10^9 of a token (more ETH than exists; a billion USDC).
   */
  maxOrderAmount: { fiat: '1000000000000', token: '1000000000' },
} as const

/** The largest order amount in `currency` (fiat or token); without a currency, the largest of any. */
export function maxOrderAmount(currency?: string): string {
  const { fiat, token } = LIMITS.maxOrderAmount
  if (currency === undefined) return compareDecimals(fiat, token) >= 0 ? fiat : token
  return fiatDecimals(currency.trim().toUpperCase()) === undefined ? token : fiat
}

/** The public origin for hosted URLs: PUBLIC_URL, else the request's own origin. */
export function publicOrigin(env: Env, requestUrl?: string): string {
  if (env.PUBLIC_URL) return env.PUBLIC_URL.replace(/\/+$/, '')
  return requestUrl ? new URL(requestUrl).origin : 'http://localhost:8787'
}
