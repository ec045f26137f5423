/**
 * BitPay's views of recipients, payouts and payout groups (BITPAY-REFERENCE §5–§7), from the native
 * rows. Pure. Optional fields are left out rather than sent as null: the SDK's payout schema allows
 * absent fields, not nulls.
 */
import { JsonDecimal } from './exact-json'
import type { PayoutStatus, PayoutTransaction, RecipientStatus } from './payouts'

/** Most instructions one payout-group call takes (native and BitPay). */
export const MAX_GROUP_INSTRUCTIONS = 200

/** Most rows a BitPay list call returns (`limit` beyond it is refused). */
export const MAX_BITPAY_PAGE = 1000

export interface RecipientFields {
  id: string
  email: string
  label: string | null
  notificationUrl: string | null
  status: RecipientStatus
}

/** A recipient object: `{email, label, notificationURL?, status, id, shopperId}` (no resource token: this gateway has none for recipients). */
export function bitpayRecipient(r: RecipientFields) {
  return {
    email: r.email,
    label: r.label,
    ...(r.notificationUrl ? { notificationURL: r.notificationUrl } : {}),
    status: r.status,
    id: r.id,
    shopperId: null,
  }
}

export interface PayoutFields {
  id: string
  merchantId: string
  recipientId: string
  amount: string
  token: string
  /** The amount and currency asked for when that was a fiat currency (null when priced in the token). */
  requestedAmount: string | null
  requestedCurrency: string | null
  reference: string | null
  notificationUrl: string | null
  effectiveDate: string
  status: PayoutStatus
  message: string | null
  /** JSON array of PayoutTransaction. */
  transactions: string
  groupId: string | null
  createdAt: string
  updatedAt: string
}

/**
 * A payout object (§6): `amount`/`currency` as asked (a fiat amount, or the token amount), and
 * `ledgerCurrency` the token paid; amounts are exact JSON numbers; `email` and `label` are
 * the recipient's; `dateExecuted` once complete.
 */
export function bitpayPayout(p: PayoutFields, recipient?: { email: string; label: string | null }) {
  const transactions = (JSON.parse(p.transactions) as PayoutTransaction[]).map((t) => ({
    txid: t.txid,
    amount: new JsonDecimal(t.amount),
    date: t.date,
    confirmations: t.confirmations,
  }))
  return {
    id: p.id,
    recipientId: p.recipientId,
    accountId: p.merchantId,
    amount: new JsonDecimal(p.requestedAmount ?? p.amount),
    currency: p.requestedCurrency ?? p.token,
    ledgerCurrency: p.token,
    ...(recipient ? { email: recipient.email } : {}),
    ...(recipient?.label ? { label: recipient.label } : {}),
    ...(p.reference !== null ? { reference: p.reference } : {}),
    ...(p.notificationUrl !== null ? { notificationURL: p.notificationUrl } : {}),
    effectiveDate: p.effectiveDate,
    requestDate: p.createdAt,
    ...(p.status === 'complete' ? { dateExecuted: transactions.at(-1)?.date ?? p.updatedAt } : {}),
    status: p.status,
    ...(p.message !== null ? { message: p.message } : {}),
    ...(p.groupId !== null ? { groupId: p.groupId } : {}),
    transactions,
  }
}

/** BitPay's `effectiveDate`: a bare `yyyy-mm-dd` means 09:00 UTC that day (BitPay normalises it so); anything else passes as given. */
export function bitpayEffectiveDate(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T09:00:00.000Z` : value
}

/** Who an instruction pays, for `failed[].payee`: its email, recipientId or shopperId. */
export function payeeOf(instruction: unknown): string | undefined {
  if (!instruction || typeof instruction !== 'object') return undefined
  const i = instruction as Record<string, unknown>
  for (const key of ['email', 'recipientId', 'shopperId'])
    if (typeof i[key] === 'string' && i[key] !== '') return i[key]
  return undefined
}

/** A group's refused instruction, as the service records it. */
export interface GroupFailure {
  index: number
  payee: string | null
  code: string
  field: string | null
  message: string
}

/** `failed[]` of `POST /payouts/group`: `{errMessage, payee?}`. */
export function bitpayGroupFailure(f: GroupFailure) {
  return { errMessage: f.message, ...(f.payee !== null ? { payee: f.payee } : {}) }
}

/** A BitPay payout or recipient IPN's `event` (BITPAY-REFERENCE §11). */
export interface BitpayIpnEvent {
  code: number
  name: string
}

const RECIPIENT_IPN: Readonly<Record<RecipientStatus, BitpayIpnEvent>> = {
  invited: { code: 4001, name: 'recipient_invited' },
  unverified: { code: 4002, name: 'recipient_unverified' },
  verified: { code: 4003, name: 'recipient_verified' },
  active: { code: 4004, name: 'recipient_active' },
  paused: { code: 4005, name: 'recipient_paused' },
  removed: { code: 4006, name: 'recipient_removed' },
}

/**
 * The payout statuses that get an IPN. `new` (creation) and `failed` have none: BitPay defines no
 * code for them (the native `payout.created` / `payout.failed` events still go to the endpoints).
 * BitPay's docs print 5003 twice (completed and cancelled); cancelled is 5004 here.
 */
const PAYOUT_IPN: Readonly<Partial<Record<PayoutStatus, BitpayIpnEvent>>> = {
  funded: { code: 5001, name: 'payout_funded' },
  processing: { code: 5002, name: 'payout_processing' },
  complete: { code: 5003, name: 'payout_completed' },
  cancelled: { code: 5004, name: 'payout_cancelled' },
}

export const RECIPIENT_MANUAL_IPN: BitpayIpnEvent = { code: 4007, name: 'recipient_manuallyNotified' }
export const PAYOUT_MANUAL_IPN: BitpayIpnEvent = { code: 5005, name: 'payout_manuallyNotified' }

/** The IPN a recipient entering `status` gets (every status has one). */
export function recipientIpnEvent(status: RecipientStatus): BitpayIpnEvent {
  return RECIPIENT_IPN[status]
}

/** The IPN a payout entering `status` gets, or null (new, failed). */
export function payoutIpnEvent(status: PayoutStatus): BitpayIpnEvent | null {
  return PAYOUT_IPN[status] ?? null
}

/** A recipient IPN's `data`: `{id, shopperId, email, label, status}`. */
export function bitpayRecipientIpnData(r: RecipientFields) {
  return { id: r.id, shopperId: null, email: r.email, label: r.label, status: r.status }
}
