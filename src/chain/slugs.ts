import type { Chain } from './registry'

/** Names the CryptoPay dialect uses for the built-in chains (`blockchain: "base"`). */
const BUILTIN_SLUGS: Readonly<Record<number, string>> = {
  1: 'ethereum',
  8453: 'base',
  137: 'polygon',
  42161: 'arbitrum',
  10: 'optimism',
  31337: 'anvil',
}

/** A chain's short name: the built-in one, else its name lower-cased with dashes ("Gnosis Chain" → "gnosis-chain"). */
export function chainSlug(chain: Pick<Chain, 'id' | 'name'>): string {
  return (
    BUILTIN_SLUGS[chain.id] ??
    chain.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
  )
}

/** Finds a chain by its short name (case-insensitive); "local" also names the anvil chain. */
export function chainBySlug(chains: Map<number, Chain>, slug: string): Chain | undefined {
  const wanted = slug.toLowerCase() === 'local' ? 'anvil' : slug.toLowerCase()
  return [...chains.values()].find((c) => chainSlug(c) === wanted)
}
