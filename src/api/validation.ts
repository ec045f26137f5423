import { HTTPException } from 'hono/http-exception'
import type { ZodError } from 'zod'
import { ApiError, type ErrorCode } from '../errors'

const FIELD_CODES: Record<string, ErrorCode> = { amount: 'INVALID_AMOUNT', currency: 'INVALID_CURRENCY' }

/** Turns the first zod issue into an ApiError naming the field (dotted path, or the parameter). */
export function validationError(error: ZodError, target?: string): ApiError {
  const issue = error.issues[0]
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : target === 'json' ? 'body' : (target ?? 'body')
  const code = FIELD_CODES[field] ?? 'VALIDATION_ERROR'
  const message = issue ? describeIssue(field, issue) : 'Invalid request'
  return new ApiError(code, message, field)
}

function describeIssue(field: string, issue: ZodError['issues'][number]): string {
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) return `${field} is required`
  if (issue.code === 'unrecognized_keys') return `Unknown field(s): ${issue.keys.join(', ')}`
  return `${field}: ${issue.message}`
}

/** zod-openapi hook shared by every route: validation failures throw into the surface's renderer. */
export function validationHook(result: { success: boolean; error?: unknown; target: string }): void {
  if (!result.success) throw validationError(result.error as ZodError, result.target)
}

/** Maps framework exceptions (bad JSON, wrong media type) to ApiErrors; null for anything else. */
export function fromHttpException(err: unknown): ApiError | null {
  if (!(err instanceof HTTPException)) return null
  if (err.status === 400) return new ApiError('INVALID_JSON', 'Request body is not valid JSON', 'body')
  if (err.status === 413) return new ApiError('BODY_TOO_LARGE', err.message || 'Request body is too large', 'body')
  if (err.status === 415) return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json', 'Content-Type')
  return null
}
