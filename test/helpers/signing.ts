import { hmacSha256Hex } from '../../src/auth/crypto'
import { signingPayload } from '../../src/auth/signature'
import { call } from './api'

/** X-Timestamp / X-Signature for a request (seed 000), signed now unless `timestamp` is given. */
export function signatureHeaders(
  secret: string,
  method: string,
  path: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
) {
  return {
    'X-Timestamp': String(timestamp),
    'X-Signature': hmacSha256Hex(secret, signingPayload(String(timestamp), method, path, body)),
  }
}

/** A key of the merchant's test (or live) mode that enforces signing, made with an ordinary key of that mode. */
export async function signedOnlyKey(ordinaryKey: string): Promise<{ id: string; key: string; secret: string }> {
  const res = await call('POST', '/v1/api-keys', {
    key: ordinaryKey,
    body: { name: 'signed only', require_signature: true },
  })
  if (res.status !== 201) throw new Error(`key create failed: ${res.status} ${res.text}`)
  return { id: res.json.data.id, key: res.json.data.key, secret: res.json.data.signing_secret }
}

/** Calls `method path` with `key`, the body sent exactly as signed, and optional signature headers. */
export function callRaw(method: string, path: string, key: string, body: string, headers: Record<string, string> = {}) {
  return call(method, path, { key, headers, ...(body === '' ? {} : { body, raw: true }) })
}
