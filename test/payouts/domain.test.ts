import { describe, expect, it } from 'vitest'
import {
  bitpayRecipientIpnData,
  PAYOUT_MANUAL_IPN,
  payoutIpnEvent,
  RECIPIENT_MANUAL_IPN,
  recipientIpnEvent,
} from '../../src/domain/bitpay-payouts'
import { decryptPayoutKey, encryptPayoutKey } from '../../src/auth/payout-keys'
import { WEBHOOK_EVENT_TYPES } from '../../src/domain/events'
import { EVENT_TYPES } from '../../src/domain/payment-status'
import {
  canFund,
  canSetRecipientStatus,
  dailyLimitFor,
  limitDay,
  limitUnits,
  PAYOUT_STATUSES,
  payoutEventFor,
  RECIPIENT_STATUSES,
  recipientChallenge,
  recipientEventFor,
} from '../../src/domain/payouts'

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
    const m = recipientChallenge({
      merchantName: 'Shop',
      recipientId: 'rcp_1',
      address: '0xABCdef0000000000000000000000000000000001',
      nonce: 'n1',
    })
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

describe('payout events and the daily limit', () => {
  it('names one event per status, and endpoints may filter on payment, payout and recipient events', () => {
    expect(PAYOUT_STATUSES.map(payoutEventFor)).toEqual([
      'payout.created',
      'payout.funded',
      'payout.processing',
      'payout.completed',
      'payout.cancelled',
      'payout.failed',
    ])
    expect(RECIPIENT_STATUSES.map(recipientEventFor)).toEqual([
      'recipient.invited',
      'recipient.unverified',
      'recipient.verified',
      'recipient.active',
      'recipient.paused',
      'recipient.removed',
    ])
    expect(WEBHOOK_EVENT_TYPES.slice(0, EVENT_TYPES.length)).toEqual([...EVENT_TYPES])
    expect(new Set(WEBHOOK_EVENT_TYPES).size).toBe(WEBHOOK_EVENT_TYPES.length)
  })
  it('counts payouts in millionths of a unit, rounded up, per UTC day', () => {
    expect(limitUnits(5_000_000n, 6)).toBe(5_000_000n)
    expect(limitUnits(1n, 18)).toBe(1n)
    expect(limitUnits(10n ** 18n, 18)).toBe(1_000_000n)
    expect(limitUnits(10n ** 12n + 1n, 18)).toBe(2n)
    expect(limitUnits(7n, 2)).toBe(70_000n)
    expect(limitDay('2026-12-01T23:59:59.999Z')).toBe('2026-12-01')
  })
  it('uses the operator limit for a currency it names, else 10,000', () => {
    expect(dailyLimitFor(null, 'USDC')).toBe('10000')
    expect(dailyLimitFor('{"USDC":"50000"}', 'USDC')).toBe('50000')
    expect(dailyLimitFor('{"USDC":"50000"}', 'USDT')).toBe('10000')
  })
})

describe('BitPay payout and recipient IPN codes (BITPAY-REFERENCE §11)', () => {
  it('gives every recipient status its 4001–4006 code, and 4007 to a manual notification', () => {
    expect(RECIPIENT_STATUSES.map((s) => [s, recipientIpnEvent(s).code, recipientIpnEvent(s).name])).toEqual([
      ['invited', 4001, 'recipient_invited'],
      ['unverified', 4002, 'recipient_unverified'],
      ['verified', 4003, 'recipient_verified'],
      ['active', 4004, 'recipient_active'],
      ['paused', 4005, 'recipient_paused'],
      ['removed', 4006, 'recipient_removed'],
    ])
    expect(RECIPIENT_MANUAL_IPN).toEqual({ code: 4007, name: 'recipient_manuallyNotified' })
  })
  it('gives funded, processing, complete and cancelled 5001–5004, a manual notification 5005, and new and failed none', () => {
    expect(Object.fromEntries(PAYOUT_STATUSES.map((s) => [s, payoutIpnEvent(s)]))).toEqual({
      new: null,
      funded: { code: 5001, name: 'payout_funded' },
      processing: { code: 5002, name: 'payout_processing' },
      complete: { code: 5003, name: 'payout_completed' },
      failed: null,
      cancelled: { code: 5004, name: 'payout_cancelled' },
    })
    expect(PAYOUT_MANUAL_IPN).toEqual({ code: 5005, name: 'payout_manuallyNotified' })
  })
  it('sends a recipient as {id, shopperId, email, label, status}, without its notificationURL', () => {
    expect(
      bitpayRecipientIpnData({
        id: 'rcp_1',
        email: 'a@b.co',
        label: null,
        notificationUrl: 'https://x.example/ipn',
        status: 'verified',
      }),
    ).toEqual({ id: 'rcp_1', shopperId: null, email: 'a@b.co', label: null, status: 'verified' })
  })
})
