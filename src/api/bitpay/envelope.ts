import type { Context } from 'hono'
import type { AppEnv } from '../../context'
import { bitpayErrorCode, type BitPayProblem, type BitPayResource } from '../../domain/bitpay'
import type { ApiError, ErrorCode } from '../../errors'

/** BitPay's success body: `{"data": …}`, with the facade where BitPay returns one. */
export function ok<T>(data: T, facade?: string) {
  return facade ? { facade, data } : { data }
}

function resourceOf(path: string): BitPayResource {
  if (path.startsWith('/invoices')) return 'invoice'
  if (path.startsWith('/refunds')) return 'refund'
  return 'generic'
}

function problemOf(code: ErrorCode, message: string, resource: BitPayResource): BitPayProblem {
  switch (code) {
    case 'NOT_FOUND':
      return 'not_found'
    case 'INVALID_STATE_TRANSITION':
      return 'invalid_state'
    case 'CONFLICT':
      return resource === 'refund' ? 'active_refund_exists' : 'invalid'
    case 'VALIDATION_ERROR':
    case 'INVALID_JSON':
    case 'INVALID_AMOUNT':
    case 'INVALID_CURRENCY':
    case 'UNSUPPORTED_CHAIN':
    case 'UNSUPPORTED_TOKEN':
    case 'BODY_TOO_LARGE':
    case 'UNSUPPORTED_MEDIA_TYPE':
      return /required|missing/i.test(message) ? 'missing' : 'invalid'
    default:
      return 'generic'
  }
}

/** Seed 003's error: `{"status":"error","code":"010207","data":null,"error":"…"}`. */
export function renderBitPayError(c: Context<AppEnv>, err: ApiError): Response {
  const resource = resourceOf(c.req.path)
  const code = bitpayErrorCode(c.req.method, resource, problemOf(err.code, err.message, resource))
  return c.json({ status: 'error', code, data: null, error: err.message }, err.status)
}
