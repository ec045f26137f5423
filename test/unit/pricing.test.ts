import { describe, expect, it } from 'vitest'
import { PricingError, quote } from '../../src/domain/pricing'
import { STATIC_USD_PRICES } from '../../src/domain/rates'
import { sandboxOutcome } from '../../src/domain/sandbox'

const USDC = { symbol: 'USDC', decimals: 6 }
const ETH = { symbol: 'ETH', decimals: 18 }

describe('pricing', () => {
  it('prices USD in USDC 1:1', () => {
    expect(quote('10.00', 'USD', USDC, STATIC_USD_PRICES)).toEqual({ payAmount: 10_000_000n, rate: '1' })
  })
  it('prices a token order in the same token without a rate', () => {
    expect(quote('1.5', 'ETH', ETH, {})).toEqual({ payAmount: 1_500_000_000_000_000_000n, rate: '1' })
  })
  it('rounds up to the next base unit so the merchant is never short', () => {
    // 10 USD / 3000 USD per ETH = 0.0033333… ETH
    expect(quote('10', 'USD', ETH, STATIC_USD_PRICES).payAmount).toBe(3_333_333_333_333_334n)
  })
  it('crosses through USD for other fiat', () => {
    // 100 EUR × 1.08 = 108 USDC
    expect(quote('100', 'EUR', USDC, STATIC_USD_PRICES)).toEqual({ payAmount: 108_000_000n, rate: '0.92592592' })
  })
  it('refuses when there is no rate', () => {
    expect(() => quote('1', 'XYZ', USDC, STATIC_USD_PRICES)).toThrow(PricingError)
  })
})

describe('sandbox test amounts', () => {
  it.each([
    ['10', 'complete'],
    ['10.00', 'complete'],
    ['20.0', 'fail'],
    ['30', 'process'],
    ['10.01', null],
    ['100', null],
  ])('%s → %s', (amount, outcome) => {
    expect(sandboxOutcome(amount)).toBe(outcome)
  })
})
