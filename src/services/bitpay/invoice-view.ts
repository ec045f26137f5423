import { and, asc, inArray, isNull } from 'drizzle-orm'
import { publicOrigin } from '../../config'
import { chainsFor } from '../../chain/registry'
import { rateSourceFor } from '../../chain/price-feeds'
import { getDb, type ObservationRow, type PaymentRow } from '../../db/client'
import { observations } from '../../db/schema'
import { bitpayExceptionStatus, bitpayStatus } from '../../domain/bitpay'
import { eip681Uri } from '../../domain/checkout'
import { formatUnits } from '../../domain/money'
import { JsonDecimal } from '../../domain/exact-json'
import { currencyOptions, paymentTotals, type BitPayInvoiceRow } from './invoices'

type InvoiceRow = { payment: PaymentRow; invoice: BitPayInvoiceRow }

/** BitPay's invoice object for one invoice. */
export async function invoiceView(env: Env, requestUrl: string, payment: PaymentRow, invoice: BitPayInvoiceRow) {
  const [view] = await invoiceViews(env, requestUrl, [{ payment, invoice }])
  if (!view) throw new Error('invoiceViews renders one view per row')
  return view
}

/**
 * BitPay's invoice objects for a page of one merchant's invoices, with one read of the payable
 * currencies, one of the rates and one of the transfers for the whole page.
 */
export async function invoiceViews(env: Env, requestUrl: string, rows: InvoiceRow[]) {
  const [first] = rows
  if (!first) return []
  const { merchantId, livemode } = first.payment
  const [options, prices, transfers] = await Promise.all([
    currencyOptions(env, merchantId, livemode),
    rateSourceFor(env).prices(),
    getDb(env.DB)
      .select()
      .from(observations)
      // BitPay's invoice transactions are what pays the invoice: unexpected funds (wrong asset, after the window) are not.
      .where(
        and(
          inArray(
            observations.paymentId,
            rows.map((r) => r.payment.id),
          ),
          isNull(observations.removedAt),
          isNull(observations.unexpected),
        ),
      )
      .orderBy(asc(observations.createdAt)),
  ])
  return rows.map(({ payment, invoice }) =>
    buildView(
      env,
      requestUrl,
      payment,
      invoice,
      paymentTotals(payment, options, prices),
      transfers.filter((t) => t.paymentId === payment.id),
    ),
  )
}

function buildView(
  env: Env,
  requestUrl: string,
  payment: PaymentRow,
  invoice: BitPayInvoiceRow,
  totals: ReturnType<typeof paymentTotals>,
  transfers: ObservationRow[],
) {
  const chosen = totals.find((t) => t.option.chainId === payment.chainId && t.option.symbol === payment.token)
  const chain = payment.chainId === null ? undefined : chainsFor(env).get(payment.chainId)
  const received = BigInt(payment.amountReceived)
  const byCode = <T>(f: (t: (typeof totals)[number]) => T) =>
    Object.fromEntries(totals.map((t) => [t.option.code, f(t)]))

  return {
    id: payment.id,
    guid: invoice.guid,
    token: invoice.invoiceToken,
    url: `${publicOrigin(env, requestUrl)}/pay/${payment.reference}`,
    posData: invoice.posData,
    status: bitpayStatus(payment.status, payment.confirmations, chain?.confirmations.low ?? 0),
    exceptionStatus: bitpayExceptionStatus(payment.exception),
    price: new JsonDecimal(payment.amount),
    currency: payment.currency,
    orderId: payment.orderId,
    itemDesc: invoice.itemDesc,
    itemCode: invoice.itemCode,
    invoiceTime: Date.parse(payment.createdAt),
    expirationTime: Date.parse(payment.expiresAt),
    currentTime: Date.now(),
    transactionSpeed: payment.transactionSpeed,
    targetConfirmations: payment.requiredConfirmations ?? chain?.confirmations[payment.transactionSpeed] ?? 0,
    notificationURL: payment.notificationUrl,
    notificationEmail: invoice.notificationEmail,
    redirectURL: invoice.redirectUrl,
    closeURL: invoice.closeUrl,
    fullNotifications: invoice.fullNotifications,
    extendedNotifications: invoice.extendedNotifications,
    buyer: invoice.buyer ? (JSON.parse(invoice.buyer) as Record<string, unknown>) : {},
    isCancelled: payment.status === 'cancelled',
    lowFeeDetected: false,
    transactionCurrency: chosen?.option.code ?? null,
    amountPaid: received,
    displayAmountPaid: chosen ? formatUnits(received, chosen.option.decimals) : '0',
    paymentSubtotals: byCode((t) => t.due),
    paymentTotals: byCode((t) => t.due),
    paymentDisplayTotals: byCode((t) => formatUnits(t.due, t.option.decimals)),
    paymentDisplaySubTotals: byCode((t) => formatUnits(t.due, t.option.decimals)),
    exchangeRates: byCode((t) => ({ [payment.currency]: Number(t.rate) })),
    supportedTransactionCurrencies: byCode(() => ({ enabled: true })),
    paymentCodes:
      chosen && payment.depositAddress
        ? {
            [chosen.option.code]: {
              EIP681: eip681Uri({
                chainId: chosen.option.chainId,
                depositAddress: payment.depositAddress,
                tokenAddress: chosen.option.address,
                amount: chosen.due,
              }),
            },
          }
        : {},
    transactions: transfers.map((t) => ({
      amount: BigInt(t.amount),
      confirmations: t.confirmations,
      receivedTime: Date.parse(t.createdAt),
      time: Date.parse(t.createdAt),
      txid: t.txHash,
    })),
    refundAddresses: [],
    refundAddressRequestPending: false,
  }
}
