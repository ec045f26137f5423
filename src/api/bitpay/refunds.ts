import { z } from '@hono/zod-openapi'
import { JsonDecimal } from '../../domain/exact-json'
import { findInvoice } from '../../services/bitpay/invoices'
import {
  cancelRefund,
  createRefund,
  findRefund,
  refundByOwnToken,
  refundsOfInvoice,
  updateRefundStatus,
  type BitPayRefundRow,
} from '../../services/bitpay/refunds'
import { signerSin } from './auth'
import { bitpayRoute, bitpayRouter } from './route'
import { createRefundBody, idParam, guidParam } from './schemas'

/** BitPay's refund object. */
function refundView(r: BitPayRefundRow) {
  return {
    id: r.id,
    guid: r.guid,
    invoice: r.paymentId,
    amount: new JsonDecimal(r.amount),
    currency: r.currency,
    status: r.status,
    requestDate: r.createdAt,
    lastRefundNotification: r.updatedAt,
    reference: r.reference,
    immediate: r.immediate,
    buyerPaysRefundFee: r.buyerPaysRefundFee,
    refundFee: 0,
    transactionRefundFee: 0,
    token: r.refundToken,
  }
}

const statusBody = z.object({ token: z.string(), status: z.string() })

const refundSchema = z
  .object({
    id: z.string(),
    guid: z.string(),
    invoice: z.string(),
    amount: z.number().openapi({ description: 'Exact decimal, in the invoice currency' }),
    currency: z.string(),
    status: z.enum(['preview', 'created', 'pending', 'canceled', 'success', 'failure']),
    requestDate: z.string(),
    lastRefundNotification: z.string(),
    reference: z.string().nullable(),
    immediate: z.boolean(),
    buyerPaysRefundFee: z.boolean(),
    refundFee: z.number(),
    transactionRefundFee: z.number(),
    token: z.string().openapi({ description: 'Refund token: authorises POST /refunds/{id}/notifications' }),
  })
  .openapi('BitPayRefund')
const one = z.object({ data: refundSchema })

export const refundsRouter = bitpayRouter()
bitpayRoute(refundsRouter, {
  method: 'post',
  path: '/refunds',
  summary: 'Request a refund of a paid invoice',
  signing: 'token',
  facades: ['merchant'],
  request: { body: createRefundBody },
  responses: { 200: one },
  handler: async (c, { auth, body }) => {
    const { payment } = await findInvoice(c.env, auth, { id: body.invoiceId })
    const refund = await createRefund(c.env, auth, payment, {
      amount: body.amount,
      currency: body.currency,
      preview: body.preview,
      immediate: body.immediate,
      buyerPaysRefundFee: body.buyerPaysRefundFee,
      reference: body.reference,
      guid: body.guid,
    })
    return { data: refundView(refund) }
  },
})
bitpayRoute(refundsRouter, {
  method: 'get',
  path: '/refunds',
  summary: 'List refunds of an invoice',
  signing: 'token',
  facades: ['merchant'],
  request: { query: z.object({ token: z.string(), invoiceId: z.string() }) },
  responses: { 200: z.object({ data: z.array(refundSchema) }) },
  handler: async (c, { auth, query }) => {
    const { payment } = await findInvoice(c.env, auth, { id: query.invoiceId })
    return { data: (await refundsOfInvoice(c.env, auth, payment.id)).map(refundView) }
  },
})
bitpayRoute(refundsRouter, {
  method: 'get',
  path: '/refunds/guid/{guid}',
  summary: 'Get a refund by guid',
  signing: 'token',
  facades: ['merchant'],
  request: { params: guidParam },
  responses: { 200: one },
  handler: async (c, { auth, params }) => ({ data: refundView(await findRefund(c.env, auth, { guid: params.guid })) }),
})
bitpayRoute(refundsRouter, {
  method: 'get',
  path: '/refunds/{id}',
  summary: 'Get a refund',
  signing: 'token',
  facades: ['merchant'],
  request: { params: idParam },
  responses: { 200: one },
  handler: async (c, { auth, params }) => ({ data: refundView(await findRefund(c.env, auth, { id: params.id })) }),
})
bitpayRoute(refundsRouter, {
  method: 'put',
  path: '/refunds/guid/{guid}',
  summary: 'Submit a preview refund by guid (status: created)',
  signing: 'token',
  facades: ['merchant'],
  request: { params: guidParam, body: statusBody },
  responses: { 200: one },
  handler: async (c, { auth, params, body }) => {
    const refund = await findRefund(c.env, auth, { guid: params.guid })
    return { data: refundView(await updateRefundStatus(c.env, refund, body.status)) }
  },
})
bitpayRoute(refundsRouter, {
  method: 'put',
  path: '/refunds/{id}',
  summary: 'Submit a preview refund (status: created)',
  signing: 'token',
  facades: ['merchant'],
  request: { params: idParam, body: statusBody },
  responses: { 200: one },
  handler: async (c, { auth, params, body }) => {
    const refund = await findRefund(c.env, auth, { id: params.id })
    return { data: refundView(await updateRefundStatus(c.env, refund, body.status)) }
  },
})
bitpayRoute(refundsRouter, {
  method: 'delete',
  path: '/refunds/guid/{guid}',
  summary: 'Cancel a refund by guid',
  signing: 'token',
  facades: ['merchant'],
  request: { params: guidParam },
  responses: { 200: one },
  handler: async (c, { auth, params }) => ({
    data: refundView(await cancelRefund(c.env, await findRefund(c.env, auth, { guid: params.guid }))),
  }),
})
bitpayRoute(refundsRouter, {
  method: 'delete',
  path: '/refunds/{id}',
  summary: 'Cancel a refund',
  signing: 'token',
  facades: ['merchant'],
  request: { params: idParam },
  responses: { 200: one },
  handler: async (c, { auth, params }) => ({
    data: refundView(await cancelRefund(c.env, await findRefund(c.env, auth, { id: params.id }))),
  }),
})
bitpayRoute(refundsRouter, {
  method: 'post',
  path: '/refunds/{id}/notifications',
  summary: 'Resend the refund notification (refund token)',
  signing: 'resource-token',
  signed: false,
  // Authorised by the refund's own token (handed out with the refund); a signature, if sent, must verify.
  authorize: async (c, token) => {
    if (c.req.header('x-signature')) await signerSin(c)
    return refundByOwnToken(c.env, c.req.param('id') ?? '', token)
  },
  request: { params: idParam },
  responses: { 200: z.object({ status: z.literal('success'), data: z.object({}) }) },
  handler: () => ({ status: 'success' as const, data: {} }),
})
