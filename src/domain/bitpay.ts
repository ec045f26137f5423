import type { ErrorReason, ErrorResource } from '../errors'
import type { PaymentException, PaymentStatus } from './payment-status'

/** BitPay's invoice statuses. */
export type BitPayStatus = 'new' | 'paid' | 'confirmed' | 'complete' | 'expired' | 'invalid'

/**
 * Maps the shared state machine to BitPay: pending→new, processing→paid, completed→confirmed and
 * complete once the payment is as deep as the chain's `low` speed, failed→invalid, expired and
 * cancelled→expired, refunded→complete (the refund is a separate object).
 */
export function bitpayStatus(status: PaymentStatus, confirmations: number, fullDepth: number): BitPayStatus {
  switch (status) {
    case 'pending':
      return 'new'
    case 'processing':
      return 'paid'
    case 'completed':
      return confirmations >= fullDepth ? 'complete' : 'confirmed'
    case 'refunded':
      return 'complete'
    case 'failed':
      return 'invalid'
    case 'expired':
    case 'cancelled':
      return 'expired'
  }
}

/** BitPay's exceptionStatus: false, paidPartial, paidOver or paidLate. */
export function bitpayExceptionStatus(
  exception: PaymentException | null,
): false | 'paidPartial' | 'paidOver' | 'paidLate' {
  switch (exception) {
    case 'underpaid':
      return 'paidPartial'
    case 'overpaid':
      return 'paidOver'
    case 'paid_late':
      return 'paidLate'
    // BitPay has no reorg exception; the v1 API and webhooks carry it.
    case 'reorged':
    case null:
      return false
  }
}

/** The resources whose errors the BitPay dialect renders: every one it serves, and generic. */
export type BitPayResource = ErrorResource

/**
 * Seed 003's "Error codes", the last four digits by resource family and reason. BitPay numbers only
 * invoices (01xx) and refunds (02xx); bills, subscriptions, ledgers, settlements and tokens take the
 * unmapped 00xx codes, with 0000 for a state conflict (BITPAY-REFERENCE §2: no invented numbers).
 * Invoices publish no "missing parameters" code, so a missing invoice field is 0102 "invalid
 * parameters"; an invoice conflict (a guid reused, a buyer changed meanwhile) is 0102 as well.
 */
export const BITPAY_ERROR_TABLE = {
  unmapped: { other: '0000', not_found: '0001', invalid: '0002', missing: '0003', state: '0000', conflict: '0000' },
  invoice: { other: '0100', not_found: '0101', invalid: '0102', missing: '0102', state: '0117', conflict: '0102' },
  refund: { other: '0200', not_found: '0201', invalid: '0202', missing: '0203', state: '0207', conflict: '0204' },
} as const satisfies Record<string, Record<ErrorReason, string>>

/** Seed 003's first two digits: the HTTP method (00 for any other). */
export const BITPAY_METHOD_PREFIX: Readonly<Record<string, string>> = { POST: '01', GET: '02', PUT: '03', DELETE: '04' }

/** The table row a resource reads: its own family where BitPay numbers it, else the unmapped one. */
export function bitpayErrorFamily(resource: BitPayResource): keyof typeof BITPAY_ERROR_TABLE {
  return resource === 'invoice' || resource === 'refund' ? resource : 'unmapped'
}

/** Seed 003's code: 2 digits for the HTTP method, 4 for resource and reason ("010207"). */
export function bitpayErrorCode(method: string, resource: BitPayResource, reason: ErrorReason): string {
  return (BITPAY_METHOD_PREFIX[method.toUpperCase()] ?? '00') + BITPAY_ERROR_TABLE[bitpayErrorFamily(resource)][reason]
}

/** BitPay's IPN event for an invoice status (webhook notification codes). */
export interface IpnEvent {
  code: number
  name: string
}

/**
 * Which IPN an invoice status change sends. By default BitPay notifies paid, confirmed and complete;
 * with fullNotifications also expired and invalid (failed to confirm).
 */
export function ipnEventFor(
  status: BitPayStatus,
  exception: ReturnType<typeof bitpayExceptionStatus>,
  fullNotifications: boolean,
): IpnEvent | null {
  switch (status) {
    case 'paid':
      return exception === 'paidPartial' ? null : { code: 1003, name: 'invoice_paidInFull' }
    case 'confirmed':
      return { code: 1005, name: 'invoice_confirmed' }
    case 'complete':
      return { code: 1006, name: 'invoice_completed' }
    case 'expired':
      return fullNotifications ? { code: 1004, name: 'invoice_expired' } : null
    case 'invalid':
      return fullNotifications ? { code: 1013, name: 'invoice_failedToConfirm' } : null
    case 'new':
      return null
  }
}
