import { z } from '@hono/zod-openapi'
import { fiatDecimals } from '../../domain/currencies'
import { LINK_STATUS_UPDATES } from '../../domain/links'
import { canonicalAmount, decimalFromJson, MoneyError, parseDecimal, significantScale } from '../../domain/money'
import { PAYMENT_STATUSES } from '../../domain/payment-status'
import { ApiError } from '../../errors'
import { isHttpUrl } from '../../domain/url-policy'
import { LINK_LIMITS } from '../../services/links/links'
import { AMOUNT_LIMIT_TEXT, checkAmountLimit } from '../schemas'

type Issue = { input?: unknown }
/** A zod error message that says "is required" when the field is missing and `text` otherwise. */
const msg = (text: string) => (issue: Issue) => (issue.input === undefined ? 'is required' : text)

const ISO_4217 = 'must be a valid 3-letter ISO 4217 code (e.g. GBP, USD)'
const GREATER_THAN_ZERO = 'must be greater than 0'

const isoCurrency = z
  .string({ error: msg(ISO_4217) })
  .transform((s) => s.trim().toUpperCase())
  .refine((s) => /^[A-Z]{3}$/.test(s) && fiatDecimals(s) !== undefined, ISO_4217)
  .openapi({ type: 'string', example: 'USD', description: '3-letter ISO 4217 code' })

/** A JSON number (10) or decimal string ("10.00"), converted exactly (never through a double). */
const orderAmount = z
  .union([z.number(), z.string()], { error: msg('must be a number greater than 0') })
  .transform((value, ctx) => {
    const negative = typeof value === 'number' ? value < 0 : value.trim().startsWith('-')
    try {
      if (negative) throw new MoneyError(GREATER_THAN_ZERO)
      const decimal = decimalFromJson(typeof value === 'string' ? value.trim() : value)
      if (parseDecimal(decimal).units === 0n) throw new MoneyError(GREATER_THAN_ZERO)
      return decimal
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message:
          err instanceof MoneyError && err.message === GREATER_THAN_ZERO
            ? GREATER_THAN_ZERO
            : 'must be a number greater than 0',
      })
      return z.NEVER
    }
  })
  .openapi({
    type: 'number',
    example: 10,
    description: `Greater than 0, at most the currency's decimals. A JSON number or a decimal string; converted exactly. ${AMOUNT_LIMIT_TEXT}`,
  })

const httpUrl = z
  .string({ error: msg('must be a valid http(s) URL') })
  .max(2048, 'must be at most 2048 characters')
  .refine(isHttpUrl, 'must be a valid http(s) URL')

const text = (max: number) =>
  z
    .string({ error: msg('must be a string') })
    .trim()
    .max(max, `must be at most ${max} characters`)

const phone = z
  .string({ error: msg('must be a string') })
  .transform((s) => s.replace(/[\s().-]/g, ''))
  .refine((s) => /^\+[1-9]\d{6,14}$/.test(s), 'must be a phone number in international format (e.g. +6591234567)')
  .openapi({ type: 'string', example: '+6591234567' })

const ip = z
  .string({ error: msg('must be a string') })
  .refine((s) => z.ipv4().safeParse(s).success || z.ipv6().safeParse(s).success, 'must be a valid IPv4 or IPv6 address')

const webhookData = z
  .record(z.string(), z.unknown(), { error: msg('must be a JSON object') })
  .refine((o) => JSON.stringify(o).length <= 4096, 'must be at most 4096 bytes of JSON')
  .openapi({
    type: 'object',
    example: { order_id: 'ABC12345-12' },
    description: "Returned as given in this link's webhooks",
  })

const isoDate = z
  .string({ error: msg('must be an ISO 8601 date') })
  .refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date')
  .transform((s) => new Date(s).toISOString())

