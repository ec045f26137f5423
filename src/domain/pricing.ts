import { divCeil, formatUnits, parseDecimal, toBaseUnits } from './money'

/** USD value of one unit of each currency or token, as decimal strings. */
export type UsdPrices = Readonly<Record<string, string>>

export interface Quote {
  /** Amount due in the token's base units, rounded up so the merchant is never short. */
  payAmount: bigint
  /** Price of one token in the order currency, rounded to 8 places, for display and audit. */
  rate: string
}

export class PricingError extends Error {}

/**
 * Prices an order of `amount` `currency` in `token` (with `decimals`), exactly:
 * due = ceil(amount × usd(currency) × 10^decimals / usd(token)).
 */
export function quote(
  amount: string,
  currency: string,
  token: { symbol: string; decimals: number },
  prices: UsdPrices,
): Quote {
  if (currency === token.symbol) return { payAmount: toBaseUnits(amount, token.decimals), rate: '1' }
  const currencyUsd = priceOf(currency, prices)
  const tokenUsd = priceOf(token.symbol, prices)
  const a = parseDecimal(amount)
  // amount × currencyUsd / tokenUsd, each a fraction units/10^scale.
  const numerator = a.units * currencyUsd.units * 10n ** BigInt(token.decimals + tokenUsd.scale)
  const denominator = tokenUsd.units * 10n ** BigInt(a.scale + currencyUsd.scale)
  const rateScaled =
    (tokenUsd.units * 10n ** BigInt(currencyUsd.scale + 8)) / (currencyUsd.units * 10n ** BigInt(tokenUsd.scale))
  return { payAmount: divCeil(numerator, denominator), rate: formatUnits(rateScaled, 8) }
}

function priceOf(symbol: string, prices: UsdPrices) {
  const price = prices[symbol]
  if (price === undefined) throw new PricingError(`No rate for ${symbol}`)
  const parsed = parseDecimal(price)
  if (parsed.units === 0n) throw new PricingError(`Rate for ${symbol} is zero`)
  return parsed
}
