import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { HDKey } from '@scure/bip32'
import { getAddress, isAddress } from 'viem'
import { publicKeyToAddress } from 'viem/accounts'

export class AddressError extends Error {}

/** Parses an account-level extended public key; refuses private keys outright. */
export function parseXpub(xpub: string): HDKey {
  let key: HDKey
  try {
    key = HDKey.fromExtendedKey(xpub)
  } catch {
    throw new AddressError('is not a valid BIP32 extended public key (xpub...)')
  }
  if (key.privateKey) throw new AddressError('is an extended PRIVATE key: send the xpub, never the xprv')
  return key
}

/** An xpub's external chain node (…/0), decoded once: its point, compressed key and chain code. */
interface ExternalChain {
  point: InstanceType<typeof secp256k1.Point>
  publicKey: Uint8Array
  chainCode: Uint8Array
}

/** Parsed xpubs' external chain nodes, so a payment's address costs one child step, not three. */
const externalChains = new Map<string, ExternalChain>()

function externalChain(xpub: string): ExternalChain {
  let node = externalChains.get(xpub)
  if (!node) {
    const key = parseXpub(xpub).deriveChild(0)
    if (!key.publicKey || !key.chainCode) throw new AddressError('derivation produced no public key')
    node = { point: secp256k1.Point.fromBytes(key.publicKey), publicKey: key.publicKey, chainCode: key.chainCode }
    if (externalChains.size >= 1_000) externalChains.clear()
    externalChains.set(xpub, node)
  }
  return node
}

/**
 * The deposit address at m/44'/60'/0'/0/index below the account xpub (non-hardened children).
 * BIP32 public child derivation (CKDpub) done here on the cached parent point rather than through
 * HDKey, which decodes and re-encodes the points at every step: the same result, a fraction of the
 * CPU per payment (checked against HDKey and the private-key path in the tests).
 */
export function deriveDepositAddress(xpub: string, index: number): `0x${string}` {
  if (!Number.isSafeInteger(index) || index < 0 || index >= 0x80000000)
    throw new AddressError('index must be a non-hardened child index')
  const parent = externalChain(xpub)
  const data = new Uint8Array(37)
  data.set(parent.publicKey)
  new DataView(data.buffer).setUint32(33, index, false)
  const i = hmac(sha512, parent.chainCode, data)
  const tweak = bytesToNumberBE(i.subarray(0, 32))
  if (tweak >= secp256k1.Point.Fn.ORDER)
    throw new AddressError('derivation produced an invalid key (tweak not below the curve order)')
  const child = tweak === 0n ? parent.point : parent.point.add(secp256k1.Point.BASE.multiply(tweak))
  if (child.equals(secp256k1.Point.ZERO)) throw new AddressError('derivation produced the point at infinity')
  return publicKeyToAddress(`0x${bytesToHex(child.toBytes(false))}`)
}

/** Checksums an EVM address, refusing anything that is not one. */
export function normalizeAddress(address: string): `0x${string}` {
  if (!isAddress(address, { strict: false })) throw new AddressError('is not a valid EVM address')
  return getAddress(address)
}
