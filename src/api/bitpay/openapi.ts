import type { OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { createInvoiceBody, createRefundBody, listInvoicesQuery, tokenRequestBody, updateInvoiceBody } from './schemas'

const bitpayError = z.object({ status: z.literal('error'), code: z.string().describe('6 digits: method (01 POST … 04 DELETE) + resource/error (seed 003)'), data: z.null(), error: z.string() })
const data = z.object({ data: z.unknown(), facade: z.string().optional() })
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } })
const responses = { 200: json(data, 'BitPay `{data}` envelope'), 400: json(bitpayError, 'Invalid or missing parameters'), 401: json(bitpayError, 'Bad or missing token or signature'), 404: json(bitpayError, 'Not found') }
const signed: Record<string, string[]>[] = [{ bitpayIdentity: [] }]
/** Signing is optional (`{}` = anonymous allowed): sessions may be unbound, pos tokens are used unsigned. */
const signedOrNot: Record<string, string[]>[] = [{}, { bitpayIdentity: [] }]
const idParam = (name: string) => z.object({ [name]: z.string() })

type Route = { method: 'get' | 'post' | 'put' | 'delete'; path: string; summary: string; description?: string; body?: z.ZodType; query?: z.ZodObject; params?: z.ZodObject; security?: typeof signed }

const ROUTES: Route[] = [
  { method: 'post', path: '/tokens', summary: 'Request a token for a SIN (pairing code), or claim a pairing code', body: tokenRequestBody },
  { method: 'get', path: '/tokens', summary: 'List the signing identity\'s tokens', security: signed },
  {
    method: 'post',
    path: '/sessions',
    summary: 'Open an API session (request numbers from 1)',
    description:
      'x-identity/x-signature are optional: a signed session is bound to that identity, an unsigned one is not. Later requests send `x-session-id` and `x-request-number` (or sessionId/requestNumber in the body or query): 1, 2, 3…. Resending the last number with the same method, URL, body and token (signed by the same identity, if it was signed) returns the cached response; anything else with that number, or any other number, is refused (409; 401 for another token or identity) and does not run. 15 minutes of inactivity end the session.',
    security: signedOrNot,
  },
  { method: 'post', path: '/invoices', summary: 'Create an invoice (merchant token signed, or pos token unsigned)', body: createInvoiceBody, security: signedOrNot },
  { method: 'get', path: '/invoices', summary: 'List invoices', query: listInvoicesQuery, security: signed },
  { method: 'get', path: '/invoices/{id}', summary: 'Get an invoice (merchant token signed, or pos token unsigned)', params: idParam('id'), security: signedOrNot },
  { method: 'get', path: '/invoices/guid/{guid}', summary: 'Get an invoice by guid (merchant token signed, or pos token unsigned)', params: idParam('guid'), security: signedOrNot },
  { method: 'put', path: '/invoices/{id}', summary: 'Update the buyer\'s email or phone', params: idParam('id'), body: updateInvoiceBody, security: signed },
  { method: 'put', path: '/invoices/pay/{id}', summary: 'Pay a test invoice (sandbox only)', params: idParam('id'), security: signed },
  { method: 'delete', path: '/invoices/{id}', summary: 'Cancel an invoice', params: idParam('id'), security: signed },
  { method: 'delete', path: '/invoices/guid/{guid}', summary: 'Cancel an invoice by guid', params: idParam('guid'), security: signed },
  { method: 'post', path: '/invoices/{id}/notifications', summary: 'Resend the last IPN (invoice token)', params: idParam('id') },
  { method: 'get', path: '/invoices/{id}/events', summary: 'Get the invoice event token', params: idParam('id'), security: signed },
  { method: 'post', path: '/refunds', summary: 'Request a refund of a paid invoice', body: createRefundBody, security: signed },
  { method: 'get', path: '/refunds', summary: 'List refunds of an invoice (?invoiceId=)', security: signed },
  { method: 'get', path: '/refunds/{id}', summary: 'Get a refund', params: idParam('id'), security: signed },
  { method: 'get', path: '/refunds/guid/{guid}', summary: 'Get a refund by guid', params: idParam('guid'), security: signed },
  { method: 'put', path: '/refunds/{id}', summary: 'Submit a preview refund (status: created)', params: idParam('id'), security: signed },
  { method: 'delete', path: '/refunds/{id}', summary: 'Cancel a refund', params: idParam('id'), security: signed },
  { method: 'post', path: '/refunds/{id}/notifications', summary: 'Resend the refund notification (refund token)', params: idParam('id') },
  { method: 'get', path: '/rates', summary: 'Rates of ETH in every fiat currency' },
  { method: 'get', path: '/rates/{base}', summary: 'Rates of a token in every fiat currency', params: idParam('base') },
  { method: 'get', path: '/rates/{base}/{currency}', summary: 'One rate', params: z.object({ base: z.string(), currency: z.string() }) },
  { method: 'get', path: '/currencies', summary: 'Supported currencies' },
  { method: 'get', path: '/supportedwallets', summary: 'Supported wallets' },
]

/** Adds the BitPay dialect to /openapi.json from the same zod schemas the handlers validate with. */
export function registerBitPayDocs(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bitpayIdentity', {
    type: 'apiKey',
    in: 'header',
    name: 'x-signature',
    description: 'Hex DER ECDSA over SHA-256(full URL + body) by the key in x-identity; the token goes in the body or ?token=',
  })
  for (const r of ROUTES) {
    app.openAPIRegistry.registerPath({
      method: r.method,
      path: r.path,
      tags: ['BitPay'],
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      ...(r.security ? { security: r.security } : {}),
      request: {
        ...(r.params ? { params: r.params } : {}),
        ...(r.query ? { query: r.query } : {}),
        ...(r.body ? { body: { content: { 'application/json': { schema: r.body } } } } : {}),
      },
      responses,
    })
  }
}
