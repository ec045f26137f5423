import { getAddress, hexToBigInt, pad, type Hex } from 'viem'
import type { Transfer } from '../domain/chain-scan'

/** keccak256("Transfer(address,address,uint256)"): ERC-20 and ERC-721 share it. */
export const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef' as const

/** An address as a 32-byte log topic. */
export function addressTopic(address: string): Hex {
  return pad(address.toLowerCase() as Hex, { size: 32 })
}

/** The fields of an eth_getLogs result the scanner reads. */
export interface RpcLog {
  address: Hex
  topics: Hex[]
  data: Hex
  blockNumber: Hex | null
  blockHash: Hex | null
  transactionHash: Hex | null
  logIndex: Hex | null
  removed?: boolean
}

/**
 * A Transfer log as a transfer: ERC-20 (from and to indexed, amount in data) is fungible; ERC-721
 * (token id indexed too) is recorded as `other`. Pending logs (no block yet) and other events give null.
 */
export function transferFromLog(log: RpcLog): Transfer | null {
  if (log.topics[0] !== TRANSFER_TOPIC || log.removed) return null
  if (!log.blockNumber || !log.blockHash || !log.transactionHash || log.logIndex === null) return null
  const [, fromTopic, toTopic] = log.topics
  if (!fromTopic || !toTopic) return null
  const fungible = log.topics.length === 3 && log.data.length === 66
  return {
    txHash: log.transactionHash,
    logIndex: Number(hexToBigInt(log.logIndex)),
    blockNumber: Number(hexToBigInt(log.blockNumber)),
    blockHash: log.blockHash,
    from: topicAddress(fromTopic),
    to: topicAddress(toTopic),
    contract: getAddress(log.address),
    amount: fungible ? hexToBigInt(log.data) : 0n,
    kind: fungible ? 'fungible' : 'other',
  }
}

function topicAddress(topic: Hex): `0x${string}` {
  return getAddress(`0x${topic.slice(26)}`)
}
