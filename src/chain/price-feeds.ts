import { and, gte, like } from 'drizzle-orm'
import { decodeFunctionResult, encodeFunctionData, parseAbi, type Hex } from 'viem'
import { getDb, type Db } from '../db/client'
import { rateCache } from '../db/schema'
import type { UsdPrices } from '../domain/pricing'
import {
  fallbackRateSource,
  feedPrice,
  peggedRateSource,
  staticRateSource,
  type FallbackRateSource,
  type RateSource,
} from '../domain/rates'
import type { Chain, PriceFeed } from './registry'
import { chainClient, describeRpcError, redact, type RpcOptions } from './rpc'
import { log } from '../log'

const AGGREGATOR_ABI = parseAbi([
  'function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)',
  'function decimals() view returns (uint8)',
])
const LATEST_ROUND_DATA = encodeFunctionData({ abi: AGGREGATOR_ABI, functionName: 'latestRoundData' })
const DECIMALS = encodeFunctionData({ abi: AGGREGATOR_ABI, functionName: 'decimals' })

/** Cached feed prices older than this are not used: the cron refreshes them every minute. */
export const RATE_CACHE_MAX_AGE_MS = 10 * 60_000
/** How long an isolate reuses what it read from rate_cache before reading it again. */
const MEMO_MS = 15_000
const SOURCE_PREFIX = 'chainlink:'

export interface FeedReading {
  symbol: string
  /** Decimal USD price, or null when the feed answered something unusable. */
  price: string | null
  source: string
  error?: string
}

/** Reads every feed of a chain in one batch request (latestRoundData + decimals each). */
export async function readFeeds(chain: Chain, nowSeconds: number, options: RpcOptions = {}): Promise<FeedReading[]> {
  if (chain.priceFeeds.length === 0) return []
  const client = chainClient(chain, options)
  const call = (feed: PriceFeed, data: Hex) =>
    client.request({ method: 'eth_call', params: [{ to: feed.address, data }, 'latest'] })
  const results = await Promise.all(
    chain.priceFeeds.map(async (feed) => ({
      feed,
      settled: await Promise.allSettled([call(feed, LATEST_ROUND_DATA), call(feed, DECIMALS)]),
    })),
  )
  return results.map(({ feed, settled: [round, decimals] }) => {
    const source = `${SOURCE_PREFIX}${chain.id}:${feed.address}`
    if (round.status === 'rejected' || decimals.status === 'rejected') {
      const reason = round.status === 'rejected' ? round.reason : (decimals as PromiseRejectedResult).reason
      return { symbol: feed.symbol, price: null, source, error: describeRpcError(reason, chain.rpcUrl) }
    }
    try {
      const [, answer, , updatedAt] = decodeFunctionResult({
        abi: AGGREGATOR_ABI,
        functionName: 'latestRoundData',
        data: round.value,
      })
      const places = decodeFunctionResult({ abi: AGGREGATOR_ABI, functionName: 'decimals', data: decimals.value })
      const price = feedPrice(answer, places, updatedAt, nowSeconds, feed.maxAgeSeconds)
      return {
        symbol: feed.symbol,
        price,
        source,
        ...(price === null
          ? { error: `answer ${answer} updated at ${updatedAt} is non-positive or older than ${feed.maxAgeSeconds} s` }
          : {}),
      }
    } catch (err) {
      return { symbol: feed.symbol, price: null, source, error: `not an aggregator: ${String(err).split('\n')[0]}` }
    }
  })
}

let memo: { at: number; prices: UsdPrices } | undefined

/**
 * The cron's rate refresh: reads the price feeds of every chain that has some and caches one price per
 * symbol (the first chain, in registry order, that answered) in rate_cache. A failing chain or feed is
 * logged and skipped; the previous cached price then ages out and pricing falls back to the next source.
 */
export async function refreshRates(
  env: Env,
  chains: Map<number, Chain>,
  now = new Date(),
  options: RpcOptions = {},
): Promise<FeedReading[]> {
  const readings: FeedReading[] = []
  await Promise.all(
    [...chains.values()]
      .filter((c) => c.priceFeeds.length > 0)
      .map(async (chain) => {
        try {
          readings.push(...(await readFeeds(chain, Math.floor(now.getTime() / 1000), options)))
        } catch (err) {
          log.error('price feeds unreadable', {
            chainId: chain.id,
            rpc: redact(chain.rpcUrl),
            error: describeRpcError(err, chain.rpcUrl),
          })
        }
      }),
  )
  const order = [...chains.keys()]
  const chainOf = (r: FeedReading) => Number(r.source.split(':')[1])
  readings.sort((a, b) => order.indexOf(chainOf(a)) - order.indexOf(chainOf(b)))
  const best = new Map<string, { symbol: string; price: string; source: string }>()
  for (const r of readings) {
    if (r.price === null) log.error('price feed refused', { symbol: r.symbol, source: r.source, error: r.error })
    else if (!best.has(r.symbol)) best.set(r.symbol, { symbol: r.symbol, price: r.price, source: r.source })
  }
  if (best.size > 0) {
    const db = getDb(env.DB)
    const fetchedAt = now.toISOString()
    const rows = [...best.values()].map((r) => ({ symbol: r.symbol, usdPrice: r.price, source: r.source, fetchedAt }))
    const upserts = rows.map((row) =>
      db
        .insert(rateCache)
        .values(row)
        .onConflictDoUpdate({
          target: rateCache.symbol,
          set: { usdPrice: row.usdPrice, source: row.source, fetchedAt },
        }),
    )
    await db.batch(upserts as [(typeof upserts)[number], ...(typeof upserts)[number][]])
    memo = undefined
  }
  return readings
}

/** Forgets what this isolate read from rate_cache (tests that edit the table directly). */
export function forgetCachedRates(): void {
  memo = undefined
}

/** On-chain prices as the cron cached them (fresh rows only), plus USD itself. */
export function chainlinkRateSource(d1: D1Database, now: () => number = Date.now): RateSource {
  return {
    name: 'chainlink',
    async prices() {
      const at = now()
      if (memo && at - memo.at < MEMO_MS) return memo.prices
      const prices = await cachedFeedPrices(getDb(d1), new Date(at))
      memo = { at, prices }
      return prices
    },
  }
}

async function cachedFeedPrices(db: Db, now: Date): Promise<UsdPrices> {
  const cutoff = new Date(now.getTime() - RATE_CACHE_MAX_AGE_MS).toISOString()
  const rows = await db
    .select()
    .from(rateCache)
    .where(and(like(rateCache.source, `${SOURCE_PREFIX}%`), gte(rateCache.fetchedAt, cutoff)))
  return { USD: '1', ...Object.fromEntries(rows.map((r) => [r.symbol, r.usdPrice])) }
}

/**
 * Rates: on-chain price feeds as the cron cached them, then the static table for what they lack (or
 * when they fail or go stale). Production falls back only to fixed pegs (USD, stablecoins): a fixed
 * ETH price there would misprice real payments, so a missing feed is RATE_UNAVAILABLE instead.
 */
export function rateSourceFor(env: Env): FallbackRateSource {
  const fallback = env.ENVIRONMENT === 'production' ? peggedRateSource : staticRateSource
  return fallbackRateSource([chainlinkRateSource(env.DB), fallback], (source, err) =>
    log.error('rate source failed; using the next one', { source, error: String(err) }),
  )
}
