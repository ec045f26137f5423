import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { hmacSha256Hex } from '../auth/crypto'

/** Seed 002's X-Signature: hex HMAC-SHA256 of the raw body with the notify_secret. */
export function xSignature(notifySecret: string, rawBody: string): string {
  return hmacSha256Hex(notifySecret, rawBody)
}

/** A new Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export function newEndpointSecret(): string {
  return `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(24)))}`
}

/** The key bytes of a `whsec_` secret. */
export function endpointSecretBytes(secret: string): Uint8Array {
  return fromBase64(secret.replace(/^whsec_/, ''))
}

/** Standard Webhooks headers: webhook-id, webhook-timestamp, webhook-signature (v1 over id.ts.body). */
export function standardWebhookHeaders(
  id: string,
  timestampSeconds: number,
  rawBody: string,
  key: Uint8Array,
): Record<string, string> {
  const signature = toBase64(hmac(sha256, key, utf8ToBytes(`${id}.${timestampSeconds}.${rawBody}`)))
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${signature}` }
}

function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text)
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}
