import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { forgetCachedRates, refreshRates } from '../../src/chain/price-feeds'
import { getDb } from '../../src/db/client'
import { rateCache } from '../../src/db/schema'
import { call, merchantWithWallet } from '../helpers/api'
import { sharedChain } from '../helpers/chain'

// The shared anvil's ETH/USD feed (TestPriceFeed, 8 decimals); only this file changes its answer.
const shared = sharedChain({ priceFeeds: [{ symbol: 'ETH', address: sharedChain().ctx.ethUsdFeed }] })
async function setEthPrice(usd: bigint) {
  await shared.setFeedAnswer(shared.ctx.ethUsdFeed, usd * 10n ** 8n)
}

async function quoteEth(key: string, currency = 'USD', amount = '10') {
  const res = await call('POST', '/v1/payments', { key, body: { amount, currency, chain_id: 31337, token: 'ETH' } })
  expect(res.status).toBe(201)
  return res.json.data as { pay_amount: string; rate: { source: string; value: string } }
}

describe('rates from on-chain price feeds', () => {
  it('prices payments from the feed the cron cached and records the source; the static table fills in the rest', async () => {
    await setEthPrice(2500n)
    const readings = await refreshRates(env, shared.chains)
    expect(readings).toEqual([{ symbol: 'ETH', price: '2500', source: `chainlink:31338:${shared.ctx.ethUsdFeed}` }])
    const [row] = await getDb(env.DB).select().from(rateCache).where(eq(rateCache.symbol, 'ETH'))
    expect(row).toMatchObject({ usdPrice: '2500', source: `chainlink:31338:${shared.ctx.ethUsdFeed}` })

    const m = await merchantWithWallet()
    expect(await quoteEth(m.testKey)).toMatchObject({
      pay_amount: '0.004',
      rate: { source: 'chainlink', value: '2500' },
    })
    // No EUR feed here: EUR comes from the static table, ETH from the chain.
    expect(await quoteEth(m.testKey, 'EUR')).toMatchObject({
      pay_amount: '0.00432',
      rate: { source: 'static+chainlink' },
    })
  })

  it('keeps the last good price when a feed answers nonsense, and falls back to the static table once it is stale', async () => {
    await setEthPrice(2000n)
    await refreshRates(env, shared.chains)
    const errors = vi.spyOn(console, 'error')
    await setEthPrice(0n)
    const [reading] = await refreshRates(env, shared.chains)
    expect(reading).toMatchObject({ symbol: 'ETH', price: null })
    expect(errors.mock.calls.some((c) => String(c[0]).includes('price feed refused'))).toBe(true)
    const m = await merchantWithWallet()
    expect(await quoteEth(m.testKey)).toMatchObject({
      pay_amount: '0.005',
      rate: { source: 'chainlink', value: '2000' },
    })

    // Unreachable feeds: logged, and the cache ages out to the next source.
    const down = sharedChain({
      rpcUrl: 'http://127.0.0.1:9',
      priceFeeds: [{ symbol: 'ETH', address: shared.ctx.ethUsdFeed }],
    })
    const [unreachable] = await refreshRates(env, down.chains)
    expect(unreachable).toMatchObject({
      symbol: 'ETH',
      price: null,
      error: expect.stringMatching(/HTTP request failed/),
    })
    const [cached] = await getDb(env.DB).select().from(rateCache).where(eq(rateCache.symbol, 'ETH'))
    expect(cached!.usdPrice).toBe('2000')
    errors.mockRestore()
    await getDb(env.DB)
      .update(rateCache)
      .set({ fetchedAt: new Date(Date.now() - 11 * 60_000).toISOString() })
    forgetCachedRates()
    expect(await quoteEth(m.testKey)).toMatchObject({
      pay_amount: '0.003333333333333334',
      rate: { source: 'static', value: '3000' },
    })
    await setEthPrice(3000n)
  })
})
