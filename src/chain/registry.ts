import { z } from 'zod'
import type { TransactionSpeed } from '../domain/payment-status'

/** The token symbol used for a chain's native coin in `Chain.tokens`. */
export interface Token {
  symbol: string
  /** ERC-20 contract, or null for the native coin. */
  address: `0x${string}` | null
  decimals: number
}

export interface Chain {
  id: number
  name: string
  rpcUrl: string
  nativeSymbol: string
  confirmations: Record<TransactionSpeed, number>
  blockTimeSeconds: number
  maxLogRange: number
  tokens: Token[]
  testnet: boolean
}

const native = (symbol: string): Token => ({ symbol, address: null, decimals: 18 })
const erc20 = (symbol: string, address: `0x${string}`, decimals = 6): Token => ({ symbol, address, decimals })

/** Built-in chains; operators merge overrides with the CHAINS variable. */
export const BUILTIN_CHAINS: Chain[] = [
  {
    id: 1, name: 'Ethereum', rpcUrl: 'https://ethereum-rpc.publicnode.com', nativeSymbol: 'ETH',
    confirmations: { high: 3, medium: 12, low: 64 }, blockTimeSeconds: 12, maxLogRange: 2000, testnet: false,
    tokens: [native('ETH'), erc20('USDC', '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'), erc20('USDT', '0xdAC17F958D2ee523a2206206994597C13D831ec7')],
  },
  {
    id: 8453, name: 'Base', rpcUrl: 'https://mainnet.base.org', nativeSymbol: 'ETH',
    confirmations: { high: 5, medium: 20, low: 60 }, blockTimeSeconds: 2, maxLogRange: 2000, testnet: false,
    tokens: [native('ETH'), erc20('USDC', '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913')],
  },
  {
    id: 137, name: 'Polygon', rpcUrl: 'https://polygon-rpc.com', nativeSymbol: 'POL',
    confirmations: { high: 10, medium: 64, low: 128 }, blockTimeSeconds: 2, maxLogRange: 2000, testnet: false,
    tokens: [native('POL'), erc20('USDC', '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359'), erc20('USDT', '0xc2132D05D31c914a87C6611C10748AEb04B58e8F')],
  },
  {
    id: 42161, name: 'Arbitrum One', rpcUrl: 'https://arb1.arbitrum.io/rpc', nativeSymbol: 'ETH',
    confirmations: { high: 10, medium: 40, low: 120 }, blockTimeSeconds: 1, maxLogRange: 5000, testnet: false,
    tokens: [native('ETH'), erc20('USDC', '0xaf88d065e77c8cC2239327C5EDb3A432268e5831'), erc20('USDT', '0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9')],
  },
  {
    id: 10, name: 'OP Mainnet', rpcUrl: 'https://mainnet.optimism.io', nativeSymbol: 'ETH',
    confirmations: { high: 5, medium: 20, low: 60 }, blockTimeSeconds: 2, maxLogRange: 2000, testnet: false,
    tokens: [native('ETH'), erc20('USDC', '0x0b2C639c533813f4Aa9D7837cAf62653d097Ff85'), erc20('USDT', '0x94b008aA00579c1307B0EF2c499aD98a8ce58e58')],
  },
  {
    // The local anvil chain; the dev script deploys the test token and sets its address with CHAINS.
    id: 31337, name: 'Anvil (local)', rpcUrl: 'http://127.0.0.1:8545', nativeSymbol: 'ETH',
    confirmations: { high: 1, medium: 2, low: 6 }, blockTimeSeconds: 1, maxLogRange: 10000, testnet: true,
    tokens: [native('ETH')],
  },
]

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address') as z.ZodType<`0x${string}`>
const tokenSchema = z.object({ symbol: z.string().regex(/^[A-Z0-9.]{2,12}$/), address: address.nullable(), decimals: z.number().int().min(0).max(36) })
const depth = z.number().int().min(0).max(10_000)
const overrideSchema = z.object({
  id: z.number().int().positive(),
  name: z.string().min(1).optional(),
  rpcUrl: z.string().url().optional(),
  nativeSymbol: z.string().min(1).optional(),
  confirmations: z.object({ high: depth, medium: depth, low: depth }).optional(),
  blockTimeSeconds: z.number().positive().optional(),
  maxLogRange: z.number().int().positive().optional(),
  testnet: z.boolean().optional(),
  tokens: z.array(tokenSchema).optional(),
})

export class ChainConfigError extends Error {}

/**
 * The chain registry: built-ins, overridden by the CHAINS JSON (merged by chain id; a chain's tokens are
 * merged by symbol) and by RPC_URL_<chainId> secrets. Invalid config throws, naming the entry.
 */
export function loadChains(vars: Record<string, unknown>): Map<number, Chain> {
  const chains = new Map(BUILTIN_CHAINS.map((c) => [c.id, { ...c, tokens: [...c.tokens] }]))
  const raw = typeof vars.CHAINS === 'string' && vars.CHAINS.trim() !== '' ? vars.CHAINS : '[]'
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new ChainConfigError('CHAINS is not valid JSON')
  }
  if (!Array.isArray(parsed)) throw new ChainConfigError('CHAINS must be a JSON array')
  parsed.forEach((entry, i) => {
    const result = overrideSchema.safeParse(entry)
    if (!result.success) {
      const issue = result.error.issues[0]
      throw new ChainConfigError(`CHAINS[${i}].${issue?.path.join('.')}: ${issue?.message}`)
    }
    const override = result.data
    const base = chains.get(override.id)
    if (!base && (!override.name || !override.rpcUrl || !override.nativeSymbol || !override.confirmations)) {
      throw new ChainConfigError(`CHAINS[${i}]: a new chain ${override.id} needs name, rpcUrl, nativeSymbol and confirmations`)
    }
    const merged: Chain = {
      id: override.id,
      name: override.name ?? base!.name,
      rpcUrl: override.rpcUrl ?? base!.rpcUrl,
      nativeSymbol: override.nativeSymbol ?? base!.nativeSymbol,
      confirmations: override.confirmations ?? base!.confirmations,
      blockTimeSeconds: override.blockTimeSeconds ?? base?.blockTimeSeconds ?? 12,
      maxLogRange: override.maxLogRange ?? base?.maxLogRange ?? 2000,
      testnet: override.testnet ?? base?.testnet ?? false,
      tokens: mergeTokens(base?.tokens ?? [native(override.nativeSymbol ?? base!.nativeSymbol)], override.tokens ?? []),
    }
    chains.set(merged.id, merged)
  })
  for (const [id, chain] of chains) {
    const url = vars[`RPC_URL_${id}`]
    if (typeof url === 'string' && url !== '') chain.rpcUrl = url
  }
  return chains
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
