import type { Context } from 'hono'
import type { AppEnv } from '../../context'
import { bitpayErrorCode, type BitPayResource } from '../../domain/bitpay'
import type { ApiError } from '../../errors'

/** BitPay's success body: `{"data": …}`, with the facade where BitPay returns one. */
export function ok<T>(data: T, facade?: string) {
  return facade ? { facade, data } : { data }
}

/** The resource a BitPay path serves: its root segment, as BITPAY_PREFIXES mounts them. */
const RESOURCE_BY_ROOT: Readonly<Record<string, BitPayResource>> = {
  invoices: 'invoice',
  refunds: 'refund',
  bills: 'bill',
  subscriptions: 'subscription',
  ledgers: 'ledger',
  settlements: 'settlement',
  tokens: 'token',
}

export function resourceOfPath(path: string): BitPayResource {
  const root = path.split('/')[1] ?? ''
  return Object.hasOwn(RESOURCE_BY_ROOT, root) ? (RESOURCE_BY_ROOT[root] ?? 'generic') : 'generic'
}

/**
 * Seed 003's error: `{"status":"error","code":"010207","data":null,"error":"…"}`. The code comes from
 * the method, the resource (the error's own, else the path's) and the error's reason via
 * BITPAY_ERROR_TABLE.
 */
export function renderBitPayError(c: Context<AppEnv>, err: ApiError): Response {
  const code = bitpayErrorCode(c.req.method, err.resource ?? resourceOfPath(c.req.path), err.reason)
  return c.json({ status: 'error', code, data: null, error: err.message }, err.status)
}