export const createLinkBody = z
  .object({
    merchant_key: z
      .string({ error: msg('must be a string') })
      .min(1, 'is required')
      .max(100)
      .openapi({
        example: 'mkey-ckfhqahxy04g6e4qs6t3f00nl',
        description: "Must be the merchant_key of the API key's merchant",
      }),
    order_currency: isoCurrency,
    order_amount: orderAmount,
    payment_name: text(200).pipe(z.string().min(1, 'must not be empty')).openapi({ example: 'Premium Subscription' }),
    payer_id: text(128).optional().openapi({ example: 'TRE1787238200' }),
    payer_name: text(200).optional().openapi({ example: 'Alice Tan' }),
    payer_email: z
      .email({ error: msg('must be a valid email address') })
      .max(254, 'must be at most 254 characters')
      .openapi({ example: 'alice.tan@triple-a.io' }),
    payer_phone: phone.optional(),
    payer_ip: ip.optional().openapi({ example: '203.116.172.50' }),
    success_url: httpUrl.openapi({ example: 'https://www.success.io/success.html' }),
    cancel_url: httpUrl.openapi({ example: 'https://www.failure.io/cancel.html' }),
    webhook_data: webhookData.optional(),
    max_uses: z
      .number({ error: msg('must be an integer of at least 1') })
      .int('must be an integer of at least 1')
      .min(1, 'must be an integer of at least 1')
      .default(1)
      .openapi({
        example: 1,
        description: `Completed payments the link accepts; at most ${LINK_LIMITS.maxUsesPerTier} for the account tier (422 above)`,
      }),
    expires_in: z
      .number({ error: msg('must be a whole number of seconds') })
      .int('must be a whole number of seconds')
      .min(
        LINK_LIMITS.minExpiresInSeconds,
        `must be between ${LINK_LIMITS.minExpiresInSeconds} and ${LINK_LIMITS.maxExpiresInSeconds} seconds`,
      )
      .max(
        LINK_LIMITS.maxExpiresInSeconds,
        `must be between ${LINK_LIMITS.minExpiresInSeconds} and ${LINK_LIMITS.maxExpiresInSeconds} seconds`,
      )
      .optional()
      .openapi({
        description: `Seconds the link stays open; default ${LINK_LIMITS.defaultExpiresInSeconds}. Give this or expiry_date, not both.`,
      }),
    expiry_date: isoDate.optional().openapi({
      type: 'string',
      example: '2026-02-01T03:57:22Z',
      description: 'When the link closes (ISO 8601, 1 minute to 90 days ahead). Give this or expires_in, not both.',
    }),
  })
  .strict()
  .superRefine((b, ctx) => {
    const decimals = fiatDecimals(b.order_currency)
    if (decimals !== undefined && significantScale(b.order_amount) > decimals) {
      ctx.addIssue({
        code: 'custom',
        path: ['order_amount'],
        message: `must have at most ${decimals} decimal places for ${b.order_currency}`,
      })
    }
    checkAmountLimit(ctx, 'order_amount', b.order_amount, b.order_currency)
    if (b.expires_in !== undefined && b.expiry_date !== undefined)
      ctx.addIssue({ code: 'custom', path: ['expiry_date'], message: 'give expires_in or expiry_date, not both' })
    if (b.expiry_date !== undefined) {
      const seconds = (Date.parse(b.expiry_date) - Date.now()) / 1000
      if (seconds < LINK_LIMITS.minExpiresInSeconds || seconds > LINK_LIMITS.maxExpiresInSeconds) {
        ctx.addIssue({
          code: 'custom',
          path: ['expiry_date'],
          message: 'must be between 1 minute and 90 days in the future',
        })
      }
    }
  })
  .openapi('CreatePaymentLinkRequest', {
    description: `Give \`expires_in\` or \`expiry_date\`, not both (400 otherwise); with neither the link stays open ${LINK_LIMITS.defaultExpiresInSeconds} seconds.`,
    not: { required: ['expires_in', 'expiry_date'] },
  })

export type CreateLinkBody = z.infer<typeof createLinkBody>

/** The order amount in its currency's canonical form ("10" USD → "10.00"). */
export function canonicalOrderAmount(body: Pick<CreateLinkBody, 'order_amount' | 'order_currency'>): string {
  const decimals = fiatDecimals(body.order_currency)
  if (decimals === undefined)
    throw new ApiError('INVALID_CURRENCY', 'order_currency must be an ISO 4217 currency code', 'order_currency')
  return canonicalAmount(body.order_amount, decimals)
}

