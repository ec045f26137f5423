import type { UsdPrices } from './pricing'

/** A source of USD prices; the static table is the sandbox/dev source, on-chain feeds plug in beside it. */
export interface RateSource {
  readonly name: string
  prices(): Promise<UsdPrices>
}

/** Fixed prices for development and sandbox. Stablecoins are pegged 1:1 to USD. */
export const STATIC_USD_PRICES: UsdPrices = {
  USD: '1', EUR: '1.08', GBP: '1.27', JPY: '0.0067', CHF: '1.13', CAD: '0.73', AUD: '0.66', NZD: '0.6',
  SGD: '0.75', HKD: '0.128', SEK: '0.095', NOK: '0.093', DKK: '0.145', PLN: '0.25', CZK: '0.043',
  INR: '0.012', BRL: '0.18', MXN: '0.055', ZAR: '0.055', AED: '0.2723', KRW: '0.00072', CNY: '0.138',
  TRY: '0.029', IDR: '0.000063', MYR: '0.22', PHP: '0.017', THB: '0.029', NGN: '0.00065', KES: '0.0077',
  ARS: '0.001',
  USDC: '1', USDT: '1', DAI: '1', TUSD: '1',
  ETH: '3000', POL: '0.5', MATIC: '0.5',
}

export const staticRateSource: RateSource = {
  name: 'static',
  prices: async () => STATIC_USD_PRICES,
}
