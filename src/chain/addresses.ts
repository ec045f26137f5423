import { secp256k1 } from '@noble/curves/secp256k1.js'
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

/** Parsed xpubs' external chain nodes (…/0), so a payment's address costs one child derivation, not three steps. */
const externalChains = new Map<string, HDKey>()

function externalChain(xpub: string): HDKey {
  let node = externalChains.get(xpub)
  if (!node) {
    node = parseXpub(xpub).deriveChild(0)
    if (externalChains.size >= 1_000) externalChains.clear()
    externalChains.set(xpub, node)
  }
  return node
}

/** The deposit address at m/44'/60'/0'/0/index below the account xpub (non-hardened children). */
export function deriveDepositAddress(xpub: string, index: number): `0x${string}` {
  const child = externalChain(xpub).deriveChild(index)
  if (!child.publicKey) throw new AddressError('derivation produced no public key')
  const uncompressed = secp256k1.Point.fromBytes(child.publicKey).toBytes(false)
  return publicKeyToAddress(`0x${bytesToHex(uncompressed)}`)
}

/** Checksums an EVM address, refusing anything that is not one. */
export function normalizeAddress(address: string): `0x${string}` {
  if (!isAddress(address, { strict: false })) throw new AddressError('is not a valid EVM address')
  return getAddress(address)
}