const uuid = (name: string) =>
  z
    .string()
    .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a valid UUID')
    .transform((s) => s.toLowerCase())
    .openapi({ param: { name, in: 'path' }, type: 'string', example: 'b8b2362d-f30c-4d9b-9a2e-08fa183d0d49' })

export const linkIdParam = z.object({ id: uuid('id') })
export const paymentIdParam = z.object({ payment_id: uuid('payment_id') })

export const updateLinkBody = z
  .object({
    id: z
      .string({ error: msg('must be a string') })
      .optional()
      .openapi({
        example: 'b8b2362d-f30c-4d9b-9a2e-08fa183d0d49',
        description: 'Optional; must equal the id in the path',
      }),
    status: z
      .enum(LINK_STATUS_UPDATES, { error: msg(`must be one of: ${LINK_STATUS_UPDATES.join(', ')}`) })
      .openapi({ example: 'expired' }),
  })
  .strict()
  .openapi('UpdatePaymentLinkRequest')

const LIST_STATUSES = [...PAYMENT_STATUSES, 'active', 'inactive'] as const

const positiveInt = (name: string, min: number, max: number, fallback: number, message: string) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return fallback
      const n = /^\d{1,6}$/.test(s.trim()) ? Number(s.trim()) : NaN
      if (!(n >= min && n <= max)) {
        ctx.addIssue({ code: 'custom', message })
        return z.NEVER
      }
      return n
    })
    .openapi({ param: { name, in: 'query' }, type: 'integer', example: fallback })

