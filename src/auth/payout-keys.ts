/**
 * Payout-wallet keys at rest: AES-256-GCM (WebCrypto) under a key derived with HKDF-SHA-256 from the
 * PAYOUT_KEY_SECRET secret, a fresh 96-bit nonce per key, the wallet id as associated data (a
 * ciphertext moved to another row does not decrypt). Stored as base64(nonce ‖ ciphertext).
 */
import { ApiError } from '../errors'

const INFO = new TextEncoder().encode('bitxpay payout wallet key v1')

async function aesKey(secret: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info: INFO },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  )
}

/** The secret, or a 4xx that says payout wallets are not configured. */
export function payoutKeySecret(env: { PAYOUT_KEY_SECRET?: string }): string {
  const secret = env.PAYOUT_KEY_SECRET
  if (!secret)
    throw new ApiError(
      'FORBIDDEN',
      'Payout wallets are not enabled on this gateway: the operator has not set PAYOUT_KEY_SECRET',
      'private_key',
    )
  return secret
}

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0))

export async function encryptPayoutKey(secret: string, walletId: string, privateKey: `0x${string}`): Promise<string> {
  const nonce = crypto.getRandomValues(new Uint8Array(12))
  const plain = new TextEncoder().encode(privateKey)
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: nonce, additionalData: new TextEncoder().encode(walletId) },
      await aesKey(secret),
      plain,
    ),
  )
  const out = new Uint8Array(12 + sealed.length)
  out.set(nonce)
  out.set(sealed, 12)
  return toBase64(out)
}

export async function decryptPayoutKey(secret: string, walletId: string, stored: string): Promise<`0x${string}`> {
  const bytes = fromBase64(stored)
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: bytes.slice(0, 12), additionalData: new TextEncoder().encode(walletId) },
    await aesKey(secret),
    bytes.slice(12),
  )
  return new TextDecoder().decode(plain) as `0x${string}`
}
