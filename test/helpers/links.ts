import { exports } from 'cloudflare:workers'
import { expect } from 'vitest'
import { createRequest } from '../links/seed-002'
import { call, type TestMerchant } from './api'

export const LINKS = '/api/v1/payments/links'

/** Seed 002's create example, for this merchant, with overrides. */
export function linkBody(m: Pick<TestMerchant, 'merchantKey'>, overrides: Record<string, unknown> = {}) {
  return { ...createRequest, merchant_key: m.merchantKey, ...overrides }
}

/** Creates a link with a test key (or `key`); fails the test unless it is 200. */
export async function newLink(m: TestMerchant, overrides: Record<string, unknown> = {}, key = m.testKey) {
  const res = await call('POST', LINKS, { key, body: linkBody(m, overrides) })
  expect(res.status, res.text).toBe(200)
  return res.json
}

/** A page request that does not follow redirects. */
export async function visit(path: string, init: RequestInit = {}) {
  const res = await exports.default.fetch(
    new Request(new URL(path, 'http://gateway.test'), { redirect: 'manual', ...init }),
  )
  return { status: res.status, headers: res.headers, text: await res.text() }
}

/**
 * Asserts that `actual` has every field of `example` with the same JSON type, recursively (arrays
 * compare their first element). Extra fields in `actual` are allowed.
 */
export function expectSameShape(example: unknown, actual: unknown, path = '$'): void {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)
  expect(kind(actual), `${path} type`).toBe(kind(example))
  if (Array.isArray(example) && Array.isArray(actual)) {
    if (example.length > 0) {
      expect(actual.length, `${path} must not be empty`).toBeGreaterThan(0)
      for (const item of actual) expectSameShape(example[0], item, `${path}[]`)
    }
    return
  }
  if (kind(example) === 'object') {
    for (const [key, value] of Object.entries(example as Record<string, unknown>)) {
      expect(actual, `${path}.${key} missing`).toHaveProperty([key])
      expectSameShape(value, (actual as Record<string, unknown>)[key], `${path}.${key}`)
    }
  }
}
