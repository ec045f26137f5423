import { z } from '@hono/zod-openapi'
import { PAYOUT_STATUSES } from '../../domain/payouts'
import { payoutView } from '../../webhooks/payout-views'
import { cancelPayout, createPayout, getPayout, listPayouts, type PayoutRow } from '../../services/payouts/payouts'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok } from './envelope'
import { merchantRoute, v1Router } from './router'
import { resourceIdParam } from '../schemas'

const tags = ['Payouts']
export const payoutSchema = z
  .object({
    id: z.string(),
    object: z.literal('payout'),
    status: z.enum(PAYOUT_STATUSES),
    amount: z.string().openapi({ example: '5', description: 'What was asked for, in `currency`' }),
    currency: z
      .string()
      .openapi({ example: 'USDC', description: 'A token symbol, or the fiat code the payout was asked in' }),
    ledger_currency: z.string().openapi({ example: 'USDC', description: 'The token paid' }),
    ledger_amount: z
      .string()
      .openapi({ example: '5', description: 'The token amount paid (converted at creation for a fiat amount)' }),
    amount_base_units: z.string(),
    rate: z
      .string()
      .nullable()
      .openapi({ description: 'Price of one ledger_currency unit in currency at creation; null for a token amount' }),
    chain_id: z.number().int(),
    payout_wallet_id: z.string(),
    recipient_id: z.string(),
    to_address: z.string(),
    reference: z.string().nullable(),
    notification_url: z.string().nullable(),
    effective_date: z.string(),
    message: z.string().nullable().openapi({ description: 'Why it failed' }),
    transactions: z.array(
      z.object({ txid: z.string(), amount: z.string(), date: z.string(), confirmations: z.number().int() }),
    ),
    livemode: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Payout')

export const toPayoutView = (p: PayoutRow): z.infer<typeof payoutSchema> => payoutView(p)

export const createBody = z.object({
  amount: z
    .string()
    .regex(/^\d+(\.\d+)?$/)
    .openapi({ example: '5', description: 'Decimal in units of the token' }),
  currency: z.string().max(16).optional().openapi({
    example: 'USDC',
    description:
      "A token symbol on the payout wallet's chain, or a fiat code (USD, EUR, …) converted at the current rate (default USDC)",
  }),
  ledger_currency: z
    .string()
    .max(16)
    .optional()
    .openapi({ example: 'USDC', description: 'The token paid when currency is fiat (default USDC)' }),
  recipient_id: z.string().max(64).optional(),
  recipient_email: z.string().email().max(254).optional(),
  payout_wallet_id: z
    .string()
    .max(64)
    .optional()
    .openapi({ description: "Default: the merchant's oldest payout wallet of the mode" }),
  reference: z.string().max(200).optional(),
  notification_url: z.string().max(2048).optional(),
  effective_date: z.string().max(40).optional().openapi({ description: 'ISO 8601; default now' }),
})
const idParam = resourceIdParam()
const notFound = { 404: errorResponse('No such payout') }

const createRoute = merchantRoute({
  method: 'post',
  path: '/payouts',
  tags,
  summary: 'Create a payout',
  description:
    'Funded when effective and the payout wallet holds enough (on-chain balance less what other payouts committed); the 1034 ledger debit is written with funding.',
  request: { body: { content: { 'application/json': { schema: createBody } }, required: true } },
  responses: {
    201: json(envelope(payoutSchema), 'The payout (status new)'),
    ...commonErrors,
    404: errorResponse('No such recipient or wallet'),
    409: errorResponse('Recipient not active'),
    422: errorResponse('Over the daily payout limit (field amount)'),
  },
})
const listRoute = merchantRoute({
  method: 'get',
  path: '/payouts',
  tags,
  summary: 'List payouts',
  responses: { 200: json(envelope(z.array(payoutSchema)), 'The payouts'), ...commonErrors },
})
const getRoute = merchantRoute({
  method: 'get',
  path: '/payouts/{id}',
  tags,
  summary: 'Get a payout',
  request: { params: idParam },
  responses: { 200: json(envelope(payoutSchema), 'The payout'), ...commonErrors, ...notFound },
})
const cancelRoute = merchantRoute({
  method: 'post',
  path: '/payouts/{id}/cancel',
  tags,
  summary: 'Cancel a payout (only while new)',
  request: { params: idParam },
  responses: {
    200: json(envelope(payoutSchema), 'The cancelled payout'),
    ...commonErrors,
    ...notFound,
    409: errorResponse('Not new any more'),
  },
})

export const payoutsRouter = v1Router()
  .openapi(createRoute, async (c) =>
    c.json(ok(c, toPayoutView(await createPayout(c.env, c.get('auth'), c.req.valid('json')))), 201),
  )
  .openapi(listRoute, async (c) => c.json(ok(c, (await listPayouts(c.env, c.get('auth'))).map(toPayoutView)), 200))
  .openapi(getRoute, async (c) =>
    c.json(ok(c, toPayoutView(await getPayout(c.env, c.get('auth'), c.req.valid('param').id))), 200),
  )
  .openapi(cancelRoute, async (c) =>
    c.json(ok(c, toPayoutView(await cancelPayout(c.env, c.get('auth'), c.req.valid('param').id))), 200),
  )
