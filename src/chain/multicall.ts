import { decodeFunctionResult, encodeFunctionData, parseAbi, type Hex } from 'viem'

/** The two Multicall3 functions the scanner uses. */
export const MULTICALL3_ABI = parseAbi([
  'struct Call3 { address target; bool allowFailure; bytes callData; }',
  'struct Result { bool success; bytes returnData; }',
  'function aggregate3(Call3[] calls) payable returns (Result[] returnData)',
  'function getEthBalance(address addr) view returns (uint256 balance)',
])

/** Calldata for one `aggregate3` asking Multicall3 at `multicall` for each address's native balance. */
export function balancesCall(multicall: `0x${string}`, addresses: readonly string[]): Hex {
  const calls = addresses.map((addr) => ({
    target: multicall,
    allowFailure: false,
    callData: encodeFunctionData({ abi: MULTICALL3_ABI, functionName: 'getEthBalance', args: [addr as `0x${string}`] }),
  }))
  return encodeFunctionData({ abi: MULTICALL3_ABI, functionName: 'aggregate3', args: [calls] })
}

/** The balances out of an `aggregate3` answer; throws when the answer does not hold `expected` of them. */
export function decodeBalances(data: Hex, expected: number): bigint[] {
  if (data === '0x') throw new Error('Multicall3 returned no data: is it deployed on this chain (multicall3 in CHAINS)?')
  const results = decodeFunctionResult({ abi: MULTICALL3_ABI, functionName: 'aggregate3', data })
  if (results.length !== expected) throw new Error(`Multicall3 returned ${results.length} results for ${expected} calls`)
  return results.map((r) => {
    if (!r.success) throw new Error('Multicall3 getEthBalance failed')
    return decodeFunctionResult({ abi: MULTICALL3_ABI, functionName: 'getEthBalance', data: r.returnData })
  })
}
