import { describe, expect, it } from 'vitest'
import {
  bitpayEffectiveDate,
  bitpayGroupFailure,
  bitpayPayout,
  bitpayRecipient,
  payeeOf,
  type PayoutFields,
} from '../../src/domain/bitpay-payouts'
import { stringifyWithDecimals } from '../../src/domain/exact-json'

const base: PayoutFields = {
  id: 'po_1',
  merchantId: 'mer_1',
  recipientId: 'rcp_1',
  amount: '10.50',
  token: 'USDC',
  requestedAmount: null,
  requestedCurrency: null,
  reference: null,
  notificationUrl: null,
  effectiveDate: '2026-05-27T09:00:00.000Z',
  status: 'new',
  message: null,
  transactions: '[]',
  groupId: null,
  createdAt: '2026-05-27T10:47:37.834Z',
  updatedAt: '2026-05-27T10:47:37.834Z',
}

describe('BitPay payout views', () => {
  it('a new payout: token as currency and ledgerCurrency, exact amount, absent fields left out (no nulls)', () => {
    const view = bitpayPayout(base, { email: 'john@doe.com', label: null })
    expect(JSON.parse(stringifyWithDecimals(view))).toEqual({
      id: 'po_1',
      recipientId: 'rcp_1',
      accountId: 'mer_1',
      amount: 10.5,
      currency: 'USDC',
      ledgerCurrency: 'USDC',
      email: 'john@doe.com',
      effectiveDate: '2026-05-27T09:00:00.000Z',
      requestDate: '2026-05-27T10:47:37.834Z',
      status: 'new',
      transactions: [],
    })
    expect(stringifyWithDecimals(view)).toContain('"amount":10.5,')
  })

  it('a complete group payout: groupId, dateExecuted from the last transaction, transactions with numeric amounts', () => {
    const tx = { txid: '0xabc', amount: '10.50', date: '2026-05-27T11:04:23.155Z', confirmations: 12 }
    const view = bitpayPayout(
      {
        ...base,
        status: 'complete',
        groupId: 'pog_1',
        reference: 'r',
        notificationUrl: 'https://x.example/h',
        transactions: JSON.stringify([tx]),
      },
      { email: 'a@b.co', label: 'A' },
    )
    expect(JSON.parse(stringifyWithDecimals(view))).toMatchObject({
      groupId: 'pog_1',
      reference: 'r',
      notificationURL: 'https://x.example/h',
      label: 'A',
      dateExecuted: tx.date,
      transactions: [{ ...tx, amount: 10.5 }],
    })
  })

  it('a failed payout carries its message', () => {
    expect(bitpayPayout({ ...base, status: 'failed', message: 'Insufficient funds' })).toMatchObject({
      status: 'failed',
      message: 'Insufficient funds',
    })
  })

  it('a recipient: shopperId null, notificationURL only when set', () => {
    const r = { id: 'rcp_1', email: 'a@b.co', label: 'A', notificationUrl: null, status: 'invited' as const }
    expect(bitpayRecipient(r)).toEqual({ email: 'a@b.co', label: 'A', status: 'invited', id: 'rcp_1', shopperId: null })
    expect(bitpayRecipient({ ...r, notificationUrl: 'https://h.example' })).toMatchObject({
      notificationURL: 'https://h.example',
    })
  })

  it('effectiveDate: a bare day means 09:00 UTC; a full timestamp passes', () => {
    expect(bitpayEffectiveDate('2021-05-27')).toBe('2021-05-27T09:00:00.000Z')
    expect(bitpayEffectiveDate('2021-05-27T12:00:00Z')).toBe('2021-05-27T12:00:00Z')
  })

  it('payee: email, else recipientId, else shopperId; group failures leave out an unknown payee', () => {
    expect(payeeOf({ email: 'a@b.co', recipientId: 'r' })).toBe('a@b.co')
    expect(payeeOf({ recipientId: 'r', email: null })).toBe('r')
    expect(payeeOf({ shopperId: 's' })).toBe('s')
    expect(payeeOf(null)).toBeUndefined()
    expect(bitpayGroupFailure({ index: 0, payee: null, code: 'X', field: null, message: 'm' })).toEqual({
      errMessage: 'm',
    })
    expect(bitpayGroupFailure({ index: 0, payee: 'a@b.co', code: 'X', field: null, message: 'm' })).toEqual({
      errMessage: 'm',
      payee: 'a@b.co',
    })
  })
})
