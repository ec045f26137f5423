import { describe, expect, it } from 'vitest'
import { deriveDepositAddress } from '../../src/chain/addresses'
import {
  defaultTestChain,
  sandboxKey,
  sandboxXpub,
  simulatedTotal,
  stepRetryDelayMs,
  STEP_RETRY_SECONDS,
} from '../../src/domain/sandbox'

describe('sandbox wallet derivation', () => {
  const key = sandboxKey({ adminToken: 'admin-token' })!

  it('is deterministic per merchant and differs between merchants', () => {
    expect(sandboxXpub(key, 'merchant-a')).toBe(sandboxXpub(key, 'merchant-a'))
    expect(sandboxXpub(key, 'merchant-a')).not.toBe(sandboxXpub(key, 'merchant-b'))
    expect(sandboxXpub(key, 'merchant-a')).toMatch(/^xpub/)
    expect(deriveDepositAddress(sandboxXpub(key, 'merchant-a'), 0)).not.toBe(
      deriveDepositAddress(sandboxXpub(key, 'merchant-b'), 0),
    )
  })

  it('prefers SANDBOX_SECRET, falls back to a key derived from ADMIN_TOKEN, and needs one of them', () => {
    const fromSecret = sandboxKey({ sandboxSecret: 'sandbox-secret', adminToken: 'admin-token' })!
    expect(sandboxXpub(fromSecret, 'm')).not.toBe(sandboxXpub(key, 'm'))
    expect(sandboxXpub(sandboxKey({ sandboxSecret: 'sandbox-secret' })!, 'm')).toBe(sandboxXpub(fromSecret, 'm'))
    // The derived key is not the token itself used as a secret.
    expect(sandboxXpub(sandboxKey({ sandboxSecret: 'admin-token' })!, 'm')).not.toBe(sandboxXpub(key, 'm'))
    expect(sandboxKey({})).toBeNull()
    expect(sandboxKey({ sandboxSecret: '', adminToken: '' })).toBeNull()
  })

  it('uses the first test chain of the registry', () => {
    expect(
      defaultTestChain([
        { id: 1, testnet: false },
        { id: 31337, testnet: true },
        { id: 84532, testnet: true },
      ])?.id,
    ).toBe(31337)
    expect(defaultTestChain([{ id: 1, testnet: false }])).toBeUndefined()
  })
})

describe('simulatedTotal', () => {
  it.each<[Parameters<typeof simulatedTotal>[0], bigint, bigint, bigint]>([
    ['full', 100n, 0n, 100n],
    ['partial', 100n, 0n, 50n],
    ['partial', 100n, 50n, 75n],
    ['partial', 100n, 99n, 100n],
    ['over', 100n, 0n, 120n],
    ['over', 1n, 0n, 2n],
    ['full', 100n, 150n, 150n],
  ])('%s of %d with %d received is %d', (share, due, received, total) => {
    expect(simulatedTotal(share, due, received)).toBe(total)
  })
})

describe('stepRetryDelayMs', () => {
  it('never retries a permanent error', () => {
    expect(stepRetryDelayMs(1, true)).toBeNull()
  })

  it('retries a passing error with growing delays, then gives up', () => {
    const delays = STEP_RETRY_SECONDS.map((_, i) => stepRetryDelayMs(i + 1, false))
    expect(delays).toEqual([5_000, 30_000, 120_000, 600_000])
    expect(stepRetryDelayMs(STEP_RETRY_SECONDS.length + 1, false)).toBeNull()
  })
})
