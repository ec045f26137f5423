import { z } from 'zod'
import type { TransactionSpeed } from '../domain/payment-status'

/** The token symbol used for a chain's native coin in `Chain.tokens`. */
export interface Token {
  symbol: string
  /** ERC-20 contract, or null for the native coin. */
  address: `0x${string}` | null
  decimals: number
}

/** A Chainlink-style aggregator (latestRoundData + decimals) quoting `symbol` in USD. */
export interface PriceFeed {
  symbol: string
  address: `0x${string}`
  /** Answers older than this are refused (a bit more than the feed's heartbeat). */
  maxAgeSeconds: number
}

export interface Chain {
  id: number
  name: string
  rpcUrl: string
  nativeSymbol: string
  confirmations: Record<TransactionSpeed, number>
  /** Block time: the chain's watcher scans at this cadence while payments are open. */
  blockTimeMs: number
  /** Multicall3 (native balances in one eth_call), or null on a chain without it: plain eth_getBalance. */
  multicall3: `0x${string}` | null
  /** Most blocks one eth_getLogs may span (provider limit). */
  maxLogRange: number
  /** Most deposit addresses in one eth_getLogs `to` topic list. */
  maxLogAddresses: number
  /** Most JSON-RPC calls in one batch request. */
  rpcBatchSize: number
  /**
   * Largest batch request body in bytes: a bigger batch is sent as several requests (same calls).
   * Under anvil's 2 MiB and the usual provider caps; one call bigger than this still goes alone.
   */
  rpcMaxBodyBytes: number
  tokens: Token[]
  /** USD price feeds read by the cron into the rate cache. */
  priceFeeds: PriceFeed[]
  testnet: boolean
}

const native = (symbol: string): Token => ({ symbol, address: null, decimals: 18 })
const erc20 = (symbol: string, address: `0x${string}`, decimals = 6): Token => ({ symbol, address, decimals })
const HOUR = 3600
const feed = (symbol: string, address: `0x${string}`, maxAgeSeconds: number): PriceFeed => ({
  symbol,
  address,
  maxAgeSeconds,
})
/** Multicall3's address on every major EVM chain (deterministic deployment). */
export const MULTICALL3_ADDRESS = '0xcA11bde05977b3631167028862bE2a173976CA11' as const
const LIMIT_DEFAULTS = {
  maxLogAddresses: 1000,
  rpcBatchSize: 1000,
  rpcMaxBodyBytes: 1_500_000,
  multicall3: MULTICALL3_ADDRESS,
}

