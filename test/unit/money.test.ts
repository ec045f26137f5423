import { describe, expect, it } from 'vitest'
import { LIMITS, maxOrderAmount } from '../../src/config'
import {
  assertAtMost,
  canonicalAmount,
  compareDecimals,
  decimalFromJson,
  formatFixed,
  formatUnits,
  MoneyError,
  parseDecimal,
  toBaseUnits,
} from '../../src/domain/money'

describe('money', () => {
  it.each([
    ['10', 18, 10_000_000_000_000_000_000n],
    ['10.50', 6, 10_500_000n],
    ['0.000001', 6, 1n],
    ['123456789012345678.123456789012345678', 18, 123456789012345678123456789012345678n],
  ])('toBaseUnits(%s, %i) is exact', (input, decimals, expected) => {
    expect(toBaseUnits(input, decimals)).toBe(expected)
  })

  it('refuses more precision than the token has, unless the extra digits are zeros', () => {
    expect(() => toBaseUnits('0.0000001', 6)).toThrow(MoneyError)
    expect(toBaseUnits('1.5000000', 6)).toBe(1_500_000n)
  })

  it.each(['', '-1', '1e3', '01', '1.', '.5', ' 1', '0x10', 'NaN'])('rejects "%s" as a decimal', (input) => {
    expect(() => parseDecimal(input)).toThrow(MoneyError)
  })

  it('formats base units both fixed and shortest', () => {
    expect(formatFixed(1050n, 2)).toBe('10.50')
    expect(formatFixed(5n, 2)).toBe('0.05')
    expect(formatFixed(7n, 0)).toBe('7')
    expect(formatUnits(10_000_000n, 6)).toBe('10')
    expect(formatUnits(1n, 18)).toBe('0.000000000000000001')
    expect(canonicalAmount('10.5', 2)).toBe('10.50')
  })

  it('converts JSON numbers through their shortest decimal form', () => {
    expect(decimalFromJson(10)).toBe('10')
    expect(decimalFromJson(0.1)).toBe('0.1')
    expect(decimalFromJson(249.99)).toBe('249.99')
    expect(() => decimalFromJson(1e21)).toThrow(MoneyError)
    expect(() => decimalFromJson(-1)).toThrow(MoneyError)
    expect(() => decimalFromJson(Number.NaN)).toThrow(MoneyError)
    expect(() => decimalFromJson(1234567890.1234567)).toThrow(/decimal string/)
  })

  it('compares decimals exactly whatever their scale', () => {
    expect(compareDecimals('10', '10.00')).toBe(0)
    expect(compareDecimals('10.01', '10.1')).toBe(-1)
    expect(compareDecimals('0.000000000000000001', '0')).toBe(1)
  })

  it('bounds amounts exactly: the maximum itself passes, one unit of the last digit more does not', () => {
    expect(() => assertAtMost('1000000000000', '1000000000000')).not.toThrow()
    expect(() => assertAtMost('999999999999.99', '1000000000000')).not.toThrow()
    expect(() => assertAtMost('1000000000000.01', '1000000000000')).toThrow('must be at most 1000000000000')
    expect(() => assertAtMost('1' + '0'.repeat(39), '1000000000000')).toThrow(MoneyError)
  })

  it('has a maximum order amount per currency: fiat, token, or the larger without a currency', () => {
    expect(maxOrderAmount('USD')).toBe(LIMITS.maxOrderAmount.fiat)
    expect(maxOrderAmount('jpy')).toBe(LIMITS.maxOrderAmount.fiat)
    expect(maxOrderAmount('USDC')).toBe(LIMITS.maxOrderAmount.token)
    expect(maxOrderAmount()).toBe('1000000000000')
  })
})