export const listLinksQuery = z.object({
  page: positiveInt('page', 1, 1_000_000, 1, 'must be a positive integer'),
  page_size: positiveInt('page_size', 1, 100, 20, 'must be between 1 and 100'),
  statuses: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined
      const values = s
        .split(',')
        .map((v) => v.trim().toLowerCase())
        .filter(Boolean)
      const bad = values.find((v) => !(LIST_STATUSES as readonly string[]).includes(v))
      if (bad !== undefined) {
        ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of: ${LIST_STATUSES.join(', ')}` })
        return z.NEVER
      }
      return values
    })
    .openapi({
      type: 'string',
      example: 'active,processing',
      description: 'Comma-separated payment statuses, plus active/inactive (is_active)',
    }),
  currency: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined
      const code = s.trim().toUpperCase()
      if (!/^[A-Z]{3}$/.test(code)) {
        ctx.addIssue({ code: 'custom', message: ISO_4217 })
        return z.NEVER
      }
      return code
    })
    .openapi({ type: 'string', example: 'USD' }),
  from_date: isoDate
    .optional()
    .openapi({ type: 'string', example: '2026-01-01T00:00:00Z', description: 'Created at or after (ISO 8601)' }),
  to_date: isoDate
    .optional()
    .openapi({ type: 'string', example: '2026-12-31T23:59:59Z', description: 'Created at or before (ISO 8601)' }),
})

const money = (example: number, description: string) =>
  z.number().openapi({
    example,
    description: `${description}. Emitted digit for digit from the stored decimal string (exact).`,
  })
const date = (example: string) => z.string().openapi({ example, description: 'ISO 8601, UTC, whole seconds' })
const paymentStatus = z.enum(PAYMENT_STATUSES).openapi({
  description:
    "Latest payment of the link when money moved (processing, completed, refunded); else the link's own end (cancelled, expired); else failed/cancelled of the last attempt; else pending",
})

export const linkSchema = z
  .object({
    id: z.string().openapi({
      example: 'b8b2362d-f30c-4d9b-9a2e-08fa183d0d49',
      description: "The link id for PATCH/GET (not in seed 002's example; added so the link can be addressed)",
    }),
    payment_reference: z.string().openapi({ example: 'SDF-453672-PMT' }),
    name: z.string().openapi({ example: 'Premium Subscription' }),
    order_currency: z.string().openapi({ example: 'USD' }),
    order_amount: money(10, 'Order amount'),
    payment_status: paymentStatus,
    expiry_date: date('2026-02-01T03:57:22Z'),
    hosted_url: z.string().openapi({ example: 'https://pay.bitxpay.com/link/SDF-453672-PMT' }),
    token_type: z.enum(['x-api-key', 'bearer']).openapi({ description: 'How the request authenticated' }),
    expires_in: z.number().int().openapi({ example: 1499 }),
    is_active: z.boolean(),
    max_uses: z.number().int().openapi({ example: 1 }),
    current_uses: z.number().int().openapi({ example: 0, description: 'Completed payments of the link' }),
    notify_secret: z.string().openapi({
      example: 'Cf9mx4nAvRuy5vwBY2FCtaKr',
      description: "HMAC-SHA256 key of this link's webhook signatures",
    }),
  })
  .openapi('PaymentLink')

const txSchema = z.object({
  t3a_id: z.string().openapi({ description: 'Id of the gateway payment (a use of the link) the transfer paid' }),
  txid: z.string().openapi({ description: 'Transaction hash' }),
  order_currency: z.string(),
  receive_amount: money(10, "The transfer's value in the order currency at the payment's locked rate (rounded down)"),
  status: z.enum(['confirmed', 'unconfirmed', 'removed']),
  status_date: date('2020-01-26T03:57:22Z'),
  payment_tier: z
    .enum(['good', 'short', 'late', 'pending', 'failed'])
    .openapi({ description: 'good = paid in full (or over), short = underpaid, late = after expiry' }),
  payment_tier_date: date('2020-01-26T03:57:22Z'),
  payment_currency: z.string(),
  payment_amount: money(10, "The payment's order amount"),
  payment_crypto_amount: money(0.00001234, 'The transfer in the token'),
})

export const linkDetailsSchema = z
  .object({
    id: z.string(),
    reference: z.string().openapi({ description: 'Not in seed 002; the payment_reference of the link' }),
    name: z.string(),
    amount: money(0.1, 'Order amount'),
    currency: z.string(),
    payment_type: z.literal('hosted'),
    payment_status: paymentStatus,
    payment_link: z
      .string()
      .openapi({ example: 'https://pay.bitxpay.com/payment_link?payment_id=3d0a5e66-f5a5-432e-86e6-e9405a94fba6' }),
    expires_at: date('2026-01-30T15:11:57Z'),
    is_active: z.boolean(),
    max_uses: z.number().int(),
    current_uses: z.number().int(),
    is_expired: z.boolean(),
    is_available: z.boolean().openapi({ description: 'is_active and a use is free for a new buyer' }),
    decimals: z.number().int().openapi({ description: 'Minor-unit digits of the currency' }),
    usd_price: z
      .string()
      .openapi({ example: '0.1270', description: 'The amount in USD at the current rate, 4 places' }),
    payers: z.array(
      z.object({
        id: z.string().openapi({ description: 'Stable per merchant and e-mail address' }),
        name: z.string().nullable(),
        email: z.string(),
        country: z
          .string()
          .nullable()
          .openapi({ description: "From payer_phone's calling code; null when unknown or shared (+1)" }),
      }),
    ),
    merchant_customer: z.object({
      customer_id: z.string().nullable(),
      customer_name: z.string().nullable(),
      email: z.string().nullable(),
    }),
    txs: z.array(txSchema),
    payments: z
      .array(
        z.object({
          id: z.string(),
          reference: z.string(),
          status: z.enum(PAYMENT_STATUSES),
          hosted_url: z.string(),
          created_at: z.string(),
        }),
      )
      .openapi({
        description:
          "Not in seed 002: the link's payments (uses and attempts), newest first; usable with /v1/payments/{id}",
      }),
  })
  .openapi('PaymentLinkDetails')

export const linkListSchema = z
  .object({
    page: z.number().int(),
    page_size: z.number().int(),
    total_items: z.number().int(),
    total_pages: z.number().int(),
    has_more: z.boolean(),
    payment_links: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        amount: money(249.99, 'Order amount'),
        currency: z.string(),
        status: paymentStatus,
        payment_link: z.string(),
        expires_at: date('2026-03-15T23:59:59Z'),
        is_active: z.boolean(),
        created_at: date('2026-01-30T14:11:57Z'),
      }),
    ),
  })
  .openapi('PaymentLinkList')
