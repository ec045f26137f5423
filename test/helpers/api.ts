import { HDKey } from '@scure/bip32'
import { env as bindings, exports } from 'cloudflare:workers'

export const ADMIN_TOKEN = 'test-admin-token'
const BASE = 'http://gateway.test'

export interface CallOptions {
  key?: string
  headers?: Record<string, string>
  /** A raw body string (sent as is) or a value to JSON-encode. */
  body?: unknown
  raw?: boolean
  /** Bindings that replace the worker's for this call (e.g. { ENVIRONMENT: 'production' }): the app runs with them. */
  env?: Partial<Env>
}

/** Calls the worker through its real fetch handler. */
export async function call(method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = { ...options.headers }
  if (options.key) headers.Authorization = `Bearer ${options.key}`
  let body: string | undefined
  if (options.body !== undefined) {
    body = options.raw ? String(options.body) : JSON.stringify(options.body)
    headers['Content-Type'] ??= 'application/json'
  }
  const request = new Request(BASE + path, { method, headers, body })
  const res = options.env
    ? await (await import('../../src/app')).createApp().fetch(request, { ...bindings, ...options.env })
    : await exports.default.fetch(request)
  const text = await res.text()
  let json: any // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, json, text }
}

export interface TestMerchant {
  id: string
  merchantKey: string
  testKey: string
  liveKey: string
  testSigningSecret: string
  liveSigningSecret: string
}

let counter = 0

/** Creates a merchant through the admin API. */
export async function createMerchant(extra: Record<string, unknown> = {}): Promise<TestMerchant> {
  counter += 1
  const res = await call('POST', '/v1/merchants', {
    // Operator calls count against the client IP's per-minute limit: spread them over test addresses.
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'cf-connecting-ip': `192.0.2.${counter % 250}` },
    body: { name: `Merchant ${counter}`, email: `m${counter}@example.com`, ...extra },
  })
  if (res.status !== 201) throw new Error(`merchant create failed: ${res.status} ${res.text}`)
  const keys = res.json.data.api_keys as { mode: string; key: string; signing_secret: string }[]
  const test = keys.find((k) => k.mode === 'test')!
  const live = keys.find((k) => k.mode === 'live')!
  return {
    id: res.json.data.id,
    merchantKey: res.json.data.merchant_key,
    testKey: test.key,
    liveKey: live.key,
    testSigningSecret: test.signing_secret,
    liveSigningSecret: live.signing_secret,
  }
}

/** Account xpub m/44'/60'/0' of the BIP32 test-vector seed 000102…0f. */
export const TEST_XPUB =
  'xpub6CeDpm2b5qtk96oy8yvM572W6cLZSvU5vnpKmKPypbfFwXo86SyT7VtfwWtMZAgZ5eKVMU9NnULt91HBFw9j62wJrcoc1ZRWiNvoorwBRXL'

/** A fresh account xpub (m/44'/60'/0'): an xpub backs one wallet per chain, so merchants never share one. */
export function randomXpub(): string {
  return HDKey.fromMasterSeed(crypto.getRandomValues(new Uint8Array(32))).derive("m/44'/60'/0'").publicExtendedKey
}

/** A merchant with a test wallet (a fresh xpub) on the given chain (default the local anvil chain). */
export async function merchantWithWallet(chainId = 31337) {
  const merchant = await createMerchant()
  const xpub = randomXpub()
  const res = await call('POST', '/v1/wallets', {
    key: merchant.testKey,
    body: { chain_id: chainId, xpub, label: 'main' },
  })
  if (res.status !== 201) throw new Error(`wallet create failed: ${res.status} ${res.text}`)
  return { ...merchant, xpub, walletId: res.json.data.id as string }
}

/** A merchant with a test wallet and a live wallet on `chainId` (live payments need one of their own). */
export async function merchantWithWallets(chainId = 31337) {
  const m = await merchantWithWallet(chainId)
  const liveXpub = randomXpub()
  const res = await call('POST', '/v1/wallets', {
    key: m.liveKey,
    body: { chain_id: chainId, xpub: liveXpub, label: 'live' },
  })
  if (res.status !== 201) throw new Error(`live wallet create failed: ${res.status} ${res.text}`)
  return { ...m, liveXpub, liveWalletId: res.json.data.id as string }
}

/** Polls `fn` until it returns a truthy value or the timeout passes. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
