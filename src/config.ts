import { loadChains, type Chain } from './chain/registry'
import { staticRateSource, type RateSource } from './domain/rates'

/** Limits and defaults in one place. */
export const LIMITS = {
  maxBodyBytes: 64 * 1024,
  defaultExpiresInSeconds: 15 * 60,
  minExpiresInSeconds: 60,
  maxExpiresInSeconds: 7 * 24 * 60 * 60,
  maxPageSize: 100,
  defaultPageSize: 20,
  /** Payments may be paid this far below the due amount and still complete (base units). */
  underpaymentTolerance: 0n,
} as const

let cached: { key: string; chains: Map<number, Chain> } | undefined

/** The chain registry for this env, parsed once per isolate and distinct CHAINS/RPC value. */
export function chainsFor(env: Env): Map<number, Chain> {
  const vars = env as unknown as Record<string, unknown>
  const key = JSON.stringify(Object.entries(vars).filter(([k]) => k === 'CHAINS' || k.startsWith('RPC_URL_')))
  if (cached?.key !== key) cached = { key, chains: loadChains(vars) }
  return cached.chains
}

/** The rate source for pricing; on-chain feeds join it with the chain-watching work. */
export function rateSourceFor(_env: Env): RateSource {
  return staticRateSource
}

/** The public origin for hosted URLs: PUBLIC_URL, else the request's own origin. */
export function publicOrigin(env: Env, requestUrl?: string): string {
  if (env.PUBLIC_URL) return env.PUBLIC_URL.replace(/\/+$/, '')
  return requestUrl ? new URL(requestUrl).origin : 'http://localhost:8787'
}
