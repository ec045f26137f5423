import { constantTimeEqual, hmacSha256Hex, sha256Hex } from './crypto'

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
  if (!input.signature)
    return { ok: false, reason: 'X-Signature header is required for this API key', field: 'X-Signature' }
  if (!input.timestamp || !/^\d{1,12}$/.test(input.timestamp)) {
    return { ok: false, reason: 'X-Timestamp must be a UNIX timestamp in seconds', field: 'X-Timestamp' }
  }
  if (Math.abs(input.nowSeconds - Number(input.timestamp)) > SIGNATURE_WINDOW_SECONDS) {
    return {
      ok: false,
      reason: `X-Timestamp is more than ${SIGNATURE_WINDOW_SECONDS} seconds from server time`,
      field: 'X-Timestamp',
    }
  }
  const expected = hmacSha256Hex(input.secret, signingPayload(input.timestamp, input.method, input.path, input.body))
  if (!constantTimeEqual(expected, input.signature.toLowerCase())) {
    return { ok: false, reason: 'X-Signature does not match the request', field: 'X-Signature' }
  }
  return { ok: true }
}

/** What the replay guard remembers of an accepted signature: its hash, until its timestamp leaves the window. */
export interface AcceptedSignature {
  hash: string
  /** UNIX seconds after which the X-Timestamp is refused anyway, so the record may go. */
  expiresAt: number
}

/**
 * Verifies a request signature like `verifyRequestSignature` and, when it holds, says what must be
 * remembered so that it is accepted once. A verified signature equals the lowercase hex HMAC, so its
 * lowercase form is canonical: upper-case hex of the same signature is the same replay.
 */
export function acceptRequestSignature(
  input: Parameters<typeof verifyRequestSignature>[0],
): ({ ok: true } & AcceptedSignature) | Extract<SignatureCheck, { ok: false }> {
  const check = verifyRequestSignature(input)
  if (!check.ok) return check
  return {
    ok: true,
    hash: sha256Hex(input.signature?.toLowerCase() ?? ''),
    expiresAt: Number(input.timestamp) + SIGNATURE_WINDOW_SECONDS,
  }
}
