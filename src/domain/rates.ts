import { formatUnits } from './money'
import type { UsdPrices } from './pricing'

/** A source of USD prices; the static table is the sandbox/dev source, on-chain feeds plug in beside it. */
export interface RateSource {
  readonly name: string
  prices(): Promise<UsdPrices>
}

/** Fixed prices for development and sandbox. Stablecoins are pegged 1:1 to USD. */
export const STATIC_USD_PRICES: UsdPrices = {
  USD: '1',
  EUR: '1.08',
  GBP: '1.27',
  JPY: '0.0067',
  CHF: '1.13',
  CAD: '0.73',
  AUD: '0.66',
  NZD: '0.6',
  SGD: '0.75',
  HKD: '0.128',
  SEK: '0.095',
  NOK: '0.093',
  DKK: '0.145',
  PLN: '0.25',
  CZK: '0.043',
  INR: '0.012',
  BRL: '0.18',
  MXN: '0.055',
  ZAR: '0.055',
  AED: '0.2723',
  KRW: '0.00072',
  CNY: '0.138',
  TRY: '0.029',
  IDR: '0.000063',
  MYR: '0.22',
  PHP: '0.017',
  THB: '0.029',
  NGN: '0.00065',
  KES: '0.0077',
  ARS: '0.001',
  USDC: '1',
  USDT: '1',
  DAI: '1',
  TUSD: '1',
  ETH: '3000',
  POL: '0.5',
  MATIC: '0.5',
}

export const staticRateSource: RateSource = {
  name: 'static',
  prices: async () => STATIC_USD_PRICES,
}

/** Fixed prices that cannot go stale: USD and the USD stablecoins at their peg. */
export const PEGGED_USD_PRICES: UsdPrices = { USD: '1', USDC: '1', USDT: '1', DAI: '1', TUSD: '1' }

/** The static table limited to what is pegged: the production fallback, where a fixed ETH price would be wrong. */
export const peggedRateSource: RateSource = {
  name: 'static-pegged',
  prices: async () => PEGGED_USD_PRICES,
}

/** Prices for one pricing, and which source(s) gave the symbols it needs. */
export interface PricedBy {
  source: string
  prices: UsdPrices
}

/** One source's attempt: its prices, or why it could not answer. */
export type RateAttempt = { name: string; prices: UsdPrices } | { name: string; error: string }

/**
 * Merges the answers of sources tried in order: each symbol is priced by the first source that has it
 * (a failed source is skipped). `source` names the sources that priced `symbols`, joined by "+" (USD, the
 * unit every source quotes in, does not count).
 */
export function pickRates(attempts: RateAttempt[], symbols: string[]): PricedBy {
  const prices: Record<string, string> = {}
  const from: Record<string, string> = {}
  for (const attempt of attempts) {
    if ('error' in attempt) continue
    for (const [symbol, price] of Object.entries(attempt.prices)) {
      if (prices[symbol] !== undefined) continue
      prices[symbol] = price
      from[symbol] = attempt.name
    }
  }
  const used = [
    ...new Set(
      symbols
        .filter((s) => s !== 'USD')
        .map((s) => from[s])
        .filter((n): n is string => n !== undefined),
    ),
  ]
  const answered = attempts.find((a) => !('error' in a))?.name
  return { source: used.length > 0 ? used.join('+') : (answered ?? 'none'), prices }
}

/** A RateSource that also says which of its sources priced a request. */
export interface FallbackRateSource extends RateSource {
  pricesFor(symbols: string[]): Promise<PricedBy>
}

/** Asks `sources` in order; a source that throws or lacks a symbol gives way to the next for that symbol. */
export function fallbackRateSource(
  sources: RateSource[],
  onError: (source: string, err: unknown) => void = () => {},
): FallbackRateSource {
  const pricesFor = async (symbols: string[]): Promise<PricedBy> => {
    const attempts = await Promise.all(
      sources.map(async (source): Promise<RateAttempt> => {
        try {
          return { name: source.name, prices: await source.prices() }
        } catch (err) {
          onError(source.name, err)
          return { name: source.name, error: String(err) }
        }
      }),
    )
    return pickRates(attempts, symbols)
  }
  return {
    name: sources.map((s) => s.name).join('>'),
    prices: async () => (await pricesFor([])).prices,
    pricesFor,
  }
}

/** The prices to quote `symbols` with, and the name of the source(s) that gave them. */
export async function pricesFor(rates: RateSource, symbols: string[]): Promise<PricedBy> {
  if ('pricesFor' in rates && typeof rates.pricesFor === 'function')
    return (rates as FallbackRateSource).pricesFor(symbols)
  return { source: rates.name, prices: await rates.prices() }
}

/** A Chainlink-style answer as a decimal USD price; null when it must not be used (non-positive or stale). */
export function feedPrice(
  answer: bigint,
  decimals: number,
  updatedAt: bigint,
  nowSeconds: number,
  maxAgeSeconds: number,
): string | null {
  if (answer <= 0n) return null
  if (updatedAt === 0n || BigInt(nowSeconds) - updatedAt > BigInt(maxAgeSeconds)) return null
  return formatUnits(answer, decimals)
}
