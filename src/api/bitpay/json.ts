import type { Context } from 'hono'

const MARK = '\u0000bigint:'

/**
 * JSON with bigints written as exact integer literals: BitPay's amounts in base units are JSON
 * numbers, and wei amounts exceed 2^53, so they must never pass through a double on our side.
 */
export function exactJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${MARK}${v}` : v)).replace(/"\\u0000bigint:(-?\d+)"/g, '$1')
}

export function sendJson(c: Context, value: unknown, status: 200 | 201 = 200): Response {
  return c.body(exactJson(value), status, { 'Content-Type': 'application/json; charset=utf-8' })
}
