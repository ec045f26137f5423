import { z } from '@hono/zod-openapi'
import { findApiKey, issueApiKey, listApiKeys, revokeApiKey } from '../../auth/api-keys'
import type { ApiKeyRow } from '../../db/client'
import { getDb } from '../../db/client'
import { ApiError, notFound } from '../../errors'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok } from './envelope'
import { issuedKeySchema, toIssuedKeyView } from './merchants'
import { merchantRoute, v1Router } from './router'

const apiKeySchema = z
  .object({
    id: z.string(),
    mode: z.enum(['test', 'live']),
    name: z.string().nullable(),
    key_prefix: z.string().openapi({ description: 'First characters of the key, to recognise it' }),
    require_signature: z.boolean(),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
  })
  .openapi('ApiKey')

function toApiKeyView(k: ApiKeyRow): z.infer<typeof apiKeySchema> {
  return {
    id: k.id,
    mode: k.mode,
    name: k.name,
    key_prefix: k.keyPrefix,
    require_signature: k.requireSignature,
    created_at: k.createdAt,
    revoked_at: k.revokedAt,
  }
}

const keyIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'key_1a2b3c4d5e6f7a8b9c0d1e2f' }),
})

const listRoute = merchantRoute({
  method: 'get',
  path: '/api-keys',
  tags: ['API keys'],
  summary: "List API keys of the caller's mode",
  responses: {
    200: json(envelope(z.array(apiKeySchema)), 'Keys, newest first (secrets are never shown again)'),
    ...commonErrors,
  },
})

const createRoute_ = merchantRoute({
  method: 'post',
  path: '/api-keys',
  tags: ['API keys'],
  summary: 'Create an API key',
  description: 'A key creates keys of its own mode only: a test key can never mint a live key.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              mode: z.enum(['test', 'live']).optional().openapi({ description: "Defaults to the calling key's mode" }),
              name: z.string().max(100).optional(),
              require_signature: z
                .boolean()
                .default(false)
                .openapi({ description: 'Reject requests from this key without a valid X-Signature' }),
            })
            .strict()
            .openapi('CreateApiKeyRequest'),
        },
      },
    },
  },
  responses: {
    201: json(envelope(issuedKeySchema), 'The key and its signing secret, shown once'),
    ...commonErrors,
    403: errorResponse('Mode differs from the calling key'),
  },
})

const revokeRoute = merchantRoute({
  method: 'delete',
  path: '/api-keys/{id}',
  tags: ['API keys'],
  summary: 'Revoke an API key',
  description: 'Takes effect at once: the next request with the key gets 401.',
  request: { params: keyIdParam },
  responses: {
    200: json(envelope(apiKeySchema), 'The revoked key'),
    ...commonErrors,
    404: errorResponse('No such key'),
  },
})

export const apiKeysRouter = v1Router()
  .openapi(listRoute, async (c) => {
    const auth = c.get('auth')
    const rows = await listApiKeys(getDb(c.env.DB), auth.merchantId)
    return c.json(ok(c, rows.filter((k) => k.mode === auth.mode).map(toApiKeyView)), 200)
  })
  .openapi(createRoute_, async (c) => {
    const auth = c.get('auth')
    const body = c.req.valid('json')
    const mode = body.mode ?? auth.mode
    if (mode !== auth.mode) throw new ApiError('FORBIDDEN', `A ${auth.mode} key cannot create ${mode} keys`, 'mode')
    const issued = await issueApiKey(getDb(c.env.DB), auth.merchantId, mode, {
      name: body.name,
      requireSignature: body.require_signature,
    })
    return c.json(ok(c, toIssuedKeyView(issued)), 201)
  })
  .openapi(revokeRoute, async (c) => {
    const auth = c.get('auth')
    const db = getDb(c.env.DB)
    const { id } = c.req.valid('param')
    const existing = await findApiKey(db, auth.merchantId, id)
    if (!existing || existing.mode !== auth.mode) throw notFound('API key')
    const row = await revokeApiKey(db, auth.merchantId, id)
    // Already revoked: the key as it stays (DELETE is idempotent).
    return c.json(ok(c, toApiKeyView(row ?? existing)), 200)
  })
