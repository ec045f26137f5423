import { describe, expect, it } from 'vitest'
import { transition, type PaymentInput, type PaymentState } from '../../src/domain/payment-status'

const EXPIRES = '2026-01-01T00:15:00.000Z'
const BEFORE = '2026-01-01T00:10:00.000Z'
const AFTER = '2026-01-01T00:20:00.000Z'

const state = (over: Partial<PaymentState> = {}): PaymentState => ({
  status: 'pending',
  exception: null,
  due: 100n,
  received: 0n,
  confirmations: 0,
  expiresAt: EXPIRES,
  ...over,
})
const funds = (received: bigint, confirmed: bigint, at = BEFORE): PaymentInput => ({
  type: 'funds',
  received,
  confirmed,
  confirmations: confirmed > 0n ? 12 : 1,
  at,
})

describe('payment state machine', () => {
  it.each<[string, PaymentState, PaymentInput, string, string | null, string | null]>([
    // name, from, input, → status, exception, event
    ['first sight of full funds', state(), funds(100n, 0n), 'processing', null, 'payment.processing'],
    [
      'full funds confirmed',
      state({ status: 'processing', received: 100n }),
      funds(100n, 100n),
      'completed',
      null,
      'payment.completed',
    ],
    ['confirmed in one step', state(), funds(100n, 100n), 'completed', null, 'payment.completed'],
    ['partial funds', state(), funds(40n, 0n), 'processing', 'underpaid', 'payment.processing'],
    [
      'partial funds confirmed stay processing',
      state({ status: 'processing', received: 40n }),
      funds(40n, 40n),
      'processing',
      'underpaid',
      null,
    ],
    [
      'partials accumulate to complete',
      state({ status: 'processing', received: 40n, exception: 'underpaid' }),
      funds(100n, 100n),
      'completed',
      null,
      'payment.completed',
    ],
    ['overpayment completes flagged', state(), funds(150n, 150n), 'completed', 'overpaid', 'payment.completed'],
    [
      'reorg drops funds back to pending',
      state({ status: 'processing', received: 100n }),
      funds(0n, 0n),
      'pending',
      null,
      'payment.updated',
    ],
    ['funds after expiry are paid_late', state(), funds(100n, 0n, AFTER), 'expired', 'paid_late', 'payment.paid_late'],
    [
      'funds to an expired payment are paid_late',
      state({ status: 'expired' }),
      funds(100n, 0n, AFTER),
      'expired',
      'paid_late',
      'payment.paid_late',
    ],
    [
      'funds to a cancelled payment are paid_late',
      state({ status: 'cancelled' }),
      funds(5n, 5n),
      'cancelled',
      'paid_late',
      'payment.paid_late',
    ],
    [
      'more confirmations of a completed payment change nothing',
      state({ status: 'completed', received: 100n }),
      funds(100n, 100n),
      'completed',
      null,
      null,
    ],
    [
      'a reorg taking funds from a completed payment marks it reorged',
      state({ status: 'completed', received: 100n }),
      funds(0n, 0n),
      'completed',
      'reorged',
      'payment.reorged',
    ],
    [
      'a partial reorg of an overpaid completed payment marks it too',
      state({ status: 'completed', exception: 'overpaid', received: 150n }),
      funds(60n, 60n),
      'completed',
      'reorged',
      'payment.reorged',
    ],
    [
      'a further drop of a reorged payment emits nothing new',
      state({ status: 'completed', exception: 'reorged', received: 60n }),
      funds(0n, 0n),
      'completed',
      'reorged',
      null,
    ],
    [
      'paid back in full, the reorged mark is lifted',
      state({ status: 'completed', exception: 'reorged', received: 0n }),
      funds(100n, 100n),
      'completed',
      null,
      'payment.updated',
    ],
    ['expiry with nothing received', state(), { type: 'expire', at: AFTER }, 'expired', null, 'payment.expired'],
    [
      'expiry with partial funds fails underpaid',
      state({ status: 'processing', received: 40n }),
      { type: 'expire', at: AFTER },
      'failed',
      'underpaid',
      'payment.failed',
    ],
    ['cancel while pending', state(), { type: 'cancel' }, 'cancelled', null, 'payment.cancelled'],
    ['sandbox failure', state(), { type: 'fail' }, 'failed', null, 'payment.failed'],
    [
      'refund after completion',
      state({ status: 'completed', received: 100n }),
      { type: 'refund' },
      'refunded',
      null,
      'payment.refunded',
    ],
  ])('%s', (_name, from, input, status, exception, event) => {
    const result = transition(from, input)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.state.status).toBe(status)
    expect(result.state.exception).toBe(exception)
    expect(result.event).toBe(event)
  })

  it.each<[string, PaymentState, PaymentInput]>([
    ['cancel a completed payment', state({ status: 'completed', received: 100n }), { type: 'cancel' }],
    ['cancel a payment that has received funds', state({ status: 'processing', received: 10n }), { type: 'cancel' }],
    ['cancel twice', state({ status: 'cancelled' }), { type: 'cancel' }],
    ['expire before expiry time', state(), { type: 'expire', at: BEFORE }],
    ['expire a completed payment', state({ status: 'completed' }), { type: 'expire', at: AFTER }],
    [
      'expire a fully paid payment still confirming',
      state({ status: 'processing', received: 100n }),
      { type: 'expire', at: AFTER },
    ],
    ['refund a pending payment', state(), { type: 'refund' }],
    ['fail a completed payment', state({ status: 'completed' }), { type: 'fail' }],
    ['funds before a token is chosen', state({ due: null }), funds(1n, 0n)],
    ['confirmed above received', state(), funds(1n, 2n)],
  ])('refuses to %s', (_name, from, input) => {
    expect(transition(from, input).ok).toBe(false)
  })

  it('completes within the configured under-payment tolerance', () => {
    const result = transition(state(), funds(98n, 98n), 2n)
    expect(result.ok && result.state.status).toBe('completed')
  })
})
