import { z } from '@hono/zod-openapi'
import { LIMITS } from '../../config'
import type { PaymentRow } from '../../db/client'
import { formatUnits } from '../../domain/money'
import { PAYMENT_EXCEPTIONS, PAYMENT_STATUSES, TRANSACTION_SPEEDS } from '../../domain/payment-status'
import type { StepError } from '../../domain/sandbox'
import { isHttpUrl } from '../../domain/url-policy'
import { AMOUNT_LIMIT_TEXT, checkAmountLimit, decimalInput } from '../schemas'

// The shared pieces moved to api/schemas.ts; v1 files keep importing them from here.
export { AMOUNT_LIMIT_TEXT, checkAmountLimit, decimalInput, paymentIdParam } from '../schemas'

const currencyCode = z
  .string()
  .regex(/^[A-Za-z0-9]{2,12}$/, 'must be an ISO 4217 code (USD) or a token symbol (USDC)')
  .transform((s) => s.toUpperCase())

const url = z.string().max(2048).refine(isHttpUrl, 'must be an absolute http(s) URL')

const metadata = z
  .record(z.string().max(40), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
  .refine((m) => Object.keys(m).length <= 50, 'at most 50 keys')
  .openapi({ example: { order_ref: 'A-1001' }, description: 'Up to 50 flat key/value pairs, returned as given' })

export const createPaymentBody = z
  .object({
    amount: decimalInput.openapi({
      description: `Order amount in \`currency\`: a decimal string (preferred) or JSON number, converted exactly. ${AMOUNT_LIMIT_TEXT}`,
    }),
    currency: currencyCode.openapi({
      example: 'USD',
      description: 'ISO 4217 fiat code, or a token symbol to price in crypto directly',
    }),
    chain_id: z.number().int().positive().optional().openapi({
      example: 8453,
      description: 'EVM chain id; with `token`, fixes how the buyer pays. Requires `token`.',
    }),
    token: z
      .string()
      .regex(/^[A-Za-z0-9.]{2,12}$/, 'must be a token symbol')
      .transform((s) => s.toUpperCase())
      .optional()
      .openapi({ example: 'USDC', description: 'Token symbol on `chain_id`. Requires `chain_id`.' }),
    transaction_speed: z
      .enum(TRANSACTION_SPEEDS)
      .default('medium')
      .openapi({ description: 'Confirmation depth: high = fewest confirmations, low = most' }),
    description: z.string().max(500).optional(),
    order_id: z.string().max(128).optional(),
    metadata: metadata.optional(),
    expires_in: z
      .number()
      .int()
      .min(LIMITS.minExpiresInSeconds)
      .max(LIMITS.maxExpiresInSeconds)
      .default(LIMITS.defaultExpiresInSeconds)
      .openapi({ description: 'Seconds until the payment (and its locked crypto amount) expires; default 900' }),
    success_url: url.optional(),
    cancel_url: url.optional(),
    notification_url: url
      .optional()
      .openapi({ description: "Receives this payment's webhooks in addition to the merchant's endpoints" }),
  })
  .strict()
  .refine((b) => (b.chain_id === undefined) === (b.token === undefined), {
    message: 'chain_id and token must be given together',
    path: ['token'],
  })
  .superRefine((b, ctx) => checkAmountLimit(ctx, 'amount', b.amount, b.currency))
  .openapi('CreatePaymentRequest', {
    description:
      'Give `chain_id` and `token` together or neither (400 otherwise): with both, the buyer pays that token on that chain; with neither, the buyer chooses on the hosted page.',
    oneOf: [
      { required: ['chain_id', 'token'] },
      { not: { anyOf: [{ required: ['chain_id'] }, { required: ['token'] }] } },
    ],
  })

export const paymentSchema = z
  .object({
    id: z.string().uuid().openapi({ description: 'Payment id (UUID)' }),
    object: z.literal('payment').openapi({ description: 'Always "payment"' }),
    reference: z
      .string()
      .openapi({ example: 'KQXR-48213907-PMT', description: 'Short reference shown to buyers; part of hosted_url' }),
    livemode: z.boolean().openapi({ description: 'false for payments made with test_ keys (sandbox)' }),
    status: z.enum(PAYMENT_STATUSES).openapi({
      description:
        'pending (awaiting payment) → processing (seen, confirming) → completed; or expired, cancelled, failed; refunded after completion',
    }),
    exception: z.enum(PAYMENT_EXCEPTIONS).nullable().openapi({
      description:
        'underpaid, overpaid or paid_late beside the status; reorged when a reorg took away a transfer after the payment completed',
    }),
    amount: z
      .string()
      .openapi({ example: '10.00', description: 'Order amount in `currency`, as an exact decimal string' }),
    currency: z
      .string()
      .openapi({ example: 'USD', description: 'ISO 4217 fiat code or token symbol the order is priced in' }),
    pay_amount: z.string().nullable().openapi({
      example: '10',
      description:
        'Amount due in pay_currency (decimal string), locked until expires_at; null until a chain and token are chosen',
    }),
    pay_amount_base_units: z.string().nullable().openapi({
      example: '10000000',
      description: "pay_amount in the token's smallest unit (wei, 6-decimal USDC units)",
    }),
    pay_currency: z
      .string()
      .nullable()
      .openapi({ example: 'USDC', description: 'Token the buyer pays in; null until chosen' }),
    chain_id: z
      .number()
      .int()
      .nullable()
      .openapi({ example: 8453, description: 'EVM chain id the buyer pays on; null until chosen' }),
    token_address: z.string().nullable().openapi({ description: 'ERC-20 contract, or null for the native coin' }),
    deposit_address: z
      .string()
      .nullable()
      .openapi({ description: 'Address the buyer pays to, derived from the merchant wallet' }),
    amount_received: z
      .string()
      .openapi({ example: '0', description: 'Total received so far in pay_currency (decimal string)' }),
    confirmations: z.number().int().openapi({ description: 'Confirmations of the funds received so far' }),
    required_confirmations: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Depth for transaction_speed on the chosen chain' }),
    transaction_speed: z
      .enum(TRANSACTION_SPEEDS)
      .openapi({ description: 'high, medium or low: picks required_confirmations on the chain' }),
    rate: z
      .object({
        source: z.string(),
        value: z.string().openapi({ description: 'Price of 1 pay_currency in `currency`' }),
      })
      .nullable()
      .openapi({ description: 'Rate source and rate that priced the payment (locked until expires_at)' }),
    description: z.string().nullable().openapi({ description: 'Shown to the buyer on the hosted page' }),
    order_id: z.string().nullable().openapi({ description: 'Your order reference' }),
    metadata: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: 'Key/value pairs as sent; also webhook_data in webhooks' }),
    success_url: z.string().nullable().openapi({ description: 'Where the hosted page sends the buyer after payment' }),
    cancel_url: z.string().nullable().openapi({ description: 'Where the hosted page sends a buyer who cancels' }),
    notification_url: z
      .string()
      .nullable()
      .openapi({ description: "Receives this payment's webhooks besides the merchant's endpoints" }),
    notify_secret: z.string().openapi({
      description: "Key of the X-Signature HMAC-SHA256 on this payment's webhooks (seed 002)",
      example: 'Cf9mx4nAvRuy5vwBY2FCtaKr',
    }),
    hosted_url: z.string().openapi({
      example: 'https://pay.example.com/pay/KQXR-48213907-PMT',
      description: 'Hosted checkout page for the buyer',
    }),
    expires_at: z.string().openapi({
      example: '2026-02-01T03:57:22.000Z',
      description: 'When the payment and its locked crypto amount expire (ISO 8601)',
    }),
    completed_at: z.string().nullable().openapi({ description: 'When the payment completed (ISO 8601)' }),
    last_error: z
      .object({
        code: z.string().openapi({ example: 'WALLET_REQUIRED' }),
        message: z.string(),
        step: z.enum(['sandbox_settlement', 'expiry']),
        at: z.string(),
      })
      .nullable()
      .openapi({
        description:
          'Why an automatic step (the sandbox settlement of a test amount, the expiry) could not complete; a payment.error event says the same',
      }),
    created_at: z.string().openapi({ description: 'ISO 8601' }),
    updated_at: z.string().openapi({ description: 'Last change (ISO 8601)' }),
  })
  .openapi('Payment')

