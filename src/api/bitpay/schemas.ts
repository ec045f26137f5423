import { z } from 'zod'
import { TRANSACTION_SPEEDS } from '../../domain/payment-status'
import { isHttpUrl } from '../../domain/url-policy'
import { AMOUNT_LIMIT_TEXT, checkAmountLimit, decimalInput } from '../schemas'

/** Any other scheme is refused here; the environment's policy (https in production, public hosts) in the service. */
const url = z.string().max(2048).refine(isHttpUrl, 'must be an absolute http(s) URL')

/** BitPay's invoice request; fields we do not use (physical, acceptanceWindow, …) are accepted and ignored. */
export const createInvoiceBody = z.object({
  token: z.string(),
  price: decimalInput.openapi({ description: `Invoice price in \`currency\`. ${AMOUNT_LIMIT_TEXT}` }),
  currency: z.string().regex(/^[A-Za-z0-9]{2,12}$/, 'must be a currency code').transform((s) => s.toUpperCase()),
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
}).superRefine((b, ctx) => checkAmountLimit(ctx, 'price', b.price, b.currency))

export const listInvoicesQuery = z.object({
  token: z.string(),
  dateStart: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date').optional(),
  dateEnd: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date').optional(),
  status: z.enum(['new', 'paid', 'confirmed', 'complete', 'expired', 'invalid']).optional(),
  orderId: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(100),
  offset: z.coerce.number().int().min(0).default(0),
})

export const updateInvoiceBody = z.object({
  token: z.string(),
  buyerEmail: z.string().email().optional(),
  buyerSms: z.string().regex(/^\+?[0-9 ()-]{6,20}$/, 'must be a phone number').optional(),
  smsCode: z.string().optional(),
  autoVerify: z.boolean().optional(),
})

export const createRefundBody = z.object({
  token: z.string(),
  invoiceId: z.string().min(1),
  amount: decimalInput.openapi({ description: `Refund amount in the invoice's currency, at most its price. ${AMOUNT_LIMIT_TEXT}` }),
  currency: z.string().optional(),
  preview: z.boolean().optional(),
  immediate: z.boolean().optional(),
  buyerPaysRefundFee: z.boolean().optional(),
  reference: z.string().max(100).optional(),
  guid: z.string().min(1).max(64).optional(),
}).superRefine((b, ctx) => checkAmountLimit(ctx, 'amount', b.amount, b.currency))

export const tokenRequestBody = z.object({
  id: z.string().min(1).max(64),
  facade: z.enum(['merchant', 'pos', 'payout']).optional(),
  pairingCode: z.string().regex(/^[A-Za-z0-9]{7}$/, 'must be a 7-character pairing code').optional(),
  label: z.string().regex(/^[\w -]{0,60}$/, 'letters, digits, spaces, _ and - only').optional(),
})
