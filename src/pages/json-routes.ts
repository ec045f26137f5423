import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../context'
import { CHECKOUT_STAGES } from '../domain/checkout'
import { PAYMENT_EXCEPTIONS, PAYMENT_STATUSES } from '../domain/payment-status'
import { ApiError } from '../errors'
import { paymentByReference, statusDocument } from '../services/payments/checkout'
import { issueChallenge, verifyChallenge } from '../services/payouts/recipients'
import { validationHook } from '../api/validation'
import { sameOrigin } from './routes'

/** The pages' JSON error: `{error, message}` (renderPageError writes it for these paths). */
const pageError = z
  .object({
    error: z.string().openapi({ description: 'The error code in lower case, e.g. not_found' }),
    message: z.string(),
  })
  .openapi('PageError')
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})
const errors = { 400: json(pageError, 'Invalid parameter'), 404: json(pageError, 'Not found') } as const

const statusSchema = z
  .object({
    reference: z.string(),
    status: z.enum(PAYMENT_STATUSES),
    stage: z.enum(CHECKOUT_STAGES).openapi({ description: 'What the checkout page shows' }),
    exception: z.enum(PAYMENT_EXCEPTIONS).nullable(),
    confirmations: z.number().int(),
    required_confirmations: z.number().int().nullable(),
    amount_received: z.string(),
    pay_amount: z.string().nullable(),
    pay_currency: z.string().nullable(),
    expires_at: z.string(),
    success_url: z.string().nullable(),
    cancel_url: z.string().nullable(),
  })
  .openapi('CheckoutStatus')

/** Before the body is read: a cross-site form must not act for the recipient. */
const sameOriginOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (!sameOrigin(c)) throw new ApiError('FORBIDDEN', 'Cross-site request refused', 'origin')
  await next()
})

const RECIPIENT_STATUSES = ['invited', 'unverified', 'verified', 'active', 'paused', 'removed'] as const

/**
 * The hosted pages' JSON endpoints (the checkout page polls its status; the recipient page asks for a
 * challenge and posts the signature). Public: the reference or invite token in the path is the capability.
 */
export const pagesJsonRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: 'get',
      path: '/pay/{reference}/status',
      tags: ['Hosted pages'],
      summary: "The checkout page's status poll",
      request: { params: z.object({ reference: z.string() }) },
      responses: { 200: json(statusSchema, 'The payment as the checkout page shows it'), 404: errors[404] },
    }),
    async (c) => {
      c.header('Cache-Control', 'no-store')
      const payment = await paymentByReference(c.env, c.req.valid('param').reference)
      if (!payment) return c.json({ error: 'not_found', message: 'Payment not found' }, 404)
      return c.json(statusDocument(payment), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/recipient/{token}/challenge',
      tags: ['Hosted pages'],
      summary: 'A single-use challenge naming the address, for the recipient to sign (personal_sign)',
      request: {
        params: z.object({ token: z.string() }),
        query: z.object({ address: z.string().openapi({ description: 'The EVM address to be paid' }) }),
      },
      responses: { 200: json(z.object({ message: z.string() }), 'The message to sign'), ...errors },
    }),
    async (c) => {
      c.header('Cache-Control', 'no-store')
      return c.json(
        { message: await issueChallenge(c.env, c.req.valid('param').token, c.req.valid('query').address) },
        200,
      )
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/recipient/{token}/verify',
      middleware: [sameOriginOnly] as const,
      tags: ['Hosted pages'],
      summary: 'Check the signed challenge and activate the recipient with the address',
      request: {
        params: z.object({ token: z.string() }),
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({
                address: z.string(),
                signature: z.string().openapi({ description: 'Hex personal_sign signature of the challenge' }),
              }),
            },
          },
        },
      },
      responses: {
        200: json(
          z.object({ status: z.enum(RECIPIENT_STATUSES), address: z.string().nullable() }),
          'The recipient after verification',
        ),
        ...errors,
        403: json(pageError, 'Cross-site request refused'),
        409: json(pageError, 'No open challenge for this address'),
      },
    }),
    async (c) => {
      const body = c.req.valid('json')
      const recipient = await verifyChallenge(c.env, c.req.valid('param').token, body.address, body.signature)
      return c.json({ status: recipient.status, address: recipient.address }, 200)
    },
  )
