import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { isSin, sinFromPublicKey, verifyBitPaySignature } from '../../src/auth/bitpay-identity'
import { BITPAY_ERROR_TABLE, bitpayErrorCode, bitpayExceptionStatus, bitpayStatus } from '../../src/domain/bitpay'

describe('BitPay identities', () => {
  it('derives the SIN like the official client (0x0F 0x02 + RIPEMD160(SHA256(pubkey)), base58check)', () => {
    // Computed with bitpay-sdk 8's KeyUtils.get_sin_from_key for private key 1f3c2b…e7f8.
    const pub = '0350e5bd3721fcd5b13dc6377366995a04a126674cdbbdc373b7d23037108ee4f4'
    const sin = sinFromPublicKey(pub)
    expect(sin).toBe('Tf4rsFo2rk7hLFrLs9gHki4ZxAqvYR3mys6')
    expect(isSin(sin)).toBe(true)
    expect(isSin(sin.slice(0, -1) + (sin.endsWith('a') ? 'b' : 'a'))).toBe(false)
  })

  it('verifies DER signatures over sha256(url + body), high-S included', () => {
    const priv = secp256k1.utils.randomSecretKey()
    const pub = bytesToHex(secp256k1.getPublicKey(priv, true))
    const data = 'http://gw.test/invoices{"price":10}'
    const digest = sha256(utf8ToBytes(data))
    const low = secp256k1.sign(digest, priv, { prehash: false, format: 'der' })
    expect(verifyBitPaySignature(pub, bytesToHex(low), data)).toBe(true)
    // Flip S to n - S: the same signature in high-S form, which elliptic can produce.
    const sig = secp256k1.Signature.fromBytes(low, 'der')
    const high = new secp256k1.Signature(sig.r, secp256k1.Point.CURVE().n - sig.s)
    expect(verifyBitPaySignature(pub, high.toHex('der'), data)).toBe(true)
    expect(verifyBitPaySignature(pub, bytesToHex(low), data + ' ')).toBe(false)
    expect(verifyBitPaySignature('02' + '0'.repeat(64), bytesToHex(low), data)).toBe(false)
  })
})

describe('BitPay mapping', () => {
  it.each([
    ['pending', 0, 'new'],
    ['processing', 0, 'paid'],
    ['completed', 2, 'confirmed'],
    ['completed', 6, 'complete'],
    ['failed', 0, 'invalid'],
    ['expired', 0, 'expired'],
    ['cancelled', 0, 'expired'],
  ] as const)('%s at %i confirmations is %s', (status, confirmations, expected) => {
    expect(bitpayStatus(status, confirmations, 6)).toBe(expected)
  })

  it('maps exceptions', () => {
    expect([null, 'underpaid', 'overpaid', 'paid_late'].map((e) => bitpayExceptionStatus(e as never))).toEqual([
      false,
      'paidPartial',
      'paidOver',
      'paidLate',
    ])
  })

  // One row per entry of seed 003's "Error codes" this gateway uses, per resource it serves.
  it.each([
    // Invoices (xx01xx)
    ['POST', 'invoice', 'other', '010100'],
    ['GET', 'invoice', 'not_found', '020101'],
    ['POST', 'invoice', 'invalid', '010102'],
    ['POST', 'invoice', 'missing', '010102'],
    ['POST', 'invoice', 'conflict', '010102'],
    ['PUT', 'invoice', 'state', '030117'],
    ['DELETE', 'invoice', 'state', '040117'],
    // Refunds (xx02xx)
    ['POST', 'refund', 'other', '010200'],
    ['DELETE', 'refund', 'not_found', '040201'],
    ['POST', 'refund', 'invalid', '010202'],
    ['POST', 'refund', 'missing', '010203'],
    ['POST', 'refund', 'conflict', '010204'],
    ['POST', 'refund', 'state', '010207'],
    // Unmapped (xx00xx): generic and every resource BitPay publishes no numbers for
    ['GET', 'generic', 'other', '020000'],
    ['GET', 'generic', 'not_found', '020001'],
    ['POST', 'generic', 'invalid', '010002'],
    ['POST', 'generic', 'missing', '010003'],
    ['PUT', 'generic', 'state', '030000'],
    ['PUT', 'generic', 'conflict', '030000'],
    ['PUT', 'bill', 'not_found', '030001'],
    ['GET', 'bill', 'invalid', '020002'],
    ['POST', 'subscription', 'missing', '010003'],
    ['PUT', 'subscription', 'state', '030000'],
    ['GET', 'ledger', 'invalid', '020002'],
    ['GET', 'settlement', 'other', '020000'],
    ['GET', 'settlement', 'not_found', '020001'],
    ['DELETE', 'token', 'not_found', '040001'],
    ['DELETE', 'token', 'invalid', '040002'],
    ['POST', 'token', 'missing', '010003'],
    // A method seed 003 does not number
    ['PATCH', 'invoice', 'not_found', '000101'],
  ] as const)('%s %s %s → %s', (method, resource, reason, code) => {
    expect(bitpayErrorCode(method, resource, reason)).toBe(code)
  })

  it('has a code for every reason of every family', () => {
    for (const row of Object.values(BITPAY_ERROR_TABLE))
      expect(Object.keys(row).sort()).toEqual(['conflict', 'invalid', 'missing', 'not_found', 'other', 'state'])
  })
})
