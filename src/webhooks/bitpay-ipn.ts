import { eq } from 'drizzle-orm'
import { publicOrigin } from '../config'
import { chainsFor } from '../chain/registry'
import { getDb, type PaymentRow } from '../db/client'
import { bitpayInvoices } from '../db/schema'
import { bitpayExceptionStatus, bitpayStatus, ipnEventFor, type BitPayStatus } from '../domain/bitpay'
import { stringifyWithDecimals as exactJson } from '../domain/exact-json'

export type BitPayInvoiceRecord = typeof bitpayInvoices.$inferSelect

/** BitPay's invoice object, as far as the IPN reads it; the rest is passed through. */
export interface IpnInvoice {
  status: BitPayStatus
  exceptionStatus: ReturnType<typeof bitpayExceptionStatus>
}

/**
 * Renders BitPay's invoice object (services/bitpay-invoice-view: it reads currency options and
 * rates), handed to the consumer by the entry so that webhooks do not import services.
 */
export type InvoiceRenderer = (
  env: Env,
  requestUrl: string,
  payment: PaymentRow,
  invoice: BitPayInvoiceRecord,
) => Promise<IpnInvoice>

/** The BitPay invoice behind a payment, if the payment was created through /invoices. */
export async function bitpayInvoiceOf(env: Env, paymentId: string) {
  const [row] = await getDb(env.DB).select().from(bitpayInvoices).where(eq(bitpayInvoices.paymentId, paymentId))
  return row
}

/** Whether this payment state is one the invoice's notificationURL gets an IPN for. */
export function wantsIpn(env: Env, payment: PaymentRow, fullNotifications: boolean): boolean {
  const chain = payment.chainId === null ? undefined : chainsFor(env).get(payment.chainId)
  const status = bitpayStatus(payment.status, payment.confirmations, chain?.confirmations.low ?? 0)
  return ipnEventFor(status, bitpayExceptionStatus(payment.exception), fullNotifications) !== null
}

/**
 * BitPay's IPN body for the payment as it was at the event: the invoice object (standard format),
 * or `{event: {code, name}, data: invoice}` when the invoice asked for extendedNotifications.
 */
export async function ipnBody(
  env: Env,
  render: InvoiceRenderer,
  payment: PaymentRow,
  invoice: BitPayInvoiceRecord,
): Promise<string> {
  const view = await render(env, publicOrigin(env), payment, invoice)
  if (!invoice.extendedNotifications) return exactJson(view)
  const event = ipnEventFor(view.status, view.exceptionStatus, invoice.fullNotifications) ?? {
    code: 1012,
    name: 'invoice_manuallyNotified',
  }
  return exactJson({ event, data: view })
}
