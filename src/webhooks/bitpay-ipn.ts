import { eq } from 'drizzle-orm'
import { chainsFor, publicOrigin } from '../config'
import { getDb, type PaymentRow } from '../db/client'
import { bitpayInvoices } from '../db/schema'
import { bitpayExceptionStatus, bitpayStatus, ipnEventFor } from '../domain/bitpay'
import { invoiceView } from '../services/bitpay-invoice-view'
import { stringifyWithDecimals as exactJson } from '../domain/exact-json'

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
export async function ipnBody(env: Env, payment: PaymentRow, invoice: NonNullable<Awaited<ReturnType<typeof bitpayInvoiceOf>>>): Promise<string> {
  const view = await invoiceView(env, publicOrigin(env), payment, invoice)
  if (!invoice.extendedNotifications) return exactJson(view)
  const event = ipnEventFor(view.status, view.exceptionStatus, invoice.fullNotifications) ?? { code: 1012, name: 'invoice_manuallyNotified' }
  return exactJson({ event, data: view })
}
