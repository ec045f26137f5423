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
export function bitpayExceptionStatus(exception: PaymentException | null): false | 'paidPartial' | 'paidOver' | 'paidLate' {
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

/** The resource part of seed 003's 6-digit codes: generic 00xx, invoices 01xx, refunds 02xx. */
export type BitPayResource = 'generic' | 'invoice' | 'refund'
export type BitPayProblem = 'generic' | 'not_found' | 'invalid' | 'missing' | 'invalid_state' | 'active_refund_exists'

const METHOD_PREFIX: Record<string, string> = { POST: '01', GET: '02', PUT: '03', DELETE: '04' }
const RESOURCE_BASE: Record<BitPayResource, number> = { generic: 0, invoice: 100, refund: 200 }
const PROBLEM_OFFSET: Record<BitPayProblem, number> = { generic: 0, not_found: 1, invalid: 2, missing: 3, invalid_state: 17, active_refund_exists: 4 }

/** Seed 003's code: 2 digits for the HTTP method, 4 for resource and error ("010207"). */
export function bitpayErrorCode(method: string, resource: BitPayResource, problem: BitPayProblem): string {
  const prefix = METHOD_PREFIX[method.toUpperCase()] ?? '00'
  // Refunds name "invalid invoice state for refund" 0207; invoices use 0117 for invalid state.
  const offset = resource === 'refund' && problem === 'invalid_state' ? 7 : PROBLEM_OFFSET[problem]
  const base = resource === 'generic' && (problem === 'invalid_state' || problem === 'active_refund_exists') ? 0 : RESOURCE_BASE[resource]
  return prefix + String(base + (resource === 'generic' && offset > 3 ? 2 : offset)).padStart(4, '0')
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
export function ipnEventFor(status: BitPayStatus, exception: ReturnType<typeof bitpayExceptionStatus>, fullNotifications: boolean): IpnEvent | null {
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
