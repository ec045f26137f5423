import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { constantTimeEqual } from './crypto'

/** How long a login token is valid. */
export const ACCESS_TOKEN_TTL_SECONDS = 12 * 60 * 60

export interface AccessTokenClaims {
  /** User id. */
  sub: string
  /** The user's token version when issued; a password change bumps it. */
  ver: number
  /** Expiry, UNIX seconds. */
  exp: number
}

const b64url = (text: string) => btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
const unb64url = (text: string) => atob(text.replaceAll('-', '+').replaceAll('_', '/'))

// The signing key is derived from ADMIN_TOKEN (domain-separated), so there is no extra secret to
// manage; rotating ADMIN_TOKEN signs everyone out.
function signingKey(serverSecret: string): Uint8Array {
  return hkdf(sha256, utf8ToBytes(serverSecret), utf8ToBytes('bitxpay'), utf8ToBytes('access-token-v1'), 32)
}

function mac(serverSecret: string, payload: string): string {
  return bytesToHex(hmac(sha256, signingKey(serverSecret), utf8ToBytes(payload)))
}

/** `cpt_<payload>.<hmac>`: a signed, expiring token for a dashboard user. */
export function issueAccessToken(serverSecret: string, claims: AccessTokenClaims): string {
  const payload = b64url(JSON.stringify(claims))
  return `cpt_${payload}.${mac(serverSecret, payload)}`
}

/** The claims of a well-signed, unexpired token, or null. The caller checks `ver` against the user. */
export function readAccessToken(serverSecret: string, token: string, nowSeconds: number): AccessTokenClaims | null {
  const match = /^cpt_([A-Za-z0-9_-]+)\.([0-9a-f]{64})$/.exec(token)
  if (!match) return null
  const [, payload, signature] = match as unknown as [string, string, string]
  if (!constantTimeEqual(mac(serverSecret, payload), signature)) return null
  try {
    const claims = JSON.parse(unb64url(payload)) as AccessTokenClaims
    if (typeof claims.sub !== 'string' || typeof claims.ver !== 'number' || typeof claims.exp !== 'number') return null
    return claims.exp > nowSeconds ? claims : null
  } catch {
    return null
  }
}
