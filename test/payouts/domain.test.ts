import { describe, expect, it } from 'vitest'
import { decryptPayoutKey, encryptPayoutKey } from '../../src/auth/payout-keys'
import { canFund, canSetRecipientStatus, recipientChallenge } from '../../src/domain/payouts'

describe('payout rules', () => {
  it('funds only what the balance less the committed amount covers', () => {
    expect(canFund(5n, 10n, 5n)).toBe(true)
    expect(canFund(5n, 10n, 6n)).toBe(false)
    expect(canFund(0n, 10n, 0n)).toBe(false)
  })
  it('pauses only active recipients and resumes only paused ones', () => {
    expect(canSetRecipientStatus('active', 'paused')).toBe(true)
    expect(canSetRecipientStatus('invited', 'active')).toBe(false)
    expect(canSetRecipientStatus('paused', 'active')).toBe(true)
  })
  it('names the address and the nonce in the challenge', () => {
    const m = recipientChallenge({ merchantName: 'Shop', recipientId: 'rcp_1', address: '0xABCdef0000000000000000000000000000000001', nonce: 'n1' })
    expect(m).toContain('0xabcdef0000000000000000000000000000000001')
    expect(m).toContain('n1')
  })
})

describe('payout key encryption', () => {
  it('round-trips, uses a fresh nonce each time, and binds the ciphertext to the wallet id and the secret', async () => {
    const key = `0x${'11'.repeat(32)}` as const
    const a = await encryptPayoutKey('s', 'pw_1', key)
    const b = await encryptPayoutKey('s', 'pw_1', key)
    expect(a).not.toBe(b)
    expect(await decryptPayoutKey('s', 'pw_1', a)).toBe(key)
    await expect(decryptPayoutKey('s', 'pw_2', a)).rejects.toThrow()
    await expect(decryptPayoutKey('other', 'pw_1', a)).rejects.toThrow()
  })
})
