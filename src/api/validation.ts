import { HTTPException } from 'hono/http-exception'
import type { ZodError } from 'zod'
import { ApiError, type ErrorCode } from '../errors'

const FIELD_CODES: Record<string, ErrorCode> = { amount: 'INVALID_AMOUNT', currency: 'INVALID_CURRENCY' }

type Issue = ZodError['issues'][number]

/**
 * Turns the first zod issue into an ApiError naming the field (dotted path, or the parameter). The
 * reason is `missing` when the issue is a wrong type and the input has nothing at that path, else
 * `invalid`: read from the issue's code and the input, not from its message.
 */
export function validationError(error: ZodError, target?: string, input?: unknown): ApiError {
  const issue = error.issues[0]
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : target === 'json' ? 'body' : (target ?? 'body')
  const code = FIELD_CODES[field] ?? 'VALIDATION_ERROR'
  const absent = issue !== undefined && isMissing(issue, input)
  const message = issue ? describeIssue(field, issue, absent) : 'Invalid request'
  return new ApiError(code, message, field, { reason: absent ? 'missing' : 'invalid' })
}

/** A wrong-type issue whose path leads to nothing in the input (a required field left out). */
export function isMissing(issue: Issue, input: unknown): boolean {
  if (issue.code !== 'invalid_type' || issue.path.length === 0) return false
  let value: unknown = input
  for (const key of issue.path) {
    if (value === null || typeof value !== 'object') return value === undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value === undefined
}

function describeIssue(field: string, issue: Issue, absent: boolean): string {
  if (absent) return `${field} is required`
  if (issue.code === 'unrecognized_keys') return `Unknown field(s): ${issue.keys.join(', ')}`
  return `${field}: ${issue.message}`
}

/** zod-openapi hook shared by every route: validation failures throw into the surface's renderer. */
export function validationHook(result: { success: boolean; error?: unknown; target: string; data?: unknown }): void {
  if (!result.success) throw validationError(result.error as ZodError, result.target, result.data)
}

/** Maps framework exceptions (bad JSON, wrong media type) to ApiErrors; null for anything else. */
export function fromHttpException(err: unknown): ApiError | null {
  if (!(err instanceof HTTPException)) return null
  if (err.status === 400) return new ApiError('INVALID_JSON', 'Request body is not valid JSON', 'body')
  if (err.status === 413) return new ApiError('BODY_TOO_LARGE', err.message || 'Request body is too large', 'body')
  if (err.status === 415)
    return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json', 'Content-Type')
  return null
}
