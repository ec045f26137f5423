import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { HDKey } from '@scure/bip32'
import { parseDecimal } from './money'

/** What a sandbox payment does on its own, by amount (seed 002's test amounts). */
export type SandboxOutcome = 'complete' | 'fail' | 'process'

/** Seconds after creation at which a sandbox test amount settles. */
export const SANDBOX_SETTLE_SECONDS = 2

const TEST_AMOUNTS: ReadonlyArray<[bigint, SandboxOutcome]> = [
  [10n, 'complete'],
  [20n, 'fail'],
  [30n, 'process'],
]

/** 10.00 completes, 20.00 fails, 30.00 stays processing; any other amount waits for payment. */
export function sandboxOutcome(amount: string): SandboxOutcome | null {
  const { units, scale } = parseDecimal(amount)
  const scaleFactor = 10n ** BigInt(scale)
  if (units % scaleFactor !== 0n) return null
  return TEST_AMOUNTS.find(([value]) => value === units / scaleFactor)?.[1] ?? null
}

/**
 * The key sandbox wallets are derived from: SANDBOX_SECRET when set, else a key derived from
 * ADMIN_TOKEN (domain-separated, like the login-token key); null when neither is configured.
 */
export function sandboxKey(secrets: { sandboxSecret?: string; adminToken?: string }): Uint8Array | null {
  const ikm = secrets.sandboxSecret || secrets.adminToken
  if (!ikm) return null
  const info = secrets.sandboxSecret ? 'sandbox-secret-v1' : 'sandbox-from-admin-token-v1'
  return hkdf(sha256, utf8ToBytes(ikm), utf8ToBytes('bitxpay'), utf8ToBytes(info), 32)
}

/** The BIP32 account xpub (m/44'/60'/0') of a merchant's sandbox wallet: HKDF(key, merchant id) as the seed. */
export function sandboxXpub(key: Uint8Array, merchantId: string): string {
  const seed = hkdf(sha256, key, utf8ToBytes('bitxpay-sandbox-wallet'), utf8ToBytes(merchantId), 64)
  return HDKey.fromMasterSeed(seed).derive("m/44'/60'/0'").publicExtendedKey
}

/** The chain sandbox wallets live on: the registry's first test chain. */
export function defaultTestChain<C extends { testnet: boolean }>(chains: Iterable<C>): C | undefined {
  for (const chain of chains) if (chain.testnet) return chain
  return undefined
}

/** What the hosted page's simulate buttons send: the whole amount due, part of it, or more. */
export const SIMULATED_SHARES = ['full', 'partial', 'over'] as const
export type SimulatedShare = (typeof SIMULATED_SHARES)[number]

/**
 * The total received after a simulated payment of `share` (base units): full pays what is due,
 * partial half of what is still missing, over 20% more than due. Never less than already received.
 */
export function simulatedTotal(share: SimulatedShare, due: bigint, received: bigint): bigint {
  const missing = due > received ? due - received : 0n
  const total =
    share === 'full'
      ? due
      : share === 'partial'
        ? received + (missing > 1n ? missing / 2n : missing)
        : due + (due / 5n > 0n ? due / 5n : 1n)
  return total > received ? total : received
}

/** Delays before an alarm-driven step that failed for a passing reason is tried again; then it gives up. */
export const STEP_RETRY_SECONDS = [5, 30, 120, 600] as const

/**
 * When to try a failed step again (ms from now), or null to give up: permanent errors are never
 * retried, passing ones a few times with growing delays. `attempt` counts failures so far (1 = first).
 */
export function stepRetryDelayMs(attempt: number, permanent: boolean): number | null {
  if (permanent) return null
  const seconds = STEP_RETRY_SECONDS[attempt - 1]
  return seconds === undefined ? null : seconds * 1000
}

/** Why an automatic step could not complete, as stored on the payment (`last_error`). */
export interface StepError {
  code: string
  message: string
  /** Which step: the sandbox settlement or the expiry. */
  step: 'sandbox_settlement' | 'expiry'
  at: string
}