export type PaymentView = z.infer<typeof paymentSchema>

/** The v1 representation of a payment. */
export function toPaymentView(p: PaymentRow, origin: string): PaymentView {
  const decimals = p.tokenDecimals ?? 0
  return {
    id: p.id,
    object: 'payment',
    reference: p.reference,
    livemode: p.livemode,
    status: p.status as PaymentView['status'],
    exception: p.exception as PaymentView['exception'],
    amount: p.amount,
    currency: p.currency,
    pay_amount: p.payAmount === null ? null : formatUnits(BigInt(p.payAmount), decimals),
    pay_amount_base_units: p.payAmount,
    pay_currency: p.token,
    chain_id: p.chainId,
    token_address: p.tokenAddress,
    deposit_address: p.depositAddress,
    amount_received: formatUnits(BigInt(p.amountReceived), decimals),
    confirmations: p.confirmations,
    required_confirmations: p.requiredConfirmations,
    transaction_speed: p.transactionSpeed as PaymentView['transaction_speed'],
    rate: p.rateSource && p.rate ? { source: p.rateSource, value: p.rate } : null,
    description: p.description,
    order_id: p.orderId,
    metadata: p.metadata ? (JSON.parse(p.metadata) as Record<string, unknown>) : null,
    success_url: p.successUrl,
    cancel_url: p.cancelUrl,
    notification_url: p.notificationUrl,
    notify_secret: p.notifySecret,
    hosted_url: `${origin}/pay/${p.reference}`,
    expires_at: p.expiresAt,
    completed_at: p.completedAt,
    last_error: p.lastError ? (JSON.parse(p.lastError) as StepError) : null,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  }
}

