import { createRoute, z } from '@hono/zod-openapi'
import { requireAdmin } from '../../auth/middleware'
import { DEFAULT_RATE_LIMITS, type IssuedKey } from '../../auth/api-keys'
import { getDb, type MerchantRow } from '../../db/client'
import { hourlyLimit } from '../../auth/plans'
import { createMerchant, updateMerchantLimits } from '../../services/merchants/merchants'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok } from './envelope'
import { v1Router } from './router'

const rateLimit = z.number().int().min(1).max(1_000_000)
const feeBps = z.number().int().min(0).max(10_000).openapi({
  description: 'Gateway fee in basis points of each completed payment, booked as a 1023 ledger entry (default 0)',
  example: 50,
})
const payoutDailyLimits = z
  .record(
    z.string().regex(/^[A-Z0-9]{2,16}$/),
    // At most 1,000,000,000 with 6 places, checked on the text (no float): the limit in millionths stays a safe integer.
    z
      .string()
      .regex(/^(\d{1,9}(\.\d{1,6})?|1000000000(\.0{1,6})?)$/, 'a decimal of at most 1,000,000,000 with up to 6 places'),
  )
  .openapi({
    description:
      'Daily payout limit per ledger currency (decimal strings, units of the token, UTC day); a currency not named has the default 10000',
    example: { USDC: '50000' },
  })
const plan = z
  .enum(['standard', 'premium', 'enterprise'])
  .openapi({ description: 'CryptoPay plan: 1000/h, 5000/h, or custom (rate_limit_hourly)' })

const createMerchantBody = z
  .object({
    name: z.string().trim().min(1).max(200).openapi({ example: 'Acme Coffee' }),
    email: z.string().email().max(320).openapi({ example: 'ops@acme.example' }),
    rate_limit_test: rateLimit.optional().openapi({ description: 'Requests per minute per test key (default 100)' }),
    rate_limit_live: rateLimit.optional().openapi({ description: 'Requests per minute per live key (default 1000)' }),
    plan: plan.optional(),
    rate_limit_hourly: rateLimit
      .optional()
      .openapi({ description: 'Requests per hour on the CryptoPay API (/api/*), overriding the plan' }),
    fee_bps: feeBps.optional(),
  })
  .strict()
  .openapi('CreateMerchantRequest')

export const issuedKeySchema = z
  .object({
    id: z.string(),
    mode: z.enum(['test', 'live']),
    name: z.string().nullable(),
    key: z.string().openapi({ description: 'The API key. Shown once; only its SHA-256 is stored.' }),
    signing_secret: z.string().openapi({ description: 'HMAC secret for X-Signature request signing. Shown once.' }),
    key_prefix: z.string(),
    require_signature: z.boolean(),
    created_at: z.string(),
  })
  .openapi('IssuedApiKey')

export function toIssuedKeyView(k: IssuedKey): z.infer<typeof issuedKeySchema> {
  return {
    id: k.id,
    mode: k.mode,
    name: k.name,
    key: k.key,
    signing_secret: k.signingSecret,
    key_prefix: k.keyPrefix,
    require_signature: k.requireSignature,
    created_at: k.createdAt,
  }
}

const merchantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    merchant_key: z.string().openapi({
      description: 'Merchant identifier of seed 002 (`merchant_key`)',
      example: 'mkey-ckfhqahxy04g6e4qs6t3f00nl',
    }),
    rate_limit_test: z.number().int(),
    rate_limit_live: z.number().int(),
    plan,
    rate_limit_hourly: z.number().int(),
    fee_bps: feeBps,
    payout_daily_limits: z
      .record(z.string(), z.string())
      .openapi({ description: 'Daily payout limits set by the operator; other currencies: 10000' }),
    created_at: z.string(),
  })
  .openapi('Merchant')

const adminSecurity = [{ adminToken: [] }]

const createMerchantRoute = createRoute({
  method: 'post',
  path: '/merchants',
  tags: ['Operator'],
  summary: 'Create a merchant (ADMIN_TOKEN)',
  description: 'Returns the merchant with its first test and live API keys and signing secrets, shown once.',
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  request: { body: { required: true, content: { 'application/json': { schema: createMerchantBody } } } },
  responses: {
    201: json(envelope(merchantSchema.extend({ api_keys: z.array(issuedKeySchema) })), 'The merchant and its keys'),
    ...commonErrors,
    403: errorResponse('ADMIN_TOKEN is not configured'),
  },
})

const updateMerchantRoute = createRoute({
  method: 'patch',
  path: '/merchants/{id}',
  tags: ['Operator'],
  summary: "Change a merchant's rate limits, fee and daily payout limits (ADMIN_TOKEN)",
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  request: {
    params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              rate_limit_test: rateLimit.nullable().optional(),
              rate_limit_live: rateLimit.nullable().optional(),
              plan: plan.optional(),
              rate_limit_hourly: rateLimit.nullable().optional(),
              fee_bps: feeBps.optional(),
              payout_daily_limits: payoutDailyLimits
                .optional()
                .openapi({ description: 'Merged into the current limits' }),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    200: json(envelope(merchantSchema), 'The merchant'),
    ...commonErrors,
    404: errorResponse('No such merchant'),
  },
})

function toMerchantView(m: MerchantRow) {
  return {
    id: m.id,
    name: m.name,
    email: m.email,
    merchant_key: m.merchantKey,
    rate_limit_test: m.rateLimitTest ?? DEFAULT_RATE_LIMITS.test,
    rate_limit_live: m.rateLimitLive ?? DEFAULT_RATE_LIMITS.live,
    plan: m.plan,
    rate_limit_hourly: hourlyLimit(m),
    fee_bps: m.feeBps,
    payout_daily_limits: m.payoutDailyLimits ? (JSON.parse(m.payoutDailyLimits) as Record<string, string>) : {},
    created_at: m.createdAt,
  }
}

export const merchantsRouter = v1Router()
  .openapi(createMerchantRoute, async (c) => {
    const body = c.req.valid('json')
    const { merchant, keys } = await createMerchant(getDb(c.env.DB), {
      name: body.name,
      email: body.email,
      rateLimitTest: body.rate_limit_test,
      rateLimitLive: body.rate_limit_live,
      plan: body.plan,
      rateLimitHourly: body.rate_limit_hourly,
      feeBps: body.fee_bps,
    })
    return c.json(ok(c, { ...toMerchantView(merchant), api_keys: keys.map(toIssuedKeyView) }), 201)
  })
  .openapi(updateMerchantRoute, async (c) => {
    const body = c.req.valid('json')
    const merchant = await updateMerchantLimits(getDb(c.env.DB), c.req.valid('param').id, {
      rateLimitTest: body.rate_limit_test,
      rateLimitLive: body.rate_limit_live,
      plan: body.plan,
      rateLimitHourly: body.rate_limit_hourly,
      feeBps: body.fee_bps,
      payoutDailyLimits: body.payout_daily_limits,
    })
    return c.json(ok(c, toMerchantView(merchant)), 200)
  })
