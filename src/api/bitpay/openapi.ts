import type { OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { createInvoiceBody, createRefundBody, listInvoicesQuery, tokenRequestBody, updateInvoiceBody } from './schemas'
import { bitpayBillBody, bitpayBillsQuery } from './bills'
import { createSubscriptionBody, listSubscriptionsQuery, updateSubscriptionBody } from './subscriptions'
import { ledgerEntriesQuery } from './ledgers'
import { listSettlementsQuery } from './settlements'
import { linkSinBody } from './tokens'

const bitpayError = z.object({ status: z.literal('error'), code: z.string().describe('6 digits: method (01 POST … 04 DELETE) + resource/error (seed 003)'), data: z.null(), error: z.string() })
const data = z.object({ data: z.unknown(), facade: z.string().optional() })
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } })
const responses = { 200: json(data, 'BitPay `{data}` envelope'), 400: json(bitpayError, 'Invalid or missing parameters'), 401: json(bitpayError, 'Bad or missing token or signature'), 404: json(bitpayError, 'Not found') }
const signed: Record<string, string[]>[] = [{ bitpayIdentity: [] }]
/** Signing is optional (`{}` = anonymous allowed): sessions may be unbound, pos tokens are used unsigned. */
const signedOrNot: Record<string, string[]>[] = [{}, { bitpayIdentity: [] }]
const idParam = (name: string) => z.object({ [name]: z.string() })

type Route = {
  method: 'get' | 'post' | 'put' | 'delete'
  path: string
  summary: string
  description?: string
  body?: z.ZodType
  query?: z.ZodObject
  params?: z.ZodObject
  security?: typeof signed
  /** The 200 body, where it is documented (else the generic `{data}` envelope). */
  response?: z.ZodType
}

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

const num = (description: string) => z.number().describe(description)
const ledger = z.object({ currency: z.string().describe('A currency held (pay token), e.g. ETH'), balance: num('Decimal balance: the sum of the entries') })
const buyerFields = z.object({
  buyerName: z.string().optional(),
  buyerAddress1: z.string().optional(),
  buyerAddress2: z.string().optional(),
  buyerCity: z.string().optional(),
  buyerState: z.string().optional(),
  buyerZip: z.string().optional(),
  buyerCountry: z.string().optional(),
  buyerPhone: z.string().optional(),
  buyerNotify: z.boolean(),
  buyerEmail: z.string().optional(),
})
const ledgerEntry = z.object({
  type: z.string().describe('Entry name: Invoice, Invoice Fee, Invoice Refund, Account Settlement, …'),
  amount: z.number().int().describe('Integer amount; the decimal is amount / scale'),
  code: z.number().int().describe('1000 invoice, 1017 settlement, 1020 refund, 1022 corrective, 1023 invoice fee, 1034 payout, 1040 payout fee'),
  description: z.string(),
  timestamp: z.string().describe('ISO 8601 UTC'),
  txType: z.string().describe('Deprecated: sale, Invoice Fee, Invoice Refund, …'),
  scale: z.number().int().describe('10^8, or 10^18 when 10^8 would not be exact'),
  currency: z.string(),
  id: z.string(),
  invoiceId: z.string().optional(),
  invoiceAmount: z.number().optional().describe('Invoice price'),
  invoiceCurrency: z.string().optional(),
  transactionCurrency: z.string().optional().describe('The currency paid'),
  buyerFields: buyerFields.optional(),
  supportRequest: z.string().optional().describe('The refund id (code 1020)'),
})
const withholding = z.object({ amount: z.number(), code: z.string().describe('W005: pending refunds'), description: z.string() })
const settlement = z.object({
  id: z.string(),
  accountId: z.string(),
  currency: z.string(),
  status: z.enum(['new', 'processing', 'completed', 'rejected']),
  dateCreated: z.string(),
  dateExecuted: z.string(),
  openingDate: z.string(),
  closingDate: z.string(),
  openingBalance: z.number(),
  ledgerEntriesSum: z.number(),
  withholdings: z.array(withholding),
  withholdingsSum: z.number(),
  totalAmount: z.number().describe('openingBalance + ledgerEntriesSum − withholdingsSum'),
  token: z.string().describe('Resource token for the reconciliation report'),
})
const reconciliationEntry = z.object({
  code: z.number().int(),
  description: z.string().optional(),
  timestamp: z.string(),
  amount: z.number().describe('Decimal (not scaled)'),
  invoiceId: z.string().optional(),
  invoiceData: z
    .object({ orderId: z.string(), date: z.string(), price: z.number(), currency: z.string(), transactionCurrency: z.string().nullable(), payoutPercentage: z.record(z.string(), z.number()) })
    .optional(),
})
const facaded = (schema: z.ZodType) => z.object({ facade: z.string(), data: schema })
const sins = z.object({ data: z.object({ sins: z.array(z.string()).describe('The SINs linked to the token; each one\'s key can use it') }) })
const tokenParam = z.object({ token: z.string() })

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
  { method: 'get', path: '/tokens/{token}/sins', summary: 'List the SINs linked to a token (signed by one of them)', params: tokenParam, security: signed, response: sins },
  { method: 'post', path: '/tokens/{token}/sins', summary: 'Link another SIN (key pair) to a token', params: tokenParam, body: linkSinBody, security: signed, response: sins },
  {
    method: 'delete',
    path: '/tokens/{token}/sins/{sin}',
    summary: 'Unlink a SIN, signed by a SIN that stays (a token keeps at least one)',
    params: z.object({ token: z.string(), sin: z.string() }),
    security: signed,
    response: z.object({ data: z.object({ success: z.literal(true) }) }),
  },
  { method: 'get', path: '/ledgers', summary: 'Balance per currency held (merchant token)', security: signed, response: facaded(z.array(ledger)) },
  {
    method: 'get',
    path: '/ledgers/{currency}',
    summary: 'Ledger entries of a currency (startDate/endDate YYYY-MM-DD, optional: default the last 30 days)',
    params: idParam('currency'),
    query: ledgerEntriesQuery,
    security: signed,
    response: facaded(z.array(ledgerEntry)),
  },
  { method: 'get', path: '/settlements', summary: 'List settlements (startDate/endDate or dateStart/dateEnd, currency, status, limit, offset)', query: listSettlementsQuery, security: signed, response: facaded(z.array(settlement)) },
  { method: 'get', path: '/settlements/{id}', summary: 'Get a settlement', params: idParam('id'), security: signed, response: facaded(settlement) },
  {
    method: 'get',
    path: '/settlements/{id}/reconciliationReport',
    summary: 'Reconciliation report: the settlement and its entries (?token=<settlement token>, signed by a key of the merchant)',
    params: idParam('id'),
    security: signed,
    response: facaded(settlement.extend({ ledgerEntries: z.array(reconciliationEntry) })),
  },
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
