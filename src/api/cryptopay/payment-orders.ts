import { z } from '@hono/zod-openapi'
import { chainSlug } from '../../chain/slugs'
import { LIMITS, publicOrigin } from '../../config'
import { chainsFor } from '../../chain/registry'
import type { PaymentRow } from '../../db/client'
import { getDb } from '../../db/client'
import { formatUnits } from '../../domain/money'
import { PAYMENT_STATUSES, TRANSACTION_SPEEDS } from '../../domain/payment-status'
import { isHttpUrl } from '../../domain/url-policy'
import { createOrder } from '../../services/cryptopay/orders'
import { getPayment, listPayments } from '../../services/payments/payments'
import { AMOUNT_LIMIT_TEXT, checkAmountLimit, decimalInput, paymentIdParam } from '../schemas'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok, page, pageSchema } from './envelope'
import { cryptoPayRoute, cryptoPayRouter } from './router'

const createOrderBody = z
  .object({
    amount: decimalInput.openapi({ description: `Order amount in the token \`currency\`. ${AMOUNT_LIMIT_TEXT}` }),
    currency: z
      .string()
      .regex(/^[A-Za-z0-9.]{2,12}$/, 'must be a token symbol such as USDC')
      .transform((s) => s.toUpperCase()),
    blockchain: z
      .string()
      .min(1)
      .max(40)
      .openapi({ example: 'base', description: 'ethereum, base, polygon, arbitrum, optimism, or anvil (local)' }),
    order_info: z
      .string()
      .max(4096)
      .optional()
      .openapi({ description: 'Kept verbatim (seed 001 sends a JSON string)', example: '{"product":"Premium Plan"}' }),
    nonce: z
      .union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)])
      .transform(String)
      .openapi({ description: 'Unique per merchant; a reused nonce is refused, so retries never create two orders' }),
    transaction_speed: z.enum(TRANSACTION_SPEEDS).default('medium'),
    expires_in: z
      .number()
      .int()
      .min(LIMITS.minExpiresInSeconds)
      .max(LIMITS.maxExpiresInSeconds)
      .default(LIMITS.defaultExpiresInSeconds),
    notification_url: z.string().max(2048).refine(isHttpUrl, 'must be an absolute http(s) URL').optional(),
  })
  .superRefine((b, ctx) => checkAmountLimit(ctx, 'amount', b.amount, b.currency))
  .openapi('CreatePaymentOrderRequest')

const orderSchema = z
  .object({
    id: z.string(),
    amount: z.string(),
    currency: z.string(),
    blockchain: z.string().nullable(),
    chain_id: z.number().int().nullable(),
    status: z.enum(PAYMENT_STATUSES),
    exception: z.string().nullable(),
    order_info: z.string().nullable(),
    nonce: z.string().nullable(),
    wallet_address: z.string().nullable().openapi({ description: 'Deposit address the buyer pays to' }),
    token_address: z.string().nullable(),
    pay_amount: z.string().nullable(),
    amount_received: z.string(),
    confirmations: z.number().int(),
    required_confirmations: z.number().int().nullable(),
    payment_url: z.string(),
    notify_secret: z.string(),
    expires_at: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('PaymentOrder')

export function toOrderView(
  p: PaymentRow,
  origin: string,
  chains: ReturnType<typeof chainsFor>,
): z.infer<typeof orderSchema> {
  const metadata = p.metadata ? (JSON.parse(p.metadata) as { order_info?: string; nonce?: string }) : {}
  const chain = p.chainId === null ? undefined : chains.get(p.chainId)
  const decimals = p.tokenDecimals ?? 0
  return {
    id: p.id,
    amount: p.amount,
    currency: p.currency,
    blockchain: chain ? chainSlug(chain) : null,
    chain_id: p.chainId,
    status: p.status,
    exception: p.exception,
    order_info: metadata.order_info ?? null,
    nonce: metadata.nonce ?? null,
    wallet_address: p.depositAddress,
    token_address: p.tokenAddress,
    pay_amount: p.payAmount === null ? null : formatUnits(BigInt(p.payAmount), decimals),
    amount_received: formatUnits(BigInt(p.amountReceived), decimals),
    confirmations: p.confirmations,
    required_confirmations: p.requiredConfirmations,
    payment_url: `${origin}/pay/${p.reference}`,
    notify_secret: p.notifySecret,
    expires_at: p.expiresAt,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  }
}

const pageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(LIMITS.maxPageSize).default(LIMITS.defaultPageSize),
  status: z.enum(PAYMENT_STATUSES).optional(),
})
const tags = ['CryptoPay']

const createRoute_ = cryptoPayRoute({
  method: 'post',
  path: '/api/payment-orders',
  tags,
  summary: 'Create payment order (POST /api/payment-orders/)',
  request: { body: { required: true, content: { 'application/json': { schema: createOrderBody } } } },
  responses: {
    201: json(envelope(orderSchema), 'The order'),
    ...commonErrors,
    422: errorResponse('No wallet for the blockchain'),
  },
})
const listRoute = cryptoPayRoute({
  method: 'get',
  path: '/api/payment-orders',
  tags,
  summary: 'List payment orders (GET /api/payment-orders/)',
  request: { query: pageQuery },
  responses: { 200: json(envelope(pageSchema(orderSchema)), 'A page of orders, newest first'), ...commonErrors },
})
const getRoute = cryptoPayRoute({
  method: 'get',
  path: '/api/payment-orders/{id}',
  tags,
  summary: 'Get payment order details (GET /api/payment-orders/{id}/)',
  request: { params: paymentIdParam },
  responses: { 200: json(envelope(orderSchema), 'The order'), ...commonErrors, 404: errorResponse('No such order') },
})

export const paymentOrdersRouter = cryptoPayRouter()
  .openapi(createRoute_, async (c) => {
    const body = c.req.valid('json')
    const payment = await createOrder(c.env, c.get('auth'), {
      amount: body.amount,
      currency: body.currency,
      blockchain: body.blockchain,
      orderInfo: body.order_info,
      nonce: body.nonce,
      transactionSpeed: body.transaction_speed,
      expiresIn: body.expires_in,
      notificationUrl: body.notification_url,
    })
    return c.json(
      ok(toOrderView(payment, publicOrigin(c.env, c.req.url), chainsFor(c.env)), 'Payment order created'),
      201,
    )
  })
  .openapi(listRoute, async (c) => {
    const q = c.req.valid('query')
    const { rows, total } = await listPayments(getDb(c.env.DB), c.get('auth'), {
      page: q.page,
      limit: q.page_size,
      status: q.status ? [q.status] : undefined,
    })
    const origin = publicOrigin(c.env, c.req.url)
    const chains = chainsFor(c.env)
    return c.json(
      ok(
        page(
          c,
          rows.map((p) => toOrderView(p, origin, chains)),
          total,
          q.page,
          q.page_size,
        ),
        'Payment orders retrieved',
      ),
      200,
    )
  })
  .openapi(getRoute, async (c) => {
    const payment = await getPayment(getDb(c.env.DB), c.get('auth'), c.req.valid('param').id)
    return c.json(
      ok(toOrderView(payment, publicOrigin(c.env, c.req.url), chainsFor(c.env)), 'Payment order retrieved'),
      200,
    )
  })
