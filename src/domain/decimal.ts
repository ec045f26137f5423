/** Exact decimal helpers on top of money.ts, for the values the links surface derives. */
import { formatFixed, parseDecimal } from './money'

/** The shortest spelling of a decimal string: "10.00" → "10", "0.10" → "0.1". */
export function trimDecimal(input: string): string {
  parseDecimal(input)
  return input.includes('.') ? input.replace(/\.?0+$/, '') : input
}

/** a × b exactly, rounded to `places` decimals (half up, or down), as a fixed decimal string. */
export function mulDecimal(a: string, b: string, places: number, rounding: 'half-up' | 'down' = 'half-up'): string {
  const x = parseDecimal(a)
  const y = parseDecimal(b)
  const scale = x.scale + y.scale
  let units = x.units * y.units
  if (scale > places) {
    const divisor = 10n ** BigInt(scale - places)
    const remainder = units % divisor
    units /= divisor
    if (rounding === 'half-up' && remainder * 2n >= divisor) units += 1n
  } else {
    units *= 10n ** BigInt(places - scale)
  }
  return formatFixed(units, places)
}
