import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv } from '../../context'
import type { ApiError } from '../../errors'
import { ERROR_CODES } from '../../errors'

const meta = z
  .object({
    requestId: z.string().openapi({ example: 'req_4f1c2b9a0d3e4f5a6b7c8d9e' }),
    timestamp: z.string().openapi({ example: '2024-01-15T10:30:00.000Z' }),
  })
  .openapi('Meta')

const pagination = z
  .object({
    page: z.number().int(),
    limit: z.number().int(),
    total: z.number().int(),
    total_pages: z.number().int(),
    has_more: z.boolean(),
  })
  .openapi('Pagination')

/** `{success: true, data, meta}` around a schema (seed 000). */
export function envelope<T extends z.ZodType>(data: T) {
  return z.object({ success: z.literal(true), data, meta })
}

/** The list envelope: `data` is an array, `meta.pagination` says where it sits. */
export function listEnvelope<T extends z.ZodType>(item: T) {
  return z.object({ success: z.literal(true), data: z.array(item), meta: meta.extend({ pagination }) })
}

export const errorSchema = z
  .object({
    success: z.literal(false),
    error: z.object({
      code: ERROR_CODES,
      message: z.string(),
      field: z.string().optional().openapi({ description: 'The request field, header or parameter that was wrong' }),
    }),
    meta,
  })
  .openapi('Error')

export type Pagination = z.infer<typeof pagination>

/** What the envelope reads from a request's context: its id (any route's env, guarded or not). */
type RequestIds = Pick<Context<AppEnv>, 'get'>

function metaOf(c: RequestIds) {
  return { requestId: c.get('requestId'), timestamp: new Date().toISOString() }
}

/** The success envelope. */
export function ok<T>(c: RequestIds, data: T) {
  return { success: true as const, data, meta: metaOf(c) }
}

export function okList<T>(c: RequestIds, data: T[], page: Pagination) {
  return { success: true as const, data, meta: { ...metaOf(c), pagination: page } }
}

/** Renders an ApiError in the 000 shape. */
export function renderV1Error(c: Context<AppEnv>, err: ApiError): Response {
  const body = {
    success: false,
    error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) },
    meta: metaOf(c),
  }
  return c.json(body, err.status)
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorSchema } },
})

/** Error responses every authenticated v1 route can give. */
export const commonErrors = {
  400: errorResponse('Invalid request: the field is named in error.field'),
  401: errorResponse('Missing, invalid or revoked API key, or a bad request signature'),
  429: errorResponse('Rate limit exceeded; see Retry-After'),
} as const

export { errorResponse }

/** A JSON response entry for a route definition. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})
