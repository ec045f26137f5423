import { BaseError, createPublicClient, hexToBigInt, http, numberToHex, type Hex, type PublicClient } from 'viem'
import { packBySize } from '../domain/chain-scan'
import { balancesCall, decodeBalances } from './multicall'
import type { RpcLog } from './erc20'
import type { Chain } from './registry'

/** Counts what a client sent: HTTP requests and the JSON-RPC calls inside them (a batch holds many). */
export interface RpcCounter {
  requests: number
  calls: number
  methods: Record<string, number>
}

export interface RpcOptions {
  /** Replaces `fetch` (tests use it to count or to break the transport). */
  fetchFn?: typeof fetch
  /** Incremented for every request the client sends. */
  counter?: RpcCounter
  timeoutMs?: number
}

export class ChainRpcError extends Error {}

export function newCounter(): RpcCounter {
  return { requests: 0, calls: 0, methods: {} }
}

/**
 * A viem client for a chain. Calls issued in the same turn of the event loop go out as one JSON-RPC
 * batch (at most `chain.rpcBatchSize` calls each): that is what keeps a tick's request count constant.
 * A batch whose body would exceed `chain.rpcMaxBodyBytes` is sent as several requests, in parallel,
 * holding the same calls (nodes refuse big bodies: anvil at 2 MiB). One retry; a chain that keeps
 * failing is retried by the next tick.
 */
export function chainClient(chain: Chain, options: RpcOptions = {}): PublicClient {
  const base = options.fetchFn ?? fetch
  const counter = options.counter
  const counted: typeof fetch = counter
    ? async (input, init) => {
        counter.requests += 1
        const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : null
        for (const call of Array.isArray(body) ? body : body ? [body] : []) {
          const method = (call as { method?: string }).method ?? '?'
          counter.calls += 1
          counter.methods[method] = (counter.methods[method] ?? 0) + 1
        }
        return base(input, init)
      }
    : base
  return createPublicClient({
    transport: http(chain.rpcUrl, {
      batch: { batchSize: chain.rpcBatchSize, wait: 0 },
      retryCount: 1,
      timeout: options.timeoutMs ?? 20_000,
      fetchFn: splittingBatches(counted, chain.rpcMaxBodyBytes),
    }),
  })
}

/**
 * Wraps `send` so that a JSON-RPC batch body over `maxBytes` goes out as several batch requests
 * (packed in order, each within `maxBytes` unless one call alone is bigger) whose answers are joined
 * into one array, as if the node had answered the whole batch. Any other body passes through. A
 * part that fails (HTTP error, or not an array) is returned as is, so viem reports it like a failed
 * batch.
 */
export function splittingBatches(send: typeof fetch, maxBytes: number): typeof fetch {
  return async (input, init) => {
    const body = init?.body
    if (typeof body !== 'string' || body.length <= maxBytes || !body.startsWith('[')) return send(input, init)
    const calls = (JSON.parse(body) as unknown[]).map((call) => JSON.stringify(call))
    const parts = packBySize(calls, (c) => c.length + 1, maxBytes - 2)
    if (parts.length < 2) return send(input, init)
    const answers = await Promise.all(parts.map((part) => send(input, { ...init, body: `[${part.join(',')}]` })))
    const joined: unknown[] = []
    for (const answer of answers) {
      if (!answer.ok) return answer
      const data: unknown = await answer
        .clone()
        .json()
        .catch(() => null)
      if (!Array.isArray(data)) return answer
      joined.push(...data)
    }
    return new Response(JSON.stringify(joined), { status: 200, headers: { 'content-type': 'application/json' } })
  }
}

export interface Head {
  number: number
  hash: Hex
}

/** The chain head, after checking that the RPC serves the configured chain (a wrong URL must not scan). */
export async function readHead(client: PublicClient, chain: Chain): Promise<Head> {
  const [chainId, block] = await Promise.all([
    client.request({ method: 'eth_chainId' }),
    client.request({ method: 'eth_getBlockByNumber', params: ['latest', false] }),
  ])
  const served = Number(hexToBigInt(chainId))
  if (served !== chain.id)
    throw new ChainRpcError(
      `RPC ${redact(chain.rpcUrl)} serves chain ${served}, not ${chain.id}: check rpcUrl / RPC_URL_${chain.id}`,
    )
  if (!block?.number || !block.hash) throw new ChainRpcError('RPC returned no latest block')
  return { number: Number(hexToBigInt(block.number)), hash: block.hash }
}

