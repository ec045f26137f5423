import { z } from '@hono/zod-openapi'
import { isSin } from '../../auth/bitpay-identity'
import { getDb } from '../../db/client'
import { ApiError } from '../../errors'
import {
  claimPairingCode,
  linkedSins,
  linkSin,
  requestToken,
  tokensForSin,
  unlinkSin,
  type BitPayTokenRow,
} from '../../services/bitpay/tokens'
import { bitpayRoute, bitpayRouter } from './route'
import { tokenRequestBody } from './schemas'

const tokenSchema = z.object({
  token: z.string(),
  facade: z.enum(['merchant', 'pos', 'payout']),
  label: z.string().nullable(),
  dateCreated: z.number().int().openapi({ description: 'Milliseconds since the epoch' }),
  pairingCode: z.string().nullable().optional().openapi({ description: 'While the token awaits approval' }),
  pairingExpiration: z.number().int().nullable().optional(),
  policies: z.array(
    z.object({ policy: z.literal('id'), method: z.enum(['active', 'inactive']), params: z.array(z.string()) }),
  ),
})

function tokenView(t: BitPayTokenRow) {
  return {
    token: t.token,
    facade: t.facade,
    label: t.label,
    dateCreated: Date.parse(t.createdAt),
    ...(t.status === 'pending'
      ? { pairingCode: t.pairingCode, pairingExpiration: t.pairingExpiresAt ? Date.parse(t.pairingExpiresAt) : null }
      : {}),
    policies: [
      {
        policy: 'id' as const,
        method: t.status === 'active' ? ('active' as const) : ('inactive' as const),
        params: t.sin ? [t.sin] : [],
      },
    ],
  }
}

/**
 * POST /tokens (public): with `id` (SIN) and `facade`, requests a token and returns its pairing code
 * for the merchant to approve; with `id` and `pairingCode`, claims a merchant-made code.
 */
export const tokensRouter = bitpayRouter()
bitpayRoute(tokensRouter, {
  method: 'post',
  path: '/tokens',
  summary: 'Request a token for a SIN (pairing code), or claim a pairing code',
  signing: 'public',
  request: { body: tokenRequestBody },
  responses: { 200: z.object({ data: z.array(tokenSchema) }) },
  handler: async (c, { body }) => {
    if (!isSin(body.id))
      throw new ApiError('VALIDATION_ERROR', 'id must be a client id (SIN) derived from your public key', 'id')
    const db = getDb(c.env.DB)
    const token = body.pairingCode
      ? await claimPairingCode(db, body.pairingCode, body.id)
      : await requestToken(db, body.id, body.facade ?? 'merchant', body.label ?? null)
    return { data: [tokenView(token)] }
  },
})
bitpayRoute(tokensRouter, {
  method: 'get',
  path: '/tokens',
  summary: "List the signing identity's tokens",
  signing: 'identity',
  responses: {
    200: z.object({ data: z.array(z.record(z.string(), z.string()).openapi({ description: '{facade: token}' })) }),
  },
  handler: async (c, { sin }) => {
    const rows = await tokensForSin(getDb(c.env.DB), sin)
    return { data: rows.map((t) => ({ [t.facade]: t.token })) }
  },
})

export const linkSinBody = z.object({ sin: z.string({ message: 'sin is required' }) })
const tokenParam = z.object({ token: z.string() })
const sins = z.object({
  data: z.object({
    sins: z.array(z.string()).openapi({ description: "The SINs linked to the token; each one's key can use it" }),
  }),
})

/** Every key linked to a token can use it; a token keeps at least one. Signed by a key already linked (merchant or payout facade). */
export const tokenSinsRouter = bitpayRouter()
bitpayRoute(tokenSinsRouter, {
  method: 'get',
  path: '/tokens/{token}/sins',
  summary: 'List the SINs linked to a token (signed by one of them)',
  signing: 'token',
  facades: ['merchant', 'payout'],
  tokenFrom: 'path',
  request: { params: tokenParam },
  responses: { 200: sins },
  handler: async (c, { params }) => ({ data: { sins: await linkedSins(getDb(c.env.DB), params.token) } }),
})
bitpayRoute(tokenSinsRouter, {
  method: 'post',
  path: '/tokens/{token}/sins',
  summary: 'Link another SIN (key pair) to a token',
  signing: 'token',
  facades: ['merchant', 'payout'],
  tokenFrom: 'path',
  request: { params: tokenParam, body: linkSinBody },
  responses: { 200: sins },
  handler: async (c, { params, body }) => {
    if (!isSin(body.sin))
      throw new ApiError('VALIDATION_ERROR', 'sin must be a client id (SIN) derived from a public key', 'sin')
    return { data: { sins: await linkSin(getDb(c.env.DB), params.token, body.sin) } }
  },
})
bitpayRoute(tokenSinsRouter, {
  method: 'delete',
  path: '/tokens/{token}/sins/{sin}',
  summary: 'Unlink a SIN, signed by a SIN that stays (a token keeps at least one)',
  signing: 'token',
  facades: ['merchant', 'payout'],
  tokenFrom: 'path',
  request: { params: z.object({ token: z.string(), sin: z.string() }) },
  responses: { 200: z.object({ data: z.object({ success: z.literal(true) }) }) },
  handler: async (c, { params, token }) => {
    if (!token.sin) throw new ApiError('UNAUTHORIZED', 'This request must be signed', 'x-signature')
    await unlinkSin(getDb(c.env.DB), params.token, params.sin, token.sin)
    return { data: { success: true as const } }
  },
})
