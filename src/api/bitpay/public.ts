import { z } from '@hono/zod-openapi'
import { chainsFor } from '../../chain/registry'
import { rateSourceFor } from '../../chain/price-feeds'
import { FIAT_CURRENCIES } from '../../domain/currencies'
import { PricingError, quote, type UsdPrices } from '../../domain/pricing'
import { ApiError } from '../../errors'
import { bitpayRoute, bitpayRouter } from './route'

const FIAT_NAMES: Readonly<Record<string, string>> = {
  USD: 'US Dollar',
  EUR: 'Eurozone Euro',
  GBP: 'Pound Sterling',
  JPY: 'Japanese Yen',
  CHF: 'Swiss Franc',
  CAD: 'Canadian Dollar',
  AUD: 'Australian Dollar',
  NZD: 'New Zealand Dollar',
  SGD: 'Singapore Dollar',
  HKD: 'Hong Kong Dollar',
  SEK: 'Swedish Krona',
  NOK: 'Norwegian Krone',
  DKK: 'Danish Krone',
  PLN: 'Polish Zloty',
  CZK: 'Czech Koruna',
  INR: 'Indian Rupee',
  BRL: 'Brazilian Real',
  MXN: 'Mexican Peso',
  ZAR: 'South African Rand',
  AED: 'UAE Dirham',
  KRW: 'South Korean Won',
  CNY: 'Chinese Yuan',
  TRY: 'Turkish Lira',
  IDR: 'Indonesian Rupiah',
  MYR: 'Malaysian Ringgit',
  PHP: 'Philippine Peso',
  THB: 'Thai Baht',
  NGN: 'Nigerian Naira',
  KES: 'Kenyan Shilling',
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

const rateSchema = z.object({
  code: z.string(),
  name: z.string(),
  rate: z.number().openapi({ description: 'Price of one base unit in `code`' }),
})
const currencySchema = z.object({
  code: z.string(),
  symbol: z.string(),
  precision: z.number().int(),
  name: z.string(),
  plural: z.string(),
  alts: z.string(),
  minimum: z.number(),
  sanctioned: z.boolean(),
  decimals: z.number().int(),
  chain: z.string().optional().openapi({ description: 'Crypto currencies: the chain it was first found on' }),
})
const walletSchema = z.object({
  key: z.string(),
  displayName: z.string(),
  avatar: z.string(),
  paypro: z.boolean(),
  currencies: z.array(
    z.object({
      code: z.string(),
      p2p: z.boolean(),
      dappBrowser: z.boolean(),
      payPro: z.boolean(),
      qr: z.object({ type: z.string() }),
      withdrawalFee: z.string(),
      walletConnect: z.boolean(),
    }),
  ),
})
const rates = z.object({ data: z.array(rateSchema) })

/** Rates, currencies and supported wallets: public, no token, signatures ignored. */
export const bitpayPublicRouter = bitpayRouter()
bitpayRoute(bitpayPublicRouter, {
  method: 'get',
  path: '/rates',
  summary: 'Rates of ETH in every fiat currency',
  signing: 'public',
  responses: { 200: rates },
  handler: async (c) => {
    // BitPay's table is priced in BTC; this gateway's reference coin is ETH.
    const prices = await rateSourceFor(c.env).prices()
    return { data: ratesFor(prices, 'ETH') }
  },
})
bitpayRoute(bitpayPublicRouter, {
  method: 'get',
  path: '/rates/{base}',
  summary: 'Rates of a token in every fiat currency',
  signing: 'public',
  request: { params: z.object({ base: z.string() }) },
  responses: { 200: rates },
  handler: async (c, { params }) => {
    const base = params.base.toUpperCase()
    const prices = await rateSourceFor(c.env).prices()
    if (!cryptoSymbols(c.env).includes(base) || prices[base] === undefined)
      throw new ApiError('NOT_FOUND', `No rates for ${base}`)
    return { data: ratesFor(prices, base) }
  },
})
bitpayRoute(bitpayPublicRouter, {
  method: 'get',
  path: '/rates/{base}/{currency}',
  summary: 'One rate',
  signing: 'public',
  request: { params: z.object({ base: z.string(), currency: z.string() }) },
  responses: { 200: z.object({ data: rateSchema }) },
  handler: async (c, { params }) => {
    const base = params.base.toUpperCase()
    const currency = params.currency.toUpperCase()
    const prices = await rateSourceFor(c.env).prices()
    const rate = rateOf(prices, base, currency)
    if (rate === null || !cryptoSymbols(c.env).includes(base))
      throw new ApiError('NOT_FOUND', `No rate for ${base}/${currency}`)
    return { data: { code: currency, name: FIAT_NAMES[currency] ?? currency, rate } }
  },
})
bitpayRoute(bitpayPublicRouter, {
  method: 'get',
  path: '/currencies',
  summary: 'Supported currencies',
  signing: 'public',
  responses: { 200: z.object({ data: z.array(currencySchema) }) },
  handler: (c) => {
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
        .map((t) => ({
          code: t.symbol,
          symbol: t.symbol,
          precision: t.decimals,
          name: t.symbol,
          plural: t.symbol,
          alts: '',
          minimum: 0,
          sanctioned: false,
          decimals: t.decimals,
          chain: chain.name,
        })),
    )
    return { data: [...crypto, ...fiat] }
  },
})
bitpayRoute(bitpayPublicRouter, {
  method: 'get',
  path: '/supportedwallets',
  summary: 'Supported wallets',
  signing: 'public',
  responses: { 200: z.object({ data: z.array(walletSchema) }) },
  handler: (c) => {
    const currencies = cryptoSymbols(c.env).map((code) => ({
      code,
      p2p: true,
      dappBrowser: true,
      payPro: false,
      qr: { type: 'EIP681' },
      withdrawalFee: '0',
      walletConnect: false,
    }))
    const wallet = (key: string, displayName: string) => ({
      key,
      displayName,
      avatar: `${key}.svg`,
      paypro: false,
      currencies,
    })
    return {
      data: [
        wallet('metamask', 'MetaMask'),
        wallet('coinbaseWallet', 'Coinbase Wallet'),
        wallet('rainbow', 'Rainbow'),
        wallet('trustWallet', 'Trust Wallet'),
      ],
    }
  },
})

function ratesFor(prices: UsdPrices, base: string) {
  return Object.keys(FIAT_CURRENCIES).flatMap((code) => {
    const rate = rateOf(prices, base, code)
    return rate === null ? [] : [{ code, name: FIAT_NAMES[code] ?? code, rate }]
  })
}
