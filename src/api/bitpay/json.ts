import type { Context } from 'hono'
import { stringifyWithDecimals } from '../../domain/exact-json'

/** A BitPay JSON response: money as exact number tokens (JsonDecimal or bigint base units), never via a double. */
export function sendJson(c: Pick<Context, 'body'>, value: unknown, status: 200 | 201 = 200): Response {
  return c.body(stringifyWithDecimals(value), status, { 'Content-Type': 'application/json; charset=utf-8' })
}
