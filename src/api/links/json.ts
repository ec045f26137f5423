import type { Context, TypedResponse } from 'hono'
import { randomHex } from '../../auth/crypto'
import { trimDecimal } from '../../domain/decimal'

/**
 * A money value that 002 shows as a JSON number. It carries the canonical decimal string and is
 * written into the JSON text digit for digit, so no value ever passes through a JS double.
 */
export class JsonDecimal {
  readonly text: string
  constructor(decimal: string) {
    this.text = trimDecimal(decimal)
  }
}

/** Response types see a JsonDecimal as the number it is emitted as. */
export type Emitted<T> = T extends JsonDecimal ? number : T extends (infer U)[] ? Emitted<U>[] : T extends object ? { [K in keyof T]: Emitted<T[K]> } : T

/**
 * JSON.stringify with JsonDecimal values written as bare number tokens. A per-call random marker
 * stands in for each value and is then replaced; a client's string cannot forge the marker.
 */
export function stringifyWithDecimals(value: unknown): string {
  const marker = `dec${randomHex(8)}:`
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof JsonDecimal ? marker + v.text : v))
  return text.replace(new RegExp(`"${marker}(\\d+(?:\\.\\d+)?)"`, 'g'), '$1')
}

/** A JSON response whose money fields are exact JSON numbers. */
export function jsonWithDecimals<T, S extends 200 | 201>(c: Context, value: T, status: S): TypedResponse<Emitted<T>, S, 'json'> {
  // The body is the JSON of Emitted<T>; hono cannot see through the hand-written text.
  return c.body(stringifyWithDecimals(value), status, { 'Content-Type': 'application/json; charset=UTF-8' }) as unknown as TypedResponse<Emitted<T>, S, 'json'>
}
