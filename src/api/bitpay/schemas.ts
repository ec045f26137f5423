import { z } from 'zod'
import { TRANSACTION_SPEEDS } from '../../domain/payment-status'
import { isHttpUrl } from '../../domain/url-policy'
import { AMOUNT_LIMIT_TEXT, checkAmountLimit, decimalInput } from '../schemas'

/** Any other scheme is refused here; the environment's policy (https in production, public hosts) in the service. */
const url = z.string().max(2048).refine(isHttpUrl, 'must be an absolute http(s) URL')

/** BitPay's invoice request; fields we do not use (physical, acceptanceWindow, …) are accepted and ignored. */
/** A BitPay resource id in the path. */
export const idParam = z.object({ id: z.string() })
/** An invoice's or refund's guid in the path. */
export const guidParam = z.object({ guid: z.string() })

export const createInvoiceBody = z
  .object({
    token: z.string(),
    price: decimalInput.openapi({ description: `Invoice price in \`currency\`. ${AMOUNT_LIMIT_TEXT}` }),
    currency: z
      .string()
      .regex(/^[A-Za-z0-9]{2,12}$/, 'must be a currency code')
      .transform((s) => s.toUpperCase()),
    guid: z.string().min(1).max(64).optional(),
    orderId: z.string().max(128).nullish(),
    itemDesc: z.string().max(500).nullish(),
    itemCode: z.string().max(100).nullish(),
    posData: z.string().max(4096).nullish(),
    notificationURL: url.nullish(),
    notificationEmail: z.string().email().nullish(),
    redirectURL: url.nullish(),
    closeURL: url.nullish(),
    transactionSpeed: z.enum(TRANSACTION_SPEEDS).nullish(),
    fullNotifications: z.boolean().nullish(),
    extendedNotifications: z.boolean().nullish(),
    forcedBuyerSelectedTransactionCurrency: z.string().max(20).nullish(),
    buyer: z.record(z.string(), z.unknown()).nullish(),
  })
  .superRefine((b, ctx) => checkAmountLimit(ctx, 'price', b.price, b.currency))

export const listInvoicesQuery = z.object({
  token: z.string(),
  dateStart: z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date')
    .optional(),
  dateEnd: z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date')
    .optional(),
  status: z.enum(['new', 'paid', 'confirmed', 'complete', 'expired', 'invalid']).optional(),
  orderId: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(100),
  offset: z.coerce.number().int().min(0).default(0),
})

export const updateInvoiceBody = z.object({
  token: z.string(),
  buyerEmail: z.string().email().optional(),
  buyerSms: z
    .string()
    .regex(/^\+?[0-9 ()-]{6,20}$/, 'must be a phone number')
    .optional(),
  smsCode: z.string().optional(),
  autoVerify: z.boolean().optional(),
})

export const createRefundBody = z
  .object({
    token: z.string(),
    invoiceId: z.string().min(1),
    amount: decimalInput.openapi({
      description: `Refund amount in the invoice's currency, at most its price. ${AMOUNT_LIMIT_TEXT}`,
    }),
    currency: z.string().optional(),
    preview: z.boolean().optional(),
    immediate: z.boolean().optional(),
    buyerPaysRefundFee: z.boolean().optional(),
    reference: z.string().max(100).optional(),
    guid: z.string().min(1).max(64).optional(),
  })
  .superRefine((b, ctx) => checkAmountLimit(ctx, 'amount', b.amount, b.currency))

export const tokenRequestBody = z.object({
  id: z.string().min(1).max(64),
  facade: z.enum(['merchant', 'pos', 'payout']).optional(),
  pairingCode: z
    .string()
    .regex(/^[A-Za-z0-9]{7}$/, 'must be a 7-character pairing code')
    .optional(),
  label: z
    .string()
    .regex(/^[\w -]{0,60}$/, 'letters, digits, spaces, _ and - only')
    .optional(),
})

const byCurrency = <T extends z.ZodType>(value: T, description: string) =>
  z.record(z.string(), value).openapi({ description })

/** BitPay's invoice object (services/bitpay-invoice-view.ts builds it). */
export const invoiceSchema = z
  .object({
    id: z.string(),
    guid: z.string(),
    token: z.string().openapi({ description: 'Invoice token: authorises POST /invoices/{id}/notifications' }),
    url: z.string().openapi({ description: 'The hosted checkout page' }),
    posData: z.string().nullable(),
    status: z.enum(['new', 'paid', 'confirmed', 'complete', 'expired', 'invalid']),
    exceptionStatus: z.union([z.literal(false), z.enum(['paidPartial', 'paidOver', 'paidLate'])]),
    price: z.number().openapi({ description: 'Exact decimal number' }),
    currency: z.string(),
    orderId: z.string().nullable(),
    itemDesc: z.string().nullable(),
    itemCode: z.string().nullable(),
    invoiceTime: z.number().int().openapi({ description: 'Milliseconds since the epoch' }),
    expirationTime: z.number().int(),
    currentTime: z.number().int(),
    transactionSpeed: z.enum(TRANSACTION_SPEEDS),
    targetConfirmations: z.number().int(),
    notificationURL: z.string().nullable(),
    notificationEmail: z.string().nullable(),
    redirectURL: z.string().nullable(),
    closeURL: z.string().nullable(),
    fullNotifications: z.boolean(),
    extendedNotifications: z.boolean(),
    buyer: z.record(z.string(), z.unknown()),
    isCancelled: z.boolean(),
    lowFeeDetected: z.boolean(),
    transactionCurrency: z
      .string()
      .nullable()
      .openapi({ description: 'The currency chosen by the buyer (e.g. ETH, USDC_e)' }),
    amountPaid: z.number().int().openapi({ description: 'Base units received, an exact integer' }),
    displayAmountPaid: z.string(),
    paymentSubtotals: byCurrency(z.number().int(), 'Base units due per payable currency'),
    paymentTotals: byCurrency(z.number().int(), 'Base units due per payable currency'),
    paymentDisplayTotals: byCurrency(z.string(), 'Decimal amount due per payable currency'),
    paymentDisplaySubTotals: byCurrency(z.string(), 'Decimal amount due per payable currency'),
    exchangeRates: byCurrency(
      z.record(z.string(), z.number()),
      'Rate of each payable currency in the invoice currency',
    ),
    supportedTransactionCurrencies: byCurrency(z.object({ enabled: z.boolean() }), 'Payable currencies'),
    paymentCodes: byCurrency(z.object({ EIP681: z.string() }), 'Payment URIs for the chosen currency'),
    transactions: z.array(
      z.object({
        amount: z.number().int(),
        confirmations: z.number().int(),
        receivedTime: z.number().int(),
        time: z.number().int(),
        txid: z.string(),
      }),
    ),
    refundAddresses: z.array(z.unknown()),
    refundAddressRequestPending: z.boolean(),
  })
  .openapi('BitPayInvoice')
