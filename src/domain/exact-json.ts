import { trimDecimal } from './decimal'

/**
 * A money value that a wire format shows as a JSON number (seed 002, BitPay). It carries the
 * canonical decimal string and is written into the JSON text digit for digit, never via a double.
 */
export class JsonDecimal {
  readonly text: string
  constructor(decimal: string) {
    // Signed: ledger and settlement amounts can be debits.
    const negative = decimal.startsWith('-')
    this.text = (negative ? '-' : '') + trimDecimal(negative ? decimal.slice(1) : decimal)
  }
}

/**
 * JSON.stringify with JsonDecimal values (and bigints) written as bare number tokens. A per-call
 * random marker stands in for each value and is then replaced; a client's string cannot forge it.
 */
export function stringifyWithDecimals(value: unknown): string {
  const marker = `dec${[...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('')}:`
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v instanceof JsonDecimal ? marker + v.text : typeof v === 'bigint' ? marker + v.toString() : v,
  )
  return text.replace(new RegExp(`"${marker}(-?\\d+(?:\\.\\d+)?)"`, 'g'), '$1')
}