/** ERC-20/721 Transfer logs to any of `toTopics` in [from, to], from any contract. */
export function transferLogs(client: PublicClient, from: number, to: number, toTopics: Hex[]): Promise<RpcLog[]> {
  return client.request({
    method: 'eth_getLogs',
    params: [
      {
        fromBlock: numberToHex(from),
        toBlock: numberToHex(to),
        topics: ['0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef', null, toTopics],
      },
    ],
  }) as Promise<RpcLog[]>
}

export async function balanceAt(client: PublicClient, address: string, block: number | 'latest'): Promise<bigint> {
  const tag = block === 'latest' ? 'latest' : numberToHex(block)
  return hexToBigInt(await client.request({ method: 'eth_getBalance', params: [address as Hex, tag] }))
}

/**
 * Addresses per Multicall3 `eth_call`: about 2,600 gas each (6.5 M gas per call, under providers'
 * eth_call gas caps) and 448 hex characters of calldata each (1.12 MB per call, under a 2 MiB body
 * cap). 10,000 native deposits are 4 eth_calls.
 */
export const MULTICALL_CHUNK = 2500

/**
 * Native balances of many addresses at one block, in input order: through Multicall3 `getEthBalance`
 * (one eth_call per MULTICALL_CHUNK addresses) when the chain has it, else one eth_getBalance each.
 */
export async function balancesAt(
  client: PublicClient,
  chain: Chain,
  addresses: readonly string[],
  block: number | 'latest',
): Promise<bigint[]> {
  const multicall = chain.multicall3
  if (!multicall) return Promise.all(addresses.map((a) => balanceAt(client, a, block)))
  const tag = block === 'latest' ? 'latest' : numberToHex(block)
  const groups: string[][] = []
  for (let i = 0; i < addresses.length; i += MULTICALL_CHUNK) groups.push(addresses.slice(i, i + MULTICALL_CHUNK))
  const results = await Promise.all(
    groups.map(async (group) => {
      const data = await client.request({
        method: 'eth_call',
        params: [{ to: multicall, data: balancesCall(multicall, group) }, tag],
      })
      return decodeBalances(data, group.length)
    }),
  )
  return results.flat()
}

/** The canonical hash at a height, or null when the node has no such block. */
export async function blockHashAt(client: PublicClient, block: number): Promise<Hex | null> {
  const b = await client.request({ method: 'eth_getBlockByNumber', params: [numberToHex(block), false] })
  return b?.hash ?? null
}

export interface BlockTransaction {
  hash: Hex
  from: Hex
  to: Hex | null
  value: Hex
}

/** A block with its transactions, or null when the node has no such block. */
export async function blockWithTransactions(
  client: PublicClient,
  block: number,
): Promise<{ hash: Hex; transactions: BlockTransaction[] } | null> {
  const b = await client.request({ method: 'eth_getBlockByNumber', params: [numberToHex(block), true] })
  if (!b?.hash) return null
  return { hash: b.hash, transactions: b.transactions as unknown as BlockTransaction[] }
}

/** The native balance of one address now (the baseline of a native-coin payment). */
export async function nativeBalance(chain: Chain, address: string, options: RpcOptions = {}): Promise<bigint> {
  return balanceAt(chainClient(chain, { timeoutMs: 10_000, ...options }), address, 'latest')
}

/** An RPC URL without its path and query, which often carry the provider's API key. */
export function redact(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : '/…'}`
  } catch {
    return '<invalid url>'
  }
}

/**
 * One line for logs and chain_cursors.last_error: viem's short message and details, with the RPC URL
 * (whose path or query often holds the provider's API key) reduced to its host.
 */
export function describeRpcError(err: unknown, rpcUrl: string): string {
  const text =
    err instanceof BaseError
      ? [err.shortMessage, err.details].filter(Boolean).join(': ')
      : err instanceof Error
        ? err.message
        : String(err)
  let scrubbed = text.split('\n')[0] ?? ''
  const variants = [rpcUrl]
  try {
    variants.push(new URL(rpcUrl).href)
  } catch {
    // not a URL: nothing else to hide
  }
  for (const v of variants.sort((a, b) => b.length - a.length)) scrubbed = scrubbed.replaceAll(v, redact(rpcUrl))
  return scrubbed
}
