import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ZodError } from 'zod'
import type { AppEnv } from '../../context'
import { ApiError, type ErrorCode } from '../../errors'

/** Where this surface is mounted; app.onError dispatches on it. */
export const LINKS_PREFIX = '/api/v1/payments/links'

/** Seed 002's error body: `{error, message, code, details?}` with `code` the HTTP status. */
export const linkErrorSchema = z
  .object({
    error: z.string().openapi({ example: 'invalid_request' }),
    message: z.string().openapi({ example: 'Validation failed' }),
    code: z.number().int().openapi({ example: 400 }),
    details: z
      .array(
        z.object({
          field: z.string().openapi({ example: 'order_amount' }),
          issue: z.string().openapi({ example: 'must be greater than 0' }),
        }),
      )
      .optional(),
  })
  .openapi('PaymentLinkError')

export interface ErrorDetail {
  field: string
  issue: string
}

/** 002 reports every broken rule of a request as 422 (v1 says 409 for state conflicts). */
const STATUS_OVERRIDES: Partial<Record<ErrorCode, 400 | 422>> = {
  INVALID_STATE_TRANSITION: 422,
  CONFLICT: 422,
  UNSUPPORTED_MEDIA_TYPE: 400,
}

const ERROR_NAMES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'unprocessable_entity',
  429: 'rate_limit_exceeded',
  500: 'internal_error',
  503: 'service_unavailable',
}

/** Renders an ApiError in seed 002's shape. */
export function renderLinksError(c: Context<AppEnv>, err: ApiError): Response {
  const status = STATUS_OVERRIDES[err.code] ?? err.status
  const body: z.infer<typeof linkErrorSchema> = {
    error: ERROR_NAMES[status] ?? 'error',
    message: err.message,
    code: status,
  }
  if (err.cause instanceof ZodError) {
    body.details = err.cause.issues.flatMap(toDetails)
  } else if (status === 400 && err.field) {
    body.details = [{ field: err.field, issue: err.message }]
  }
  return c.json(body, status)
}

function toDetails(issue: ZodError['issues'][number]): ErrorDetail[] {
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), issue: 'is not a recognized field' }))
  return [{ field: issue.path.length ? issue.path.join('.') : 'body', issue: describe(issue) }]
}

/** The issue as 002 words it: our schema messages as written, zod's generic ones rephrased. */
function describe(issue: ZodError['issues'][number]): string {
  if (issue.code !== 'invalid_type' || !issue.message.startsWith('Invalid input')) return issue.message
  return issue.message.includes('received undefined') ? 'is required' : `must be of type ${issue.expected}`
}

/**
 * zod-openapi hook for this surface. A body gets `Validation failed` with one detail per broken
 * field (002's create example); a path or query parameter gets one sentence naming it
 * ("payment_id must be a valid UUID", "page_size must be between 1 and 100").
 */
export function linksValidationHook(result: { success: boolean; error?: unknown; target: string }): void {
  if (result.success) return
  const error = result.error as ZodError
  if (result.target === 'json') {
    const err = new ApiError('VALIDATION_ERROR', 'Validation failed', String(error.issues[0]?.path[0] ?? 'body'))
    err.cause = error
    throw err
  }
  const issue = error.issues[0]
  const field = issue?.path.join('.') || result.target
  // No field: 002 answers parameter errors with the sentence alone, no details.
  throw new ApiError('VALIDATION_ERROR', issue ? `${field} ${describe(issue)}` : `Invalid ${result.target}`)
}