/** Built-in chains; operators merge overrides with the CHAINS variable. */
export const BUILTIN_CHAINS: Chain[] = [
  {
    id: 1,
    name: 'Ethereum',
    rpcUrl: 'https://ethereum-rpc.publicnode.com',
    nativeSymbol: 'ETH',
    confirmations: { high: 3, medium: 12, low: 64 },
    blockTimeMs: 12_000,
    maxLogRange: 2000,
    testnet: false,
    tokens: [
      native('ETH'),
      erc20('USDC', '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'),
      erc20('USDT', '0xdAC17F958D2ee523a2206206994597C13D831ec7'),
    ],
    // Chainlink mainnet USD feeds (heartbeats: ETH 1 h, the others 24 h).
    priceFeeds: [
      feed('ETH', '0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419', HOUR + 600),
      feed('USDC', '0x8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6', 25 * HOUR),
      feed('USDT', '0x3E7d1eAB13ad0104d2750B8863b489D65364e32D', 25 * HOUR),
      feed('EUR', '0xb49f677943BC038e9857d61E7d053CaA2C1734C1', 25 * HOUR),
      feed('GBP', '0x5c0Ab2d9b5a7ed9f470386e82BB36A3613cDd4b5', 25 * HOUR),
    ],
    ...LIMIT_DEFAULTS,
  },
  {
    id: 8453,
    name: 'Base',
    rpcUrl: 'https://mainnet.base.org',
    nativeSymbol: 'ETH',
    confirmations: { high: 5, medium: 20, low: 60 },
    blockTimeMs: 2_000,
    maxLogRange: 2000,
    testnet: false,
    tokens: [native('ETH'), erc20('USDC', '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913')],
    priceFeeds: [],
    ...LIMIT_DEFAULTS,
  },
  {
    id: 137,
    name: 'Polygon',
    rpcUrl: 'https://polygon-rpc.com',
    nativeSymbol: 'POL',
    confirmations: { high: 10, medium: 64, low: 128 },
    blockTimeMs: 2_000,
    maxLogRange: 2000,
    testnet: false,
    tokens: [
      native('POL'),
      erc20('USDC', '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359'),
      erc20('USDT', '0xc2132D05D31c914a87C6611C10748AEb04B58e8F'),
    ],
    priceFeeds: [],
    ...LIMIT_DEFAULTS,
  },
  {
    id: 42161,
    name: 'Arbitrum One',
    rpcUrl: 'https://arb1.arbitrum.io/rpc',
    nativeSymbol: 'ETH',
    confirmations: { high: 10, medium: 40, low: 120 },
    blockTimeMs: 1_000,
    maxLogRange: 5000,
    testnet: false,
    tokens: [
      native('ETH'),
      erc20('USDC', '0xaf88d065e77c8cC2239327C5EDb3A432268e5831'),
      erc20('USDT', '0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9'),
    ],
    priceFeeds: [],
    ...LIMIT_DEFAULTS,
  },
  {
    id: 10,
    name: 'OP Mainnet',
    rpcUrl: 'https://mainnet.optimism.io',
    nativeSymbol: 'ETH',
    confirmations: { high: 5, medium: 20, low: 60 },
    blockTimeMs: 2_000,
    maxLogRange: 2000,
    testnet: false,
    tokens: [
      native('ETH'),
      erc20('USDC', '0x0b2C639c533813f4Aa9D7837cAf62653d097Ff85'),
      erc20('USDT', '0x94b008aA00579c1307B0EF2c499aD98a8ce58e58'),
    ],
    priceFeeds: [],
    ...LIMIT_DEFAULTS,
  },
  {
    // The local anvil chain; the dev script deploys the test tokens and price feed and sets them with CHAINS.
    id: 31337,
    name: 'Anvil (local)',
    rpcUrl: 'http://127.0.0.1:8545',
    nativeSymbol: 'ETH',
    confirmations: { high: 1, medium: 2, low: 6 },
    blockTimeMs: 1_000,
    maxLogRange: 10000,
    testnet: true,
    tokens: [native('ETH')],
    priceFeeds: [],
    ...LIMIT_DEFAULTS,
  },
]

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address') as z.ZodType<`0x${string}`>
const tokenSchema = z.object({
  symbol: z.string().regex(/^[A-Z0-9.]{2,12}$/),
  address: address.nullable(),
  decimals: z.number().int().min(0).max(36),
})
const depth = z.number().int().min(0).max(10_000)
const feedSchema = z.object({
  symbol: z.string().regex(/^[A-Z0-9.]{2,12}$/),
  address,
  maxAgeSeconds: z
    .number()
    .int()
    .positive()
    .default(HOUR + 600),
})
const overrideSchema = z.object({
  id: z.number().int().positive(),
  name: z.string().min(1).optional(),
  rpcUrl: z.string().url().optional(),
  nativeSymbol: z.string().min(1).optional(),
  confirmations: z.object({ high: depth, medium: depth, low: depth }).optional(),
  blockTimeMs: z.number().int().min(100).max(600_000).optional(),
  /** Older configs: converted to blockTimeMs. */
  blockTimeSeconds: z.number().positive().max(600).optional(),
  multicall3: address.nullable().optional(),
  maxLogRange: z.number().int().positive().optional(),
  maxLogAddresses: z.number().int().positive().optional(),
  rpcBatchSize: z.number().int().positive().optional(),
  rpcMaxBodyBytes: z.number().int().min(10_000).optional(),
  testnet: z.boolean().optional(),
  tokens: z.array(tokenSchema).optional(),
  /** Replaces the chain's feed list (`[]` switches the built-in feeds off). */
  priceFeeds: z.array(feedSchema).optional(),
})

export class ChainConfigError extends Error {}

/**
 * The chain registry: built-ins, overridden by the CHAINS JSON (merged by chain id; a chain's tokens are
 * merged by symbol) and by RPC_URL_<chainId> secrets. Invalid config throws, naming the entry.
 */
export function loadChains(vars: Record<string, unknown>): Map<number, Chain> {
  const { chains, problems } = inspectChains(vars)
  const first = problems[0]
  if (first) throw new ChainConfigError(first.message)
  return chains
}

/** A CHAINS entry that could not be applied; `chainId` is set when the entry names a chain. */
export interface ChainConfigProblem {
  chainId: number | null
  message: string
}

/**
 * The registry plus every problem in CHAINS, without throwing: the scanner uses it so one bad entry
 * stops only its own chain. A chain whose entry is invalid is left out of `chains`.
 */
