import { secp256k1 } from '@noble/curves/secp256k1.js'
import { ripemd160 } from '@noble/hashes/legacy.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { base58 } from '@scure/base'

/** BitPay client id (SIN): base58check of 0x0F 0x02 + RIPEMD160(SHA256(compressed public key)). */
export function sinFromPublicKey(compressedHex: string): string {
  const payload = new Uint8Array([0x0f, 0x02, ...ripemd160(sha256(hexToBytes(compressedHex)))])
  const checksum = sha256(sha256(payload)).slice(0, 4)
  return base58.encode(new Uint8Array([...payload, ...checksum]))
}

/** Whether a string looks like a SIN (base58, version 0x0F 0x02, good checksum). */
export function isSin(value: string): boolean {
  try {
    const bytes = base58.decode(value)
    if (bytes.length !== 26 || bytes[0] !== 0x0f || bytes[1] !== 0x02) return false
    const checksum = sha256(sha256(bytes.slice(0, 22))).slice(0, 4)
    return checksum.every((b, i) => b === bytes[22 + i])
  } catch {
    return false
  }
}

/**
 * Verifies BitPay's x-signature: hex DER ECDSA over SHA-256 of (full URL + body), by the compressed
 * public key in x-identity. High-S signatures are accepted: the official client does not normalise S.
 */
export function verifyBitPaySignature(identityHex: string, signatureHex: string, signedData: string): boolean {
  try {
    if (!/^0[23][0-9a-f]{64}$/i.test(identityHex) || !/^[0-9a-f]+$/i.test(signatureHex)) return false
    return secp256k1.verify(hexToBytes(signatureHex), sha256(utf8ToBytes(signedData)), hexToBytes(identityHex), {
      prehash: false,
      lowS: false,
      format: 'der',
    })
  } catch {
    return false
  }
}
