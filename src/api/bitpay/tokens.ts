import { Hono } from 'hono'
import { isSin } from '../../auth/bitpay-identity'
import type { AppEnv } from '../../context'
import { getDb } from '../../db/client'
import { ApiError } from '../../errors'
import { claimPairingCode, linkedSins, linkSin, requestToken, tokensForSin, unlinkSin, type BitPayTokenRow } from '../../services/bitpay-tokens'
import { rateLimit } from '../rate-limit'
import { bitpayAuth, bitpayBody, signerSin } from './auth'
import { sendJson } from './json'
import { parse } from './parse'
import { tokenRequestBody } from './schemas'
import { z } from 'zod'

function tokenView(t: BitPayTokenRow) {
  return {
    token: t.token,
    facade: t.facade,
    label: t.label,
    dateCreated: Date.parse(t.createdAt),
    ...(t.status === 'pending' ? { pairingCode: t.pairingCode, pairingExpiration: t.pairingExpiresAt ? Date.parse(t.pairingExpiresAt) : null } : {}),
    policies: [{ policy: 'id', method: t.status === 'active' ? 'active' : 'inactive', params: t.sin ? [t.sin] : [] }],
  }
}

/**
 * POST /tokens (public): with `id` (SIN) and `facade`, requests a token and returns its pairing code
 * for the merchant to approve; with `id` and `pairingCode`, claims a merchant-made code.
 */
export const tokensRouter = new Hono<AppEnv>()
  .post('/tokens', async (c) => {
    const body = parse(tokenRequestBody, await bitpayBody(c))
    if (!isSin(body.id)) throw new ApiError('VALIDATION_ERROR', 'id must be a client id (SIN) derived from your public key', 'id')
    const db = getDb(c.env.DB)
    const token = body.pairingCode
      ? await claimPairingCode(db, body.pairingCode, body.id)
      : await requestToken(db, body.id, body.facade ?? 'merchant', body.label ?? null)
    return sendJson(c, { data: [tokenView(token)] })
  })
  .get('/tokens', async (c) => {
    // Signed by the identity whose tokens are listed.
    const sin = await signerSin(c)
    const rows = await tokensForSin(getDb(c.env.DB), sin)
    return sendJson(c, { data: rows.map((t) => ({ [t.facade]: t.token })) })
  })

export const linkSinBody = z.object({ sin: z.string({ message: 'sin is required' }) })

/** Token SINs: signed by a key already linked to the token (merchant or payout facade). */
const sinAuth = [bitpayAuth(['merchant', 'payout'], { tokenFromPath: 'token' }), rateLimit] as const

/** Every key linked to a token can use it; a token keeps at least one. */
export const tokenSinsRouter = new Hono<AppEnv>()
  .get('/tokens/:token/sins', ...sinAuth, async (c) => sendJson(c, { data: { sins: await linkedSins(getDb(c.env.DB), c.req.param('token')) } }))
  .post('/tokens/:token/sins', ...sinAuth, async (c) => {
    const body = parse(linkSinBody, await bitpayBody(c))
    if (!isSin(body.sin)) throw new ApiError('VALIDATION_ERROR', 'sin must be a client id (SIN) derived from a public key', 'sin')
    return sendJson(c, { data: { sins: await linkSin(getDb(c.env.DB), c.req.param('token'), body.sin) } })
  })
  .delete('/tokens/:token/sins/:sin', ...sinAuth, async (c) => {
    const signer = c.get('bitpay')?.sin
    if (!signer) throw new ApiError('UNAUTHORIZED', 'This request must be signed', 'x-signature')
    await unlinkSin(getDb(c.env.DB), c.req.param('token'), c.req.param('sin'), signer)
    return sendJson(c, { data: { success: true } })
  })
