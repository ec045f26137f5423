import { z } from '@hono/zod-openapi'
import { getDb } from '../../db/client'
import {
  approvePairingCode,
  createPairingCode,
  listMerchantTokens,
  revokeToken,
  type BitPayTokenRow,
} from '../../services/bitpay/tokens'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok } from './envelope'
import { merchantRoute, v1Router } from './router'

const tokenSchema = z
  .object({
    token: z.string(),
    facade: z.enum(['merchant', 'pos', 'payout']),
    sin: z.string().nullable().openapi({ description: 'Client identity the token is bound to' }),
    label: z.string().nullable(),
    status: z.enum(['pending', 'active', 'revoked']),
    pairing_code: z.string().nullable(),
    pairing_expires_at: z.string().nullable(),
    created_at: z.string(),
    approved_at: z.string().nullable(),
  })
  .openapi('BitPayToken')

function toView(t: BitPayTokenRow): z.infer<typeof tokenSchema> {
  return {
    token: t.token,
    facade: t.facade,
    sin: t.sin,
    label: t.label,
    status: t.status,
    pairing_code: t.status === 'pending' ? t.pairingCode : null,
    pairing_expires_at: t.pairingExpiresAt,
    created_at: t.createdAt,
    approved_at: t.approvedAt,
  }
}

const tags = ['BitPay pairing']
const codeParam = z.object({
  code: z
    .string()
    .regex(/^[A-Za-z0-9]{7}$/)
    .openapi({ param: { name: 'code', in: 'path' } }),
})

const createCodeRoute = merchantRoute({
  method: 'post',
  path: '/bitpay/pairing-codes',
  tags,
  summary: 'Make a pairing code for a BitPay client to claim',
  description:
    'The client sends POST /tokens {id: <SIN>, pairingCode} within 24 h and gets the token, bound to its identity.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ facade: z.enum(['merchant', 'pos', 'payout']), label: z.string().max(60).optional() })
            .strict(),
        },
      },
    },
  },
  responses: { 201: json(envelope(tokenSchema), 'The pending token and its pairing code'), ...commonErrors },
})
const approveRoute = merchantRoute({
  method: 'post',
  path: '/bitpay/pairing-codes/{code}/approve',
  tags,
  summary: 'Approve a pairing code a BitPay client requested',
  description: 'The token becomes active for this merchant, in the mode of the approving key.',
  request: { params: codeParam },
  responses: {
    200: json(envelope(tokenSchema), 'The active token'),
    ...commonErrors,
    404: errorResponse('Unknown or expired pairing code'),
  },
})
const listRoute = merchantRoute({
  method: 'get',
  path: '/bitpay/tokens',
  tags,
  summary: 'List BitPay tokens',
  responses: { 200: json(envelope(z.array(tokenSchema)), 'Tokens'), ...commonErrors },
})
const revokeRoute = merchantRoute({
  method: 'delete',
  path: '/bitpay/tokens/{token}',
  tags,
  summary: 'Revoke a BitPay token',
  request: {
    params: z.object({
      token: z
        .string()
        .min(1)
        .max(100)
        .openapi({ param: { name: 'token', in: 'path' } }),
    }),
  },
  responses: {
    200: json(envelope(tokenSchema), 'The revoked token'),
    ...commonErrors,
    404: errorResponse('No such token'),
  },
})

export const bitpayPairingRouter = v1Router()
  .openapi(createCodeRoute, async (c) => {
    const body = c.req.valid('json')
    return c.json(
      ok(c, toView(await createPairingCode(getDb(c.env.DB), c.get('auth'), body.facade, body.label ?? null))),
      201,
    )
  })
  .openapi(approveRoute, async (c) =>
    c.json(ok(c, toView(await approvePairingCode(getDb(c.env.DB), c.get('auth'), c.req.valid('param').code))), 200),
  )
  .openapi(listRoute, async (c) =>
    c.json(ok(c, (await listMerchantTokens(getDb(c.env.DB), c.get('auth'))).map(toView)), 200),
  )
  .openapi(revokeRoute, async (c) =>
    c.json(ok(c, toView(await revokeToken(getDb(c.env.DB), c.get('auth'), c.req.valid('param').token))), 200),
  )
