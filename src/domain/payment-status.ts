/** The one payment state machine of DESIGN.md, as pure functions. */

export const PAYMENT_STATUSES = [
  'pending',
  'processing',
  'completed',
  'expired',
  'cancelled',
  'failed',
  'refunded',
] as const
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number]

export const PAYMENT_EXCEPTIONS = ['underpaid', 'overpaid', 'paid_late', 'reorged'] as const
export type PaymentException = (typeof PAYMENT_EXCEPTIONS)[number]

export const TRANSACTION_SPEEDS = ['high', 'medium', 'low'] as const
export type TransactionSpeed = (typeof TRANSACTION_SPEEDS)[number]

export const EVENT_TYPES = [
  'payment.created',
  'payment.updated',
  'payment.processing',
  'payment.completed',
  'payment.failed',
  'payment.expired',
  'payment.cancelled',
  'payment.refunded',
  'payment.paid_late',
  /** An automatic step (sandbox settlement, expiry) could not complete: see the payment's last_error. */
  'payment.error',
  'payment.unexpected_funds',
  'payment.reorged',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

/**
 * Money recorded on a payment that does not count toward it: another asset than the one it expects
 * (native coin to a token payment, another configured token), or money after the late-payment window.
 */
export const UNEXPECTED_FUNDS = ['wrong_asset', 'after_window'] as const
export type UnexpectedFunds = (typeof UNEXPECTED_FUNDS)[number]

/** The part of a payment the state machine reads and writes. */
export interface PaymentState {
  status: PaymentStatus
  exception: PaymentException | null
  /** Amount due in base units; null until the buyer has chosen a chain and token. */
  due: bigint | null
  received: bigint
  confirmations: number
  expiresAt: string
}

export type PaymentInput =
  /** Totals seen on chain: everything received, and how much of it is at the required depth. */
  | { type: 'funds'; received: bigint; confirmed: bigint; confirmations: number; at: string }
  | { type: 'expire'; at: string }
  | { type: 'cancel' }
  | { type: 'fail' }
  | { type: 'refund' }

export type TransitionResult =
  | { ok: true; state: PaymentState; event: EventType | null }
  | { ok: false; reason: string }

const TERMINAL: ReadonlySet<PaymentStatus> = new Set(['completed', 'expired', 'cancelled', 'failed', 'refunded'])

/** True when no further payment can change the status (late funds are still recorded). */
export function isTerminal(status: PaymentStatus): boolean {
  return TERMINAL.has(status)
}

/** Applies one input to a payment; `tolerance` is how far below `due` still counts as paid. */
export function transition(state: PaymentState, input: PaymentInput, tolerance = 0n): TransitionResult {
  switch (input.type) {
    case 'funds':
      return applyFunds(state, input, tolerance)
    case 'expire':
      return expire(state, input.at, tolerance)
    case 'cancel':
      if (state.status !== 'pending' || state.received > 0n) {
        return {
          ok: false,
          reason: `Cannot cancel a payment in status ${state.status}${state.received > 0n ? ' that has received funds' : ''}`,
        }
      }
      return moved(state, { status: 'cancelled' }, 'payment.cancelled')
    case 'fail':
      if (isTerminal(state.status)) return { ok: false, reason: `Cannot fail a payment in status ${state.status}` }
      return moved(state, { status: 'failed' }, 'payment.failed')
    case 'refund':
      if (state.status !== 'completed')
        return { ok: false, reason: `Cannot refund a payment in status ${state.status}` }
      return moved(state, { status: 'refunded' }, 'payment.refunded')
  }
}

function applyFunds(
  state: PaymentState,
  input: Extract<PaymentInput, { type: 'funds' }>,
  tolerance: bigint,
): TransitionResult {
  if (state.due === null) return { ok: false, reason: 'No chain and token have been chosen for this payment yet' }
  if (input.received < 0n || input.confirmed < 0n || input.confirmed > input.received) {
    return { ok: false, reason: 'Confirmed funds cannot exceed received funds' }
  }
  const observed = { received: input.received, confirmations: input.confirmations }

  if (isTerminal(state.status)) {
    if (state.status === 'completed' && input.received < state.received) {
      // A reorg took a transfer away after completion: the payment stays completed (goods may be
      // gone) but is marked, with what the chain now holds.
      return moved(
        state,
        { ...observed, exception: 'reorged' },
        state.exception === 'reorged' ? null : 'payment.reorged',
      )
    }
    if (
      state.status === 'completed' &&
      state.exception === 'reorged' &&
      state.due !== null &&
      input.confirmed >= state.due - tolerance
    ) {
      // Paid back in full (re-mined or sent again): the mark is lifted.
      return moved(
        state,
        { ...observed, exception: input.confirmed > state.due ? 'overpaid' : null },
        'payment.updated',
      )
    }
    if (state.status === 'completed' || state.status === 'refunded' || input.received <= state.received) {
      return {
        ok: true,
        state: { ...state, ...observed, received: maxBig(state.received, input.received) },
        event: null,
      }
    }
    // Money after expiry, cancellation or failure is kept on record and flagged, never dropped.
    return moved(state, { ...observed, exception: 'paid_late' }, 'payment.paid_late')
  }

  const lateArrival = input.at > state.expiresAt && state.received === 0n
  if (lateArrival && input.received > 0n) {
    return moved(state, { ...observed, status: 'expired', exception: 'paid_late' }, 'payment.paid_late')
  }

  const threshold = state.due - tolerance
  if (input.confirmed >= threshold && input.confirmed > 0n) {
    const exception = input.confirmed > state.due ? 'overpaid' : null
    return moved(state, { ...observed, status: 'completed', exception }, 'payment.completed')
  }
  if (input.received > 0n) {
    const exception = input.received < threshold ? 'underpaid' : input.received > state.due ? 'overpaid' : null
    const event = state.status === 'processing' ? null : 'payment.processing'
    return moved(state, { ...observed, status: 'processing', exception }, event)
  }
  // Funds vanished (a reorg dropped them): back to waiting.
  return moved(
    state,
    { ...observed, status: 'pending', exception: null },
    state.status === 'pending' ? null : 'payment.updated',
  )
}

function expire(state: PaymentState, at: string, tolerance: bigint): TransitionResult {
  if (isTerminal(state.status)) return { ok: false, reason: `Payment is already ${state.status}` }
  if (at < state.expiresAt) return { ok: false, reason: 'Payment has not reached its expiry time' }
  if (state.received === 0n) return moved(state, { status: 'expired' }, 'payment.expired')
  const threshold = (state.due ?? 0n) - tolerance
  if (state.received < threshold) return moved(state, { status: 'failed', exception: 'underpaid' }, 'payment.failed')
  // Paid in full in time, still confirming: the buyer is not punished for block times.
  return { ok: false, reason: 'Payment received in full and is awaiting confirmations' }
}

function moved(state: PaymentState, changes: Partial<PaymentState>, event: EventType | null): TransitionResult {
  return { ok: true, state: { ...state, ...changes }, event }
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b
}
