import { z } from '@hono/zod-openapi'
import { chainsFor } from '../../chain/registry'
import { getDb } from '../../db/client'
import { ApiError } from '../../errors'
import { invoiceView, invoiceViews } from '../../services/bitpay/invoice-view'
import {
  cancelInvoice,
  createInvoice,
  findInvoice,
  invoiceByOwnToken,
  listInvoices,
  updateInvoiceBuyer,
} from '../../services/bitpay/invoices'
import { defaultOption } from '../../services/payments/payment-option'
import { paymentObject, unwrap } from '../../services/payments/payments'
import { resendLatestEvent } from '../../services/webhooks/events'
import { signerSin } from './auth'
import { bitpayRoute, bitpayRouter } from './route'
import { createInvoiceBody, invoiceSchema, listInvoicesQuery, updateInvoiceBody, idParam, guidParam } from './schemas'

const facaded = z.object({ facade: z.enum(['merchant/invoice', 'pos/invoice']), data: invoiceSchema })
const plain = z.object({ data: invoiceSchema })

export const invoicesRouter = bitpayRouter()
bitpayRoute(invoicesRouter, {
  method: 'post',
  path: '/invoices',
  summary: 'Create an invoice (merchant token signed, or pos token unsigned)',
  signing: 'token',
  facades: ['merchant', 'pos'],
  request: { body: createInvoiceBody },
  responses: { 200: facaded },
  handler: async (c, { auth, token, body }) => {
    const { payment, invoice } = await createInvoice(c.env, auth, {
      price: body.price,
      currency: body.currency,
      guid: body.guid ?? crypto.randomUUID(),
      orderId: body.orderId ?? undefined,
      itemDesc: body.itemDesc ?? undefined,
      itemCode: body.itemCode ?? undefined,
      posData: body.posData ?? undefined,
      notificationURL: body.notificationURL ?? undefined,
      notificationEmail: body.notificationEmail ?? undefined,
      redirectURL: body.redirectURL ?? undefined,
      closeURL: body.closeURL ?? undefined,
      transactionSpeed: body.transactionSpeed ?? 'medium',
      fullNotifications: body.fullNotifications ?? false,
      extendedNotifications: body.extendedNotifications ?? false,
      buyer: body.buyer ?? undefined,
      transactionCurrency: body.forcedBuyerSelectedTransactionCurrency ?? undefined,
    })
    return {
      facade: `${token.facade === 'pos' ? 'pos' : 'merchant'}/invoice` as const,
      data: await invoiceView(c.env, c.req.url, payment, invoice),
    }
  },
})
bitpayRoute(invoicesRouter, {
  method: 'get',
  path: '/invoices',
  summary: 'List invoices',
  signing: 'token',
  facades: ['merchant'],
  request: { query: listInvoicesQuery },
  responses: { 200: z.object({ data: z.array(invoiceSchema) }) },
  handler: async (c, { auth, query: q }) => {
    const rows = await listInvoices(c.env, auth, {
      dateStart: q.dateStart ? new Date(q.dateStart).toISOString() : undefined,
      dateEnd: q.dateEnd ? new Date(q.dateEnd).toISOString() : undefined,
      status: q.status,
      orderId: q.orderId,
      limit: q.limit,
      offset: q.offset,
    })
    return { data: await invoiceViews(c.env, c.req.url, rows) }
  },
})
bitpayRoute(invoicesRouter, {
  method: 'get',
  path: '/invoices/guid/{guid}',
  summary: 'Get an invoice by guid (merchant token signed, or pos token unsigned)',
  signing: 'token',
  facades: ['merchant', 'pos'],
  request: { params: guidParam },
  responses: { 200: facaded },
  handler: async (c, { auth, token, params }) => {
    const { payment, invoice } = await findInvoice(c.env, auth, { guid: params.guid })
    return {
      facade: `${token.facade === 'pos' ? 'pos' : 'merchant'}/invoice` as const,
      data: await invoiceView(c.env, c.req.url, payment, invoice),
    }
  },
})
bitpayRoute(invoicesRouter, {
  method: 'get',
  path: '/invoices/{id}/events',
  summary: 'Get the invoice event token',
  signing: 'token',
  facades: ['merchant'],
  request: { params: idParam },
  responses: {
    200: z.object({ data: z.object({ token: z.string(), events: z.array(z.string()), actions: z.array(z.string()) }) }),
  },
  handler: async (c, { auth, params }) => {
    const { invoice } = await findInvoice(c.env, auth, { id: params.id })
    return {
      data: {
        token: invoice.invoiceToken,
        events: ['payment', 'confirmation', 'paymentRejected'],
        actions: ['subscribe', 'unsubscribe'],
      },
    }
  },
})
bitpayRoute(invoicesRouter, {
  method: 'get',
  path: '/invoices/{id}',
  summary: 'Get an invoice (merchant token signed, or pos token unsigned)',
  signing: 'token',
  facades: ['merchant', 'pos'],
  request: { params: idParam },
  responses: { 200: facaded },
  handler: async (c, { auth, token, params }) => {
    const { payment, invoice } = await findInvoice(c.env, auth, { id: params.id })
    return {
      facade: `${token.facade === 'pos' ? 'pos' : 'merchant'}/invoice` as const,
      data: await invoiceView(c.env, c.req.url, payment, invoice),
    }
  },
})
bitpayRoute(invoicesRouter, {
  method: 'put',
  path: '/invoices/pay/{id}',
  summary: 'Pay a test invoice (sandbox only)',
  signing: 'token',
  facades: ['merchant'],
  request: { params: idParam },
  responses: { 200: plain },
  handler: async (c, { auth, params }) => {
    // BitPay's test-only "pay invoice": settles a sandbox invoice through the simulate path.
    if (auth.livemode) throw new ApiError('FORBIDDEN', 'Paying an invoice is only possible with test tokens')
    const { invoice } = await findInvoice(c.env, auth, { id: params.id })
    const object = paymentObject(c.env, invoice.paymentId)
    let { payment } = await findInvoice(c.env, auth, { id: invoice.paymentId })
    if (payment.payAmount === null) {
      const option = await defaultOption(getDb(c.env.DB), chainsFor(c.env), payment)
      payment = unwrap(await object.select(option.chainId, option.token))
    }
    const received = payment.payAmount
    if (received === null) throw new ApiError('CONFLICT', 'The invoice has no payable amount')
    const paid = unwrap(await object.simulate({ received, confirmed: true }))
    return { data: await invoiceView(c.env, c.req.url, paid, invoice) }
  },
})
bitpayRoute(invoicesRouter, {
  method: 'put',
  path: '/invoices/{id}',
  summary: "Update the buyer's email or phone",
  signing: 'token',
  facades: ['merchant'],
  request: { params: idParam, body: updateInvoiceBody },
  responses: { 200: plain },
  handler: async (c, { auth, params, body }) => {
    const { payment, invoice } = await findInvoice(c.env, auth, { id: params.id })
    const updated = await updateInvoiceBuyer(c.env, invoice, { buyerEmail: body.buyerEmail, buyerSms: body.buyerSms })
    return { data: await invoiceView(c.env, c.req.url, payment, updated) }
  },
})
bitpayRoute(invoicesRouter, {
  method: 'delete',
  path: '/invoices/guid/{guid}',
  summary: 'Cancel an invoice by guid',
  signing: 'token',
  facades: ['merchant'],
  request: { params: guidParam },
  responses: { 200: plain },
  handler: async (c, { auth, params }) => {
    const { payment, invoice } = await findInvoice(c.env, auth, { guid: params.guid })
    return { data: await invoiceView(c.env, c.req.url, await cancelInvoice(c.env, payment), invoice) }
  },
})
bitpayRoute(invoicesRouter, {
  method: 'delete',
  path: '/invoices/{id}',
  summary: 'Cancel an invoice',
  signing: 'token',
  facades: ['merchant'],
  request: { params: idParam },
  responses: { 200: plain },
  handler: async (c, { auth, params }) => {
    const { payment, invoice } = await findInvoice(c.env, auth, { id: params.id })
    return { data: await invoiceView(c.env, c.req.url, await cancelInvoice(c.env, payment), invoice) }
  },
})
bitpayRoute(invoicesRouter, {
  method: 'post',
  path: '/invoices/{id}/notifications',
  summary: 'Resend the last IPN (invoice token)',
  signing: 'resource-token',
  signed: false,
  // Authorised by the invoice's own token (BitPay hands it out with the invoice); a signature, if sent, must verify.
  authorize: async (c, token) => {
    if (c.req.header('x-signature')) await signerSin(c)
    return invoiceByOwnToken(c.env, c.req.param('id') ?? '', token)
  },
  request: { params: idParam },
  responses: { 200: z.object({ status: z.literal('success'), data: z.object({}) }) },
  handler: async (c, { resource }) => {
    await resendLatestEvent(c.env, resource.paymentId)
    return { status: 'success' as const, data: {} }
  },
})