export function inspectChains(vars: Record<string, unknown>): {
  chains: Map<number, Chain>
  problems: ChainConfigProblem[]
} {
  const chains = new Map(
    BUILTIN_CHAINS.map((c) => [c.id, { ...c, tokens: [...c.tokens], priceFeeds: [...c.priceFeeds] }]),
  )
  const problems: ChainConfigProblem[] = []
  const raw = typeof vars.CHAINS === 'string' && vars.CHAINS.trim() !== '' ? vars.CHAINS : '[]'
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return { chains, problems: [{ chainId: null, message: 'CHAINS is not valid JSON' }] }
  }
  if (!Array.isArray(parsed)) return { chains, problems: [{ chainId: null, message: 'CHAINS must be a JSON array' }] }
  const broken = new Set<number>()
  parsed.forEach((entry, i) => {
    const claimed =
      typeof entry === 'object' && entry !== null && Number.isSafeInteger((entry as { id?: unknown }).id)
        ? (entry as { id: number }).id
        : null
    const result = overrideSchema.safeParse(entry)
    if (!result.success) {
      const issue = result.error.issues[0]
      problems.push({ chainId: claimed, message: `CHAINS[${i}].${issue?.path.join('.')}: ${issue?.message}` })
      if (claimed !== null) broken.add(claimed)
      return
    }
    const override = result.data
    const base = chains.get(override.id)
    const name = override.name ?? base?.name
    const rpcUrl = override.rpcUrl ?? base?.rpcUrl
    const nativeSymbol = override.nativeSymbol ?? base?.nativeSymbol
    const confirmations = override.confirmations ?? base?.confirmations
    if (!name || !rpcUrl || !nativeSymbol || !confirmations) {
      problems.push({
        chainId: override.id,
        message: `CHAINS[${i}]: a new chain ${override.id} needs name, rpcUrl, nativeSymbol and confirmations`,
      })
      broken.add(override.id)
      return
    }
    const merged: Chain = {
      id: override.id,
      name,
      rpcUrl,
      nativeSymbol,
      confirmations,
      blockTimeMs:
        override.blockTimeMs ??
        (override.blockTimeSeconds !== undefined ? Math.round(override.blockTimeSeconds * 1000) : undefined) ??
        base?.blockTimeMs ??
        12_000,
      multicall3:
        override.multicall3 !== undefined ? override.multicall3 : (base?.multicall3 ?? LIMIT_DEFAULTS.multicall3),
      maxLogRange: override.maxLogRange ?? base?.maxLogRange ?? 2000,
      maxLogAddresses: override.maxLogAddresses ?? base?.maxLogAddresses ?? LIMIT_DEFAULTS.maxLogAddresses,
      rpcBatchSize: override.rpcBatchSize ?? base?.rpcBatchSize ?? LIMIT_DEFAULTS.rpcBatchSize,
      rpcMaxBodyBytes: override.rpcMaxBodyBytes ?? base?.rpcMaxBodyBytes ?? LIMIT_DEFAULTS.rpcMaxBodyBytes,
      testnet: override.testnet ?? base?.testnet ?? false,
      tokens: mergeTokens(base?.tokens ?? [native(nativeSymbol)], override.tokens ?? []),
      priceFeeds: override.priceFeeds ?? base?.priceFeeds ?? [],
    }
    chains.set(merged.id, merged)
  })
  // A chain with a bad entry is not used half-configured (e.g. with the built-in public RPC).
  for (const id of broken) chains.delete(id)
  for (const [id, chain] of chains) {
    const url = vars[`RPC_URL_${id}`]
    if (typeof url === 'string' && url !== '') chain.rpcUrl = url
  }
  return { chains, problems }
}

/** The depth past which the scanner treats a block as final: the deepest configured confirmation depth. */
export function finalityDepth(chain: Chain): number {
  return Math.max(1, chain.confirmations.high, chain.confirmations.medium, chain.confirmations.low)
}

function mergeTokens(base: Token[], overrides: Token[]): Token[] {
  const bySymbol = new Map(base.map((t) => [t.symbol, t]))
  for (const t of overrides) bySymbol.set(t.symbol, t)
  return [...bySymbol.values()]
}

/** Looks up a token on a chain by symbol (case-insensitive). */
export function findToken(chain: Chain, symbol: string): Token | undefined {
  const wanted = symbol.toUpperCase()
  return chain.tokens.find((t) => t.symbol === wanted)
}

/** Every token symbol known on any chain. */
export function knownTokenSymbols(chains: Map<number, Chain>): Set<string> {
  return new Set([...chains.values()].flatMap((c) => c.tokens.map((t) => t.symbol)))
}

let cached: { key: string; chains: Map<number, Chain> } | undefined

/** The chain registry for this env, parsed once per isolate and distinct CHAINS/RPC value. */
export function chainsFor(env: Env): Map<number, Chain> {
  const vars = env as unknown as Record<string, unknown>
  const key = JSON.stringify(Object.entries(vars).filter(([k]) => k === 'CHAINS' || k.startsWith('RPC_URL_')))
  if (cached?.key !== key) cached = { key, chains: loadChains(vars) }
  return cached.chains
}
