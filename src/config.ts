import { loadChains, type Chain } from './chain/registry'
import { chainlinkRateSource } from './chain/price-feeds'
import { fiatDecimals } from './domain/currencies'
import { compareDecimals } from './domain/money'
import { fallbackRateSource, peggedRateSource, staticRateSource, type FallbackRateSource } from './domain/rates'

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

let cached: { key: string; chains: Map<number, Chain> } | undefined

/** The chain registry for this env, parsed once per isolate and distinct CHAINS/RPC value. */
export function chainsFor(env: Env): Map<number, Chain> {
  const vars = env as unknown as Record<string, unknown>
  const key = JSON.stringify(Object.entries(vars).filter(([k]) => k === 'CHAINS' || k.startsWith('RPC_URL_')))
  if (cached?.key !== key) cached = { key, chains: loadChains(vars) }
  return cached.chains
}

/**
 * Rates: on-chain price feeds as the cron cached them, then the static table for what they lack (or
 * when they fail or go stale). Production falls back only to fixed pegs (USD, stablecoins): a fixed
 * ETH price there would misprice real payments, so a missing feed is RATE_UNAVAILABLE instead.
 */
export function rateSourceFor(env: Env): FallbackRateSource {
  const fallback = env.ENVIRONMENT === 'production' ? peggedRateSource : staticRateSource
  return fallbackRateSource([chainlinkRateSource(env.DB), fallback], (source, err) =>
    console.error(JSON.stringify({ msg: 'rate source failed; using the next one', source, error: String(err) })),
  )
}

/** The public origin for hosted URLs: PUBLIC_URL, else the request's own origin. */
export function publicOrigin(env: Env, requestUrl?: string): string {
  if (env.PUBLIC_URL) return env.PUBLIC_URL.replace(/\/+$/, '')
  return requestUrl ? new URL(requestUrl).origin : 'http://localhost:8787'
}
