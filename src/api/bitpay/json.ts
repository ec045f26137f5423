import type { Context } from 'hono'
import { JsonDecimal, stringifyWithDecimals } from '../links/json'

/** bigints become exact JSON integer tokens (BitPay's base-unit amounts exceed 2^53 for wei). */
function withExactIntegers(value: unknown): unknown {
  if (typeof value === 'bigint') return new JsonDecimal(value.toString())
  if (Array.isArray(value)) return value.map(withExactIntegers)
  if (value && typeof value === 'object' && !(value instanceof JsonDecimal)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withExactIntegers(v)]))
  }
  return value
}

/** BitPay JSON: money as exact number tokens (JsonDecimal or bigint), never through a double. */
export function exactJson(value: unknown): string {
  return stringifyWithDecimals(withExactIntegers(value))
}

export function sendJson(c: Context, value: unknown, status: 200 | 201 = 200): Response {
  return c.body(exactJson(value), status, { 'Content-Type': 'application/json; charset=utf-8' })
}