const isoDate = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date')
  .transform((s) => new Date(s).toISOString())

export const listPaymentsQuery = z.object({
  page: z.coerce.number().int().min(1).default(1).openapi({ example: 1 }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIMITS.maxPageSize)
    .default(LIMITS.defaultPageSize)
    .openapi({ example: 20 }),
  status: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined
      const values = s.split(',').map((v) => v.trim())
      const bad = values.find((v) => !(PAYMENT_STATUSES as readonly string[]).includes(v))
      if (bad !== undefined) {
        ctx.addIssue({ code: 'custom', message: `unknown status "${bad}" (one of ${PAYMENT_STATUSES.join(', ')})` })
        return z.NEVER
      }
      return values as (typeof PAYMENT_STATUSES)[number][]
    })
    .openapi({ type: 'string', example: 'pending,processing', description: 'Comma-separated statuses' }),
  currency: currencyCode.optional(),
  from: isoDate.optional().openapi({ type: 'string', description: 'Created at or after (ISO 8601)' }),
  to: isoDate.optional().openapi({ type: 'string', description: 'Created at or before (ISO 8601)' }),
})

export const simulateBody = z
  .object({
    amount: decimalInput
      .optional()
      .openapi({ description: 'Total received so far in pay_currency; default the full pay_amount' }),
    confirmed: z.boolean().default(true).openapi({ description: 'false leaves the funds unconfirmed (processing)' }),
    chain_id: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: 'Chooses the chain first when the payment has none' }),
    token: z
      .string()
      .regex(/^[A-Za-z0-9.]{2,12}$/)
      .transform((s) => s.toUpperCase())
      .optional(),
  })
  .strict()
  .refine((b) => (b.chain_id === undefined) === (b.token === undefined), {
    message: 'chain_id and token must be given together',
    path: ['token'],
  })
  .openapi('SimulatePaymentRequest')
