import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { exports } from 'cloudflare:workers'
import { sinFromPublicKey } from '../../src/auth/bitpay-identity'
import { call } from './api'

export const GATEWAY = 'http://gateway.test/'

/** Sends requests for the gateway's host to the worker in-process; everything else goes out as usual. */
export function routeGatewayFetch(): void {
  const original = globalThis.fetch
  if ((original as { gatewayRouted?: boolean }).gatewayRouted) return
  const routed = (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    return request.url.startsWith(GATEWAY) ? exports.default.fetch(request) : original(request)
  }
  globalThis.fetch = Object.assign(routed, { gatewayRouted: true }) as typeof fetch
}

/** A BitPay client identity: a secp256k1 key, its compressed public key and SIN. */
export function newIdentity() {
  const privateKey = bytesToHex(secp256k1.utils.randomSecretKey())
  const publicKey = bytesToHex(secp256k1.getPublicKey(hexToBytes(privateKey), true))
  return { privateKey, publicKey, sin: sinFromPublicKey(publicKey) }
}

/** x-identity / x-signature for a request, as the official client signs it (DER, sha256(url + body)). */
export function signHeaders(identity: ReturnType<typeof newIdentity>, url: string, body = ''): Record<string, string> {
  const signature = secp256k1.sign(sha256(utf8ToBytes(url + body)), hexToBytes(identity.privateKey), {
    prehash: false,
    format: 'der',
  })
  return { 'x-identity': identity.publicKey, 'x-signature': bytesToHex(signature) }
}

/** A request signed by `identity` as the official client signs it, sent to the worker. */
export function signedCall(
  identity: ReturnType<typeof newIdentity>,
  method: string,
  path: string,
  body?: Record<string, unknown>,
  extra: Record<string, string> = {},
) {
  const raw = body === undefined ? '' : JSON.stringify(body)
  return call(method, path, {
    body: body === undefined ? undefined : raw,
    raw: true,
    headers: { ...signHeaders(identity, new URL(path, GATEWAY).toString(), raw), ...extra },
  })
}

/** Client-initiated pairing: POST /tokens for the identity, approved by the merchant's key. */
export async function pairToken(
  merchantKey: string,
  identity: ReturnType<typeof newIdentity>,
  facade: 'merchant' | 'pos' | 'payout' = 'merchant',
) {
  const requested = await call('POST', '/tokens', { body: { id: identity.sin, facade } })
  if (requested.status !== 200) throw new Error(`token request failed: ${requested.text}`)
  const { token, pairingCode } = requested.json.data[0]
  const approved = await call('POST', `/v1/bitpay/pairing-codes/${pairingCode}/approve`, { key: merchantKey })
  if (approved.status !== 200) throw new Error(`approve failed: ${approved.text}`)
  return token as string
}
