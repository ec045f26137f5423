import { describe, expect, it } from 'vitest'
import {
  fallbackRateSource,
  feedPrice,
  pickRates,
  pricesFor,
  staticRateSource,
  type RateAttempt,
  type RateSource,
} from '../../src/domain/rates'

describe('pickRates(attempts, symbols)', () => {
  const chainlink: RateAttempt = { name: 'chainlink', prices: { USD: '1', ETH: '2500' } }
  const stat: RateAttempt = { name: 'static', prices: { USD: '1', ETH: '3000', EUR: '1.08', USDC: '1' } }
  it.each<[string, RateAttempt[], string[], string, Record<string, string>]>([
    ['the first source wins for what it has', [chainlink, stat], ['USD', 'ETH'], 'chainlink', { ETH: '2500' }],
    [
      'the next source fills what the first lacks',
      [chainlink, stat],
      ['EUR', 'ETH'],
      'static+chainlink',
      { ETH: '2500', EUR: '1.08' },
    ],
    ['USD does not count as a source', [chainlink, stat], ['USD', 'USDC'], 'static', { USDC: '1' }],
    [
      'a failed source is skipped',
      [{ name: 'chainlink', error: 'down' }, stat],
      ['USD', 'ETH'],
      'static',
      { ETH: '3000' },
    ],
    [
      'missing everywhere: the price is absent (pricing then fails)',
      [chainlink],
      ['USD', 'JPY'],
      'chainlink',
      { ETH: '2500' },
    ],
  ])('%s', (_name, attempts, symbols, source, prices) => {
    const picked = pickRates(attempts, symbols)
    expect(picked.source).toBe(source)
    expect(picked.prices).toMatchObject(prices)
    if (symbols.includes('JPY')) expect(picked.prices.JPY).toBeUndefined()
  })
})

describe('fallbackRateSource', () => {
  it('gives way to the next source when one throws, and reports it', async () => {
    const failures: string[] = []
    const broken: RateSource = { name: 'chainlink', prices: async () => Promise.reject(new Error('D1 down')) }
    const rates = fallbackRateSource([broken, staticRateSource], (name) => failures.push(name))
    expect(await pricesFor(rates, ['USD', 'ETH'])).toMatchObject({ source: 'static', prices: { ETH: '3000' } })
    expect((await rates.prices()).EUR).toBe('1.08')
    expect(failures).toEqual(['chainlink', 'chainlink'])
  })
  it('a plain source prices everything itself', async () => {
    expect(await pricesFor(staticRateSource, ['ETH'])).toMatchObject({ source: 'static' })
  })
})

describe('feedPrice(answer, decimals, updatedAt, now, maxAge)', () => {
  it.each<[string, bigint, number, bigint, number, number, string | null]>([
    ['8 decimals', 250_012_345_678n, 8, 1000n, 1000, 3600, '2500.12345678'],
    ['18 decimals', 10n ** 18n, 18, 1000n, 1000, 3600, '1'],
    ['just within max age', 99_990_000n, 8, 1000n, 4600, 3600, '0.9999'],
    ['stale', 99_990_000n, 8, 1000n, 4601, 3600, null],
    ['never updated', 1n, 8, 0n, 10, 3600, null],
    ['zero', 0n, 8, 1000n, 1000, 3600, null],
    ['negative', -5n, 8, 1000n, 1000, 3600, null],
  ])('%s', (_name, answer, decimals, updatedAt, now, maxAge, expected) => {
    expect(feedPrice(answer, decimals, updatedAt, now, maxAge)).toBe(expected)
  })
})
