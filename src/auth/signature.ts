import { constantTimeEqual, hmacSha256Hex } from './crypto'

/** Seconds either side of now that an X-Timestamp may be. */
export const SIGNATURE_WINDOW_SECONDS = 300

/** The string signed by clients (seed 000): timestamp + method + path + body. */
export function signingPayload(timestamp: string, method: string, path: string, body: string): string {
  return `${timestamp}${method.toUpperCase()}${path}${body}`
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string; field: string }

/** Verifies an X-Signature/X-Timestamp pair in constant time against `secret`. */
export function verifyRequestSignature(input: {
  secret: string
  signature: string | undefined
  timestamp: string | undefined
  method: string
  path: string
  body: string
  nowSeconds: number
}): SignatureCheck {
  if (!input.signature) return { ok: false, reason: 'X-Signature header is required for this API key', field: 'X-Signature' }
  if (!input.timestamp || !/^\d{1,12}$/.test(input.timestamp)) {
    return { ok: false, reason: 'X-Timestamp must be a UNIX timestamp in seconds', field: 'X-Timestamp' }
  }
  if (Math.abs(input.nowSeconds - Number(input.timestamp)) > SIGNATURE_WINDOW_SECONDS) {
    return { ok: false, reason: `X-Timestamp is more than ${SIGNATURE_WINDOW_SECONDS} seconds from server time`, field: 'X-Timestamp' }
  }
  const expected = hmacSha256Hex(input.secret, signingPayload(input.timestamp, input.method, input.path, input.body))
  if (!constantTimeEqual(expected, input.signature.toLowerCase())) {
    return { ok: false, reason: 'X-Signature does not match the request', field: 'X-Signature' }
  }
  return { ok: true }
}
