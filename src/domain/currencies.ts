/** ISO 4217 fiat currencies the gateway prices in, with their minor-unit digits. */
export const FIAT_CURRENCIES: Readonly<Record<string, number>> = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  JPY: 0,
  CHF: 2,
  CAD: 2,
  AUD: 2,
  NZD: 2,
  SGD: 2,
  HKD: 2,
  SEK: 2,
  NOK: 2,
  DKK: 2,
  PLN: 2,
  CZK: 2,
  INR: 2,
  BRL: 2,
  MXN: 2,
  ZAR: 2,
  AED: 2,
  KRW: 0,
  CNY: 2,
  TRY: 2,
  IDR: 2,
  MYR: 2,
  PHP: 2,
  THB: 2,
  NGN: 2,
  KES: 2,
  ARS: 2,
}

/** Decimal places of a fiat currency, or undefined when the code is not a supported fiat. */
export function fiatDecimals(code: string): number | undefined {
  return FIAT_CURRENCIES[code]
}
