import { Hono } from 'hono'
import type { AppEnv } from '../../context'
import { getDb } from '../../db/client'
import { ApiError } from '../../errors'
import { rateLimit } from '../rate-limit'
import { cancelInvoice, createInvoice, findInvoice, invoiceByOwnToken, listInvoices, updateInvoiceBuyer } from '../../services/bitpay-invoices'
import { paymentObject, unwrap } from '../../services/payments'
import { resendLatestEvent } from '../../services/webhook-events'
import { bitpayAuth, bitpayBody, signerSin } from './auth'
import { invoiceView, invoiceViews } from '../../services/bitpay-invoice-view'
import { sendJson } from './json'
import { parse } from './parse'
import { createInvoiceBody, listInvoicesQuery, updateInvoiceBody } from './schemas'
import { defaultOption } from '../../services/payment-option'
import { chainsFor } from '../../chain/registry'

const merchantOnly = [bitpayAuth(['merchant']), rateLimit] as const
const merchantOrPos = [bitpayAuth(['merchant', 'pos']), rateLimit] as const

export const invoicesRouter = new Hono<AppEnv>()
  .post('/invoices', ...merchantOrPos, async (c) => {
    const body = parse(createInvoiceBody, await bitpayBody(c))
    const { payment, invoice } = await createInvoice(c.env, c.get('auth'), {
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
    return sendJson(c, { facade: `${c.get('bitpay').facade}/invoice`, data: await invoiceView(c.env, c.req.url, payment, invoice) })
  })
  .get('/invoices', ...merchantOnly, async (c) => {
    // The official client sends unset filters as empty parameters (`status=`): treat them as absent.
    const query = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''))
    const q = parse(listInvoicesQuery, query, 'query')
    const rows = await listInvoices(c.env, c.get('auth'), {
      dateStart: q.dateStart ? new Date(q.dateStart).toISOString() : undefined,
      dateEnd: q.dateEnd ? new Date(q.dateEnd).toISOString() : undefined,
      status: q.status,
      orderId: q.orderId,
      limit: q.limit,
      offset: q.offset,
    })
    return sendJson(c, { data: await invoiceViews(c.env, c.req.url, rows) })
  })
  .get('/invoices/guid/:guid', ...merchantOrPos, async (c) => {
    const { payment, invoice } = await findInvoice(c.env, c.get('auth'), { guid: c.req.param('guid') })
    return sendJson(c, { facade: `${c.get('bitpay').facade}/invoice`, data: await invoiceView(c.env, c.req.url, payment, invoice) })
  })
  .get('/invoices/:id/events', ...merchantOnly, async (c) => {
    const { invoice } = await findInvoice(c.env, c.get('auth'), { id: c.req.param('id') })
    return sendJson(c, { data: { token: invoice.invoiceToken, events: ['payment', 'confirmation', 'paymentRejected'], actions: ['subscribe', 'unsubscribe'] } })
  })
  .get('/invoices/:id', ...merchantOrPos, async (c) => {
    const { payment, invoice } = await findInvoice(c.env, c.get('auth'), { id: c.req.param('id') })
    return sendJson(c, { facade: `${c.get('bitpay').facade}/invoice`, data: await invoiceView(c.env, c.req.url, payment, invoice) })
  })
  .put('/invoices/pay/:id', ...merchantOnly, async (c) => {
    // BitPay's test-only "pay invoice": settles a sandbox invoice through the simulate path.
    const auth = c.get('auth')
    if (auth.livemode) throw new ApiError('FORBIDDEN', 'Paying an invoice is only possible with test tokens')
    const { invoice } = await findInvoice(c.env, auth, { id: c.req.param('id') })
    const object = paymentObject(c.env, invoice.paymentId)
    let { payment } = await findInvoice(c.env, auth, { id: invoice.paymentId })
    if (payment.payAmount === null) {
      const option = await defaultOption(getDb(c.env.DB), chainsFor(c.env), payment)
      payment = unwrap(await object.select(option.chainId, option.token))
    }
    if (payment.payAmount === null) throw new ApiError('INVALID_STATE_TRANSITION', 'The invoice has no amount to pay yet', 'invoiceId')
    const paid = unwrap(await object.simulate({ received: payment.payAmount, confirmed: true }))
    return sendJson(c, { data: await invoiceView(c.env, c.req.url, paid, invoice) })
  })
  .put('/invoices/:id', ...merchantOnly, async (c) => {
    const body = parse(updateInvoiceBody, await bitpayBody(c))
    const { payment, invoice } = await findInvoice(c.env, c.get('auth'), { id: c.req.param('id') })
    const updated = await updateInvoiceBuyer(c.env, invoice, { buyerEmail: body.buyerEmail, buyerSms: body.buyerSms })
    return sendJson(c, { data: await invoiceView(c.env, c.req.url, payment, updated) })
  })
  .delete('/invoices/guid/:guid', ...merchantOnly, async (c) => {
    const { payment, invoice } = await findInvoice(c.env, c.get('auth'), { guid: c.req.param('guid') })
    return sendJson(c, { data: await invoiceView(c.env, c.req.url, await cancelInvoice(c.env, payment), invoice) })
  })
  .delete('/invoices/:id', ...merchantOnly, async (c) => {
    const { payment, invoice } = await findInvoice(c.env, c.get('auth'), { id: c.req.param('id') })
    return sendJson(c, { data: await invoiceView(c.env, c.req.url, await cancelInvoice(c.env, payment), invoice) })
  })
  .post('/invoices/:id/notifications', async (c) => {
    // Authorised by the invoice's own token (BitPay hands it out with the invoice).
    const body = await bitpayBody(c)
    if (c.req.header('x-signature')) await signerSin(c)
    const invoice = await invoiceByOwnToken(c.env, c.req.param('id'), body.token)
    await resendLatestEvent(c.env, invoice.paymentId)
    return sendJson(c, { status: 'success', data: {} })
  })
