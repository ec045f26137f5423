/** Bills: line items for one buyer, paid through an ordinary payment. */
import { formatFixed, parseDecimal, toBaseUnits } from './money'
import type { PaymentStatus } from './payment-status'

export const BILL_STATUSES = ['draft', 'sent', 'new', 'paid', 'complete'] as const
export type BillStatus = (typeof BILL_STATUSES)[number]

export const SUBSCRIPTION_STATUSES = ['draft', 'active', 'cancelled'] as const
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number]

export interface BillItem {
  id?: string
  description: string | null
  /** Decimal string in the bill's currency. */
  price: string
  quantity: number
}

/** The bill's total: Σ price × quantity, exact, at the finest scale of the prices. Throws MoneyError. */
export function billTotal(items: readonly Pick<BillItem, 'price' | 'quantity'>[]): string {
  const scale = Math.max(0, ...items.map((i) => parseDecimal(i.price).scale))
  let units = 0n
  for (const item of items) units += toBaseUnits(item.price, scale) * BigInt(item.quantity)
  return formatFixed(units, scale)
}

const RANK: Record<BillStatus, number> = { draft: 0, sent: 1, new: 2, paid: 3, complete: 4 }

/** Bills only move forward: `draft → sent → new → paid → complete`. */
export function advancesBill(from: BillStatus, to: BillStatus): boolean {
  return RANK[to] > RANK[from]
}

/** Whether the bill's contents can still change (nobody has started paying it). */
export function billEditable(status: BillStatus): boolean {
  return status === 'draft' || status === 'sent'
}

/** The bill status a payment's status implies: funds seen → paid, confirmed → complete. */
export function billStatusForPayment(status: PaymentStatus): BillStatus | null {
  switch (status) {
    case 'processing':
      return 'paid'
    case 'completed':
    case 'refunded':
      return 'complete'
    default:
      return null
  }
}

/** Subscription transitions: draft → active → cancelled, draft → cancelled; cancelled is final. */
export function subscriptionTransitionAllowed(from: SubscriptionStatus, to: SubscriptionStatus): boolean {
  if (from === to) return true
  if (from === 'cancelled') return false
  return !(from === 'active' && to === 'draft')
}
