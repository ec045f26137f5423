import { parseAbi, toFunctionSelector, type Hex } from 'viem'

/** The two Multicall3 functions the scanner uses. */
export const MULTICALL3_ABI = parseAbi([
  'struct Call3 { address target; bool allowFailure; bytes callData; }',
  'struct Result { bool success; bytes returnData; }',
  'function aggregate3(Call3[] calls) payable returns (Result[] returnData)',
  'function getEthBalance(address addr) view returns (uint256 balance)',
])

const AGGREGATE3 = toFunctionSelector('aggregate3((address,bool,bytes)[])').slice(2)
const GET_ETH_BALANCE = toFunctionSelector('getEthBalance(address)').slice(2)
/** One ABI word (32 bytes) is 64 hex characters. */
const WORD = 64

const word = (n: number) => n.toString(16).padStart(WORD, '0')
/** Encoded Call3 tuple: target, allowFailure, offset of callData (3 words), its length (36 bytes), 2 words of data. */
const ELEMENT_WORDS = 6

/**
 * Calldata for one `aggregate3` asking Multicall3 at `multicall` for each address's native balance.
 * Written out by hand (the layout is fixed: every element is a 36-byte getEthBalance call): viem's
 * generic encoder takes about 200 ms for 2,500 addresses, this takes a few.
 */
export function balancesCall(multicall: `0x${string}`, addresses: readonly string[]): Hex {
  const n = addresses.length
  const target = multicall.slice(2).toLowerCase().padStart(WORD, '0')
  const parts: string[] = [AGGREGATE3, word(WORD / 2), word(n)]
  for (let i = 0; i < n; i++) parts.push(word(32 * n + 32 * ELEMENT_WORDS * i))
  for (const addr of addresses) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(addr)) throw new Error(`not an address: ${addr}`)
    const arg = addr.slice(2).toLowerCase().padStart(WORD, '0')
    // target, allowFailure = false, callData at 3 words, 36 bytes, selector + address (padded to 2 words)
    parts.push(target, word(0), word(96), word(36), GET_ETH_BALANCE, arg, '0'.repeat(WORD - 8))
  }
  return `0x${parts.join('')}`
}

/**
 * The balances out of an `aggregate3` answer (Result[] of 32-byte returnData), reading the offsets
 * the answer gives; throws when it does not hold `expected` successful results.
 */
export function decodeBalances(data: Hex, expected: number): bigint[] {
  if (data === '0x')
    throw new Error('Multicall3 returned no data: is it deployed on this chain (multicall3 in CHAINS)?')
  const hex = data.slice(2)
  const at = (byteOffset: number) => {
    const start = byteOffset * 2
    if (start + WORD > hex.length) throw new Error('Multicall3 answer is truncated')
    return hex.slice(start, start + WORD)
  }
  const num = (byteOffset: number) => {
    const value = Number.parseInt(at(byteOffset), 16)
    if (!Number.isSafeInteger(value)) throw new Error('Multicall3 answer has an invalid offset')
    return value
  }
  const array = num(0)
  const length = num(array)
  if (length !== expected) throw new Error(`Multicall3 returned ${length} results for ${expected} calls`)
  const head = array + 32
  const out = new Array<bigint>(length)
  for (let i = 0; i < length; i++) {
    const element = head + num(head + 32 * i)
    if (num(element) !== 1) throw new Error('Multicall3 getEthBalance failed')
    const bytes = element + num(element + 32)
    if (num(bytes) !== 32) throw new Error('Multicall3 getEthBalance returned an unexpected length')
    out[i] = BigInt(`0x${at(bytes + 32)}`)
  }
  return out
}
