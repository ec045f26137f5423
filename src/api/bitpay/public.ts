import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { chainsFor } from '../../chain/registry'
import { rateSourceFor } from '../../chain/price-feeds'
import { FIAT_CURRENCIES } from '../../domain/currencies'
import { PricingError, quote, type UsdPrices } from '../../domain/pricing'
import { ApiError } from '../../errors'
import { sendJson } from './json'

const FIAT_NAMES: Readonly<Record<string, string>> = {
  USD: 'US Dollar', EUR: 'Eurozone Euro', GBP: 'Pound Sterling', JPY: 'Japanese Yen', CHF: 'Swiss Franc', CAD: 'Canadian Dollar',
  AUD: 'Australian Dollar', NZD: 'New Zealand Dollar', SGD: 'Singapore Dollar', HKD: 'Hong Kong Dollar', SEK: 'Swedish Krona',
  NOK: 'Norwegian Krone', DKK: 'Danish Krone', PLN: 'Polish Zloty', CZK: 'Czech Koruna', INR: 'Indian Rupee', BRL: 'Brazilian Real',
  MXN: 'Mexican Peso', ZAR: 'South African Rand', AED: 'UAE Dirham', KRW: 'South Korean Won', CNY: 'Chinese Yuan', TRY: 'Turkish Lira',
  IDR: 'Indonesian Rupiah', MYR: 'Malaysian Ringgit', PHP: 'Philippine Peso', THB: 'Thai Baht', NGN: 'Nigerian Naira', KES: 'Kenyan Shilling',
  ARS: 'Argentine Peso',
}

/** Price of one `base` in `currency` (the pricing quote's 8-decimal rate), as a JS number for display: BitPay's rates are numbers. */
function rateOf(prices: UsdPrices, base: string, currency: string): number | null {
  try {
    return Number(quote('1', currency, { symbol: base, decimals: 0 }, prices).rate)
  } catch (err) {
    if (err instanceof PricingError) return null
    throw err
  }
}

function cryptoSymbols(env: Env): string[] {
  return [...new Set([...chainsFor(env).values()].flatMap((c) => c.tokens.map((t) => t.symbol)))]
}

/** Rates, currencies and supported wallets: public, no token, signatures ignored. */
export const bitpayPublicRouter = new Hono<AppEnv>()
  .get('/rates', async (c) => {
    // BitPay's table is priced in BTC; this gateway's reference coin is ETH.
    const prices = await rateSourceFor(c.env).prices()
    return sendJson(c, { data: ratesFor(prices, 'ETH') })
  })
  .get('/rates/:base', async (c) => {
    const base = c.req.param('base').toUpperCase()
    const prices = await rateSourceFor(c.env).prices()
    if (!cryptoSymbols(c.env).includes(base) || prices[base] === undefined) throw new ApiError('NOT_FOUND', `No rates for ${base}`)
    return sendJson(c, { data: ratesFor(prices, base) })
  })
  .get('/rates/:base/:currency', async (c) => {
    const base = c.req.param('base').toUpperCase()
    const currency = c.req.param('currency').toUpperCase()
    const prices = await rateSourceFor(c.env).prices()
    const rate = rateOf(prices, base, currency)
    if (rate === null || !cryptoSymbols(c.env).includes(base)) throw new ApiError('NOT_FOUND', `No rate for ${base}/${currency}`)
    return sendJson(c, { data: { code: currency, name: FIAT_NAMES[currency] ?? currency, rate } })
  })
  .get('/currencies', (c) => {
    const fiat = Object.entries(FIAT_CURRENCIES).map(([code, decimals]) => ({
      code,
      symbol: code,
      precision: decimals,
      name: FIAT_NAMES[code] ?? code,
      plural: FIAT_NAMES[code] ?? code,
      alts: '',
      minimum: decimals === 0 ? 1 : 0.01,
      sanctioned: false,
      decimals,
    }))
    const seen = new Set<string>()
    const crypto = [...chainsFor(c.env).values()].flatMap((chain) =>
      chain.tokens
        .filter((t) => !seen.has(t.symbol) && seen.add(t.symbol))
        .map((t) => ({ code: t.symbol, symbol: t.symbol, precision: t.decimals, name: t.symbol, plural: t.symbol, alts: '', minimum: 0, sanctioned: false, decimals: t.decimals, chain: chain.name })),
    )
    return sendJson(c, { data: [...crypto, ...fiat] })
  })
  .get('/supportedwallets', (c) => {
    const currencies = cryptoSymbols(c.env).map((code) => ({ code, p2p: true, dappBrowser: true, payPro: false, qr: { type: 'EIP681' }, withdrawalFee: '0', walletConnect: false }))
    const wallet = (key: string, displayName: string) => ({ key, displayName, avatar: `${key}.svg`, paypro: false, currencies })
    return sendJson(c, { data: [wallet('metamask', 'MetaMask'), wallet('coinbaseWallet', 'Coinbase Wallet'), wallet('rainbow', 'Rainbow'), wallet('trustWallet', 'Trust Wallet')] })
  })

function ratesFor(prices: UsdPrices, base: string) {
  return Object.keys(FIAT_CURRENCIES)
    .map((code) => ({ code, name: FIAT_NAMES[code] ?? code, rate: rateOf(prices, base, code) }))
    .filter((r) => r.rate !== null)
}
