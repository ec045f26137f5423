/**
 * Exact money. Decimal amounts travel as strings and are computed as bigint; a JS number is only
 * accepted at the edge (JSON input) and converted through its shortest decimal form.
 */

const DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/

export class MoneyError extends Error {}

/** A non-negative decimal: `units / 10^scale`. */
export interface Decimal {
  units: bigint
  scale: number
}

/** Parses a non-negative decimal string ("10", "10.50", "0.000001"). Throws MoneyError. */
export function parseDecimal(input: string): Decimal {
  if (!DECIMAL.test(input)) throw new MoneyError(`"${input}" is not a decimal number`)
  const [whole, fraction = ''] = input.split('.') as [string, string | undefined]
  return { units: BigInt(whole + fraction), scale: fraction.length }
}

/** Turns a JSON number or string into a decimal string, refusing what cannot be exact. */
export function decimalFromJson(value: string | number): string {
  if (typeof value === 'string') {
    parseDecimal(value)
    return value
  }
  if (!Number.isFinite(value) || value < 0) throw new MoneyError('must be a finite non-negative number')
  // String(n) is the shortest decimal that round-trips, which is what the client wrote for
  // anything up to 15 significant digits; larger numbers must be sent as strings.
  const text = String(value)
  if (!DECIMAL.test(text) || text.replace('.', '').replace(/^0+/, '').length > 15) {
    throw new MoneyError('send amounts with more than 15 significant digits as a decimal string')
  }
  return text
}

/** Number of digits after the decimal point, ignoring trailing zeros. */
export function significantScale(input: string): number {
  const fraction = input.split('.')[1] ?? ''
  return fraction.replace(/0+$/, '').length
}

/** Converts a decimal string to base units with `decimals` places; refuses extra precision. */
export function toBaseUnits(input: string, decimals: number): bigint {
  const { units, scale } = parseDecimal(input)
  if (scale <= decimals) return units * 10n ** BigInt(decimals - scale)
  const divisor = 10n ** BigInt(scale - decimals)
  if (units % divisor !== 0n) throw new MoneyError(`has more than ${decimals} decimal places`)
  return units / divisor
}

/** Formats base units as a decimal string with exactly `decimals` places ("10.00"). */
export function formatFixed(units: bigint, decimals: number): string {
  const negative = units < 0n
  const digits = (negative ? -units : units).toString().padStart(decimals + 1, '0')
  const whole = digits.slice(0, digits.length - decimals)
  const fraction = digits.slice(digits.length - decimals)
  return (negative ? '-' : '') + (decimals > 0 ? `${whole}.${fraction}` : whole)
}

/** Formats base units as the shortest decimal string ("1.5", "0.000001", "3"). */
export function formatUnits(units: bigint, decimals: number): string {
  const fixed = formatFixed(units, decimals)
  return decimals > 0 ? fixed.replace(/\.?0+$/, '') : fixed
}

/** Canonical form of a decimal string with `decimals` places, e.g. ("10.5", 2) → "10.50". */
export function canonicalAmount(input: string, decimals: number): string {
  return formatFixed(toBaseUnits(input, decimals), decimals)
}

/** ceil(a / b) for positive bigints. */
export function divCeil(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b
}

/** Compares two decimal strings exactly: -1, 0 or 1. */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const x = parseDecimal(a)
  const y = parseDecimal(b)
  const scale = Math.max(x.scale, y.scale)
  const ax = x.units * 10n ** BigInt(scale - x.scale)
  const by = y.units * 10n ** BigInt(scale - y.scale)
  return ax === by ? 0 : ax < by ? -1 : 1
}

/** Refuses a decimal string above `max` (the surface names the field). Throws MoneyError. */
export function assertAtMost(amount: string, max: string): void {
  if (compareDecimals(amount, max) > 0) throw new MoneyError(`must be at most ${max}`)
}
