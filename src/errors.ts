import { z } from 'zod'

export const ERROR_CODES = z.enum([
  'VALIDATION_ERROR',
  'INVALID_JSON',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INVALID_AMOUNT',
  'INVALID_CURRENCY',
  'UNSUPPORTED_CHAIN',
  'UNSUPPORTED_TOKEN',
  'WALLET_REQUIRED',
  'UNAUTHORIZED',
  'INVALID_SIGNATURE',
  'SIGNATURE_REPLAYED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'INVALID_STATE_TRANSITION',
  'IDEMPOTENCY_CONFLICT',
  'IDEMPOTENCY_IN_PROGRESS',
  'LIMIT_EXCEEDED',
  'RATE_LIMITED',
  'RATE_UNAVAILABLE',
  'CHAIN_UNAVAILABLE',
  'INTERNAL_ERROR',
])
export type ErrorCode = z.infer<typeof ERROR_CODES>

/** HTTP status for each error code. */
export function codeToStatus(code: ErrorCode): 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 503 {
  switch (code) {
    case 'VALIDATION_ERROR':
    case 'INVALID_JSON':
    case 'INVALID_AMOUNT':
    case 'INVALID_CURRENCY':
    case 'UNSUPPORTED_CHAIN':
    case 'UNSUPPORTED_TOKEN':
      return 400
    case 'BODY_TOO_LARGE':
      return 413
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415
    case 'UNAUTHORIZED':
    case 'INVALID_SIGNATURE':
    case 'SIGNATURE_REPLAYED':
      return 401
    case 'FORBIDDEN':
      return 403
    case 'NOT_FOUND':
      return 404
    case 'METHOD_NOT_ALLOWED':
      return 405
    case 'CONFLICT':
    case 'INVALID_STATE_TRANSITION':
    case 'IDEMPOTENCY_IN_PROGRESS':
      return 409
    case 'WALLET_REQUIRED':
    case 'IDEMPOTENCY_CONFLICT':
    case 'LIMIT_EXCEEDED':
      return 422
    case 'RATE_LIMITED':
      return 429
    case 'RATE_UNAVAILABLE':
    case 'CHAIN_UNAVAILABLE':
      return 503
    case 'INTERNAL_ERROR':
      return 500
  }
}

/**
 * What went wrong, as structure: a required input absent, an input present but wrong, a resource not
 * found, a state that forbids the step, a conflict with another resource, or anything else. Surfaces
 * derive their own codes from it (BitPay's 6 digits), never from the message text.
 */
export type ErrorReason = 'missing' | 'invalid' | 'not_found' | 'state' | 'conflict' | 'other'

/** The resource an error concerns, where the thrower knows it better than the request path. */
export type ErrorResource =
  | 'invoice'
  | 'refund'
  | 'bill'
  | 'subscription'
  | 'ledger'
  | 'settlement'
  | 'token'
  | 'generic'

/** The reason an error code implies when the thrower names none. */
export function defaultReason(code: ErrorCode): ErrorReason {
  switch (code) {
    case 'NOT_FOUND':
      return 'not_found'
    case 'INVALID_STATE_TRANSITION':
      return 'state'
    case 'CONFLICT':
      return 'conflict'
    case 'VALIDATION_ERROR':
    case 'INVALID_JSON':
    case 'INVALID_AMOUNT':
    case 'INVALID_CURRENCY':
    case 'UNSUPPORTED_CHAIN':
    case 'UNSUPPORTED_TOKEN':
    case 'BODY_TOO_LARGE':
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 'invalid'
    default:
      return 'other'
  }
}

/** The one error type: thrown anywhere, rendered by each surface in its own shape. */
export class ApiError extends Error {
  readonly status: ReturnType<typeof codeToStatus>
  readonly reason: ErrorReason
  readonly resource?: ErrorResource
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    detail: { reason?: ErrorReason; resource?: ErrorResource } = {},
  ) {
    super(message)
    this.status = codeToStatus(code)
    this.reason = detail.reason ?? defaultReason(code)
    if (detail.resource) this.resource = detail.resource
  }
}

export const notFound = (what: string, resource?: ErrorResource) =>
  new ApiError('NOT_FOUND', `${what} not found`, undefined, { reason: 'not_found', resource })

/** A required input that is absent: `reason: 'missing'`. */
export const missing = (field: string, message = `${field} is required`) =>
  new ApiError('VALIDATION_ERROR', message, field, { reason: 'missing' })
