import type { OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { createInvoiceBody, createRefundBody, listInvoicesQuery, tokenRequestBody, updateInvoiceBody } from './schemas'
import { bitpayBillBody, bitpayBillsQuery } from './bills'
import { createSubscriptionBody, listSubscriptionsQuery, updateSubscriptionBody } from './subscriptions'

const bitpayError = z.object({ status: z.literal('error'), code: z.string().describe('6 digits: method (01 POST … 04 DELETE) + resource/error (seed 003)'), data: z.null(), error: z.string() })
const data = z.object({ data: z.unknown(), facade: z.string().optional() })
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } })
const responses = { 200: json(data, 'BitPay `{data}` envelope'), 400: json(bitpayError, 'Invalid or missing parameters'), 401: json(bitpayError, 'Bad or missing token or signature'), 404: json(bitpayError, 'Not found') }
const signed: Record<string, string[]>[] = [{ bitpayIdentity: [] }]
/** Signing is optional (`{}` = anonymous allowed): sessions may be unbound, pos tokens are used unsigned. */
const signedOrNot: Record<string, string[]>[] = [{}, { bitpayIdentity: [] }]
const idParam = (name: string) => z.object({ [name]: z.string() })

type Route = { method: 'get' | 'post' | 'put' | 'delete'; path: string; summary: string; description?: string; body?: z.ZodType; query?: z.ZodObject; params?: z.ZodObject; security?: typeof signed; response?: z.ZodType }

const billItem = z.object({ id: z.string(), description: z.string().optional(), price: z.number(), quantity: z.number().int() })
const bill = z.object({
  status: z.enum(['draft', 'sent', 'new', 'paid', 'complete']),
  url: z.string().describe('The hosted bill page /bill/{id}'),
  number: z.string().optional(),
  createdDate: z.string(),
  dueDate: z.string().optional(),
  currency: z.string(),
  email: z.string(),
  cc: z.array(z.string()),
  passProcessingFee: z.boolean(),
  emailBill: z.boolean(),
  id: z.string(),
  items: z.array(billItem),
  token: z.string().describe('Bill resource token: authorises PUT /bills/{id} and POST /bills/{id}/deliveries'),
  name: z.string().optional().describe('merchant facade only (also address1, address2, city, state, zip, country, phone)'),
  merchant: z.string().optional().describe('merchant facade only'),
})
const billEnvelope = z.object({ facade: z.enum(['merchant/bill', 'pos/bill']), data: bill })
const subscription = z.object({
  id: z.string(),
  status: z.enum(['draft', 'active', 'cancelled']),
  billData: bill.omit({ status: true, url: true, createdDate: true, id: true, token: true }).extend({ items: z.array(billItem.omit({ id: true })) }),
  schedule: z.string().describe('6-field cron (weekly → "0 0 0 * * 1")'),
  nextDelivery: z.string(),
  createdDate: z.string(),
  token: z.string().describe('Subscription resource token: authorises PUT /subscriptions/{id}'),
})
const subscriptionEnvelope = z.object({ facade: z.literal('merchant/subscription'), data: subscription })

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
  { method: 'post', path: '/bills', summary: 'Create a bill (merchant token signed, or pos token)', body: bitpayBillBody, security: signed, response: billEnvelope },
  { method: 'get', path: '/bills', summary: 'List bills (?status=draft|sent|new|paid|complete)', query: bitpayBillsQuery, security: signed, response: z.object({ facade: z.literal('merchant/bill'), data: z.array(bill) }) },
  { method: 'get', path: '/bills/{id}', summary: 'Get a bill (merchant or pos token)', params: idParam('id'), security: signed, response: billEnvelope },
  { method: 'put', path: '/bills/{id}', summary: 'Update a draft or sent bill (body token: the bill token)', params: idParam('id'), body: bitpayBillBody, security: signed, response: billEnvelope },
  { method: 'post', path: '/bills/{id}/deliveries', summary: 'Email the bill to its buyer (body token: the bill token)', params: idParam('id'), response: z.object({ data: z.literal('Success') }) },
  { method: 'post', path: '/subscriptions', summary: 'Create a subscription (bill data + schedule)', body: createSubscriptionBody, security: signed, response: subscriptionEnvelope },
  { method: 'get', path: '/subscriptions', summary: 'List subscriptions (?status=draft|active|cancelled)', query: listSubscriptionsQuery, security: signed, response: z.object({ facade: z.literal('merchant/subscription'), data: z.array(subscription) }) },
  { method: 'get', path: '/subscriptions/{id}', summary: 'Get a subscription', params: idParam('id'), security: signed, response: subscriptionEnvelope },
  { method: 'put', path: '/subscriptions/{id}', summary: 'Update status, schedule, nextDelivery or billData (body token: the subscription token)', params: idParam('id'), body: updateSubscriptionBody, security: signed, response: subscriptionEnvelope },
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
      responses: r.response ? { ...responses, 200: json(r.response, 'BitPay `{facade, data}` envelope') } : responses,
    })
  }
}
