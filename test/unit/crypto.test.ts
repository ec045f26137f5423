import { HDKey } from '@scure/bip32'
import { privateKeyToAddress } from 'viem/accounts'
import { bytesToHex } from '@noble/hashes/utils.js'
import { describe, expect, it } from 'vitest'
import { deriveDepositAddress, parseXpub } from '../../src/chain/addresses'
import { constantTimeEqual, hmacSha256Hex } from '../../src/auth/crypto'
import { signingPayload, verifyRequestSignature } from '../../src/auth/signature'
import { TEST_XPUB } from '../helpers/api'

const seed = new Uint8Array(Array.from({ length: 16 }, (_, i) => i))

describe('deposit addresses', () => {
  it("derives m/44'/60'/0'/0/i from the xpub exactly as the private key path does", () => {
    const root = HDKey.fromMasterSeed(seed)
    for (const i of [0, 1, 7, 1000]) {
      const priv = root.derive(`m/44'/60'/0'/0/${i}`).privateKey!
      expect(deriveDepositAddress(TEST_XPUB, i)).toBe(privateKeyToAddress(`0x${bytesToHex(priv)}`))
    }
  })
  it('refuses an extended private key', () => {
    const xprv = HDKey.fromMasterSeed(seed).derive("m/44'/60'/0'").privateExtendedKey
    expect(() => parseXpub(xprv)).toThrow(/PRIVATE/)
  })
  it('refuses garbage', () => {
    expect(() => parseXpub('xpub123')).toThrow(/extended public key/)
  })
})

describe('request signatures', () => {
  const secret = 'sig_secret'
  const now = 1_700_000_000
  const sign = (ts: number, body = '{"a":1}') =>
    hmacSha256Hex(secret, signingPayload(String(ts), 'POST', '/v1/payments', body))
  const check = (signature: string | undefined, ts: number | undefined, body = '{"a":1}') =>
    verifyRequestSignature({
      secret,
      signature,
      timestamp: ts === undefined ? undefined : String(ts),
      method: 'POST',
      path: '/v1/payments',
      body,
      nowSeconds: now,
    })

  it('accepts a fresh signature over timestamp + method + path + body', () => {
    expect(check(sign(now), now)).toEqual({ ok: true })
    expect(check(sign(now - 299), now - 299)).toEqual({ ok: true })
  })
  it('refuses a timestamp outside ±300 s, a changed body, or a missing header', () => {
    expect(check(sign(now - 301), now - 301)).toMatchObject({ ok: false, field: 'X-Timestamp' })
    expect(check(sign(now + 301), now + 301)).toMatchObject({ ok: false, field: 'X-Timestamp' })
    expect(check(sign(now), now, '{"a":2}')).toMatchObject({ ok: false, field: 'X-Signature' })
    expect(check(undefined, now)).toMatchObject({ ok: false, field: 'X-Signature' })
  })
  it('compares in constant time, including different lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true)
    expect(constantTimeEqual('abc', 'abd')).toBe(false)
    expect(constantTimeEqual('abc', 'abcd')).toBe(false)
  })
})
