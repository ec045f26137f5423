// Multicall3 getEthBalance calldata and answers, written and read by hand for speed, must be exactly
// what the ABI says (checked against viem's generic encoder) and fail loudly on an answer that is not.
import { encodeFunctionData, encodeFunctionResult, getAddress } from 'viem'
import { describe, expect, it } from 'vitest'
import { balancesCall, decodeBalances, MULTICALL3_ABI } from '../../src/chain/multicall'
import { MULTICALL3_ADDRESS } from '../../src/chain/registry'

const randomAddress = (): `0x${string}` =>
  `0x${[...crypto.getRandomValues(new Uint8Array(20))].map((b) => b.toString(16).padStart(2, '0')).join('')}`

function viemCall(addresses: `0x${string}`[]) {
  const calls = addresses.map((addr) => ({
    target: MULTICALL3_ADDRESS,
    allowFailure: false,
    callData: encodeFunctionData({ abi: MULTICALL3_ABI, functionName: 'getEthBalance', args: [addr] }),
  }))
  return encodeFunctionData({ abi: MULTICALL3_ABI, functionName: 'aggregate3', args: [calls] })
}

function viemAnswer(results: { success: boolean; balance: bigint }[]) {
  const encoded = results.map((r) => ({
    success: r.success,
    returnData: r.success
      ? encodeFunctionResult({ abi: MULTICALL3_ABI, functionName: 'getEthBalance', result: r.balance })
      : ('0x' as const),
  }))
  return encodeFunctionResult({ abi: MULTICALL3_ABI, functionName: 'aggregate3', result: encoded })
}

describe('Multicall3 getEthBalance encoding', () => {
  it('writes the same calldata as the ABI encoder, for any number of addresses in any case', () => {
    for (const n of [0, 1, 2, 7, 300]) {
      const addresses = Array.from({ length: n }, (_, i) => (i % 2 ? getAddress(randomAddress()) : randomAddress()))
      expect(balancesCall(MULTICALL3_ADDRESS, addresses)).toBe(viemCall(addresses).toLowerCase())
    }
  })

  it('reads balances (zero, small, 256-bit) from an ABI-encoded answer, in order', () => {
    const balances = [0n, 1n, 10n ** 18n + 7n, 2n ** 256n - 1n, 12345n]
    expect(
      decodeBalances(viemAnswer(balances.map((balance) => ({ success: true, balance }))), balances.length),
    ).toEqual(balances)
    expect(decodeBalances(viemAnswer([]), 0)).toEqual([])
  })

  it('refuses an answer with a failed call, the wrong count, no data or truncated data', () => {
    expect(() =>
      decodeBalances(
        viemAnswer([
          { success: true, balance: 1n },
          { success: false, balance: 0n },
        ]),
        2,
      ),
    ).toThrow(/failed/)
    expect(() => decodeBalances(viemAnswer([{ success: true, balance: 1n }]), 2)).toThrow(/1 results for 2/)
    expect(() => decodeBalances('0x', 1)).toThrow(/no data/)
    const full = viemAnswer([{ success: true, balance: 5n }])
    expect(() => decodeBalances(full.slice(0, full.length - 64) as `0x${string}`, 1)).toThrow(/truncated/)
  })

  it('refuses an address that is not 20 bytes of hex', () => {
    expect(() => balancesCall(MULTICALL3_ADDRESS, ['0x1234'])).toThrow(/not an address/)
  })
})
