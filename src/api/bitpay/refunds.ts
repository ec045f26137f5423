import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { missing } from '../../errors'
import { JsonDecimal } from '../../domain/exact-json'
import { findInvoice } from '../../services/bitpay-invoices'
import { cancelRefund, createRefund, findRefund, refundByOwnToken, refundsOfInvoice, updateRefundStatus, type BitPayRefundRow } from '../../services/bitpay-refunds'
import { rateLimit } from '../rate-limit'
import { bitpayAuth, bitpayBody, signerSin } from './auth'
import { sendJson } from './json'
import { parse } from './parse'
import { createRefundBody } from './schemas'

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

const auth = [bitpayAuth(['merchant']), rateLimit] as const
const statusBody = z.object({ token: z.string(), status: z.string() })

export const refundsRouter = new Hono<AppEnv>()
  .post('/refunds', ...auth, async (c) => {
    const body = parse(createRefundBody, await bitpayBody(c))
    const { payment } = await findInvoice(c.env, c.get('auth'), { id: body.invoiceId })
    const refund = await createRefund(c.env, c.get('auth'), payment, {
      amount: body.amount,
      currency: body.currency,
      preview: body.preview,
      immediate: body.immediate,
      buyerPaysRefundFee: body.buyerPaysRefundFee,
      reference: body.reference,
      guid: body.guid,
    })
    return sendJson(c, { data: refundView(refund) })
  })
  .get('/refunds', ...auth, async (c) => {
    const invoiceId = c.req.query('invoiceId')
    if (!invoiceId) throw missing('invoiceId')
    const { payment } = await findInvoice(c.env, c.get('auth'), { id: invoiceId })
    return sendJson(c, { data: (await refundsOfInvoice(c.env, c.get('auth'), payment.id)).map(refundView) })
  })
  .get('/refunds/guid/:guid', ...auth, async (c) => sendJson(c, { data: refundView(await findRefund(c.env, c.get('auth'), { guid: c.req.param('guid') })) }))
  .get('/refunds/:id', ...auth, async (c) => sendJson(c, { data: refundView(await findRefund(c.env, c.get('auth'), { id: c.req.param('id') })) }))
  .put('/refunds/guid/:guid', ...auth, async (c) => {
    const body = parse(statusBody, await bitpayBody(c))
    const refund = await findRefund(c.env, c.get('auth'), { guid: c.req.param('guid') })
    return sendJson(c, { data: refundView(await updateRefundStatus(c.env, refund, body.status)) })
  })
  .put('/refunds/:id', ...auth, async (c) => {
    const body = parse(statusBody, await bitpayBody(c))
    const refund = await findRefund(c.env, c.get('auth'), { id: c.req.param('id') })
    return sendJson(c, { data: refundView(await updateRefundStatus(c.env, refund, body.status)) })
  })
  .delete('/refunds/guid/:guid', ...auth, async (c) => {
    const refund = await findRefund(c.env, c.get('auth'), { guid: c.req.param('guid') })
    return sendJson(c, { data: refundView(await cancelRefund(c.env, refund)) })
  })
  .delete('/refunds/:id', ...auth, async (c) => {
    const refund = await findRefund(c.env, c.get('auth'), { id: c.req.param('id') })
    return sendJson(c, { data: refundView(await cancelRefund(c.env, refund)) })
  })
  .post('/refunds/:id/notifications', async (c) => {
    // Authorised by the refund's own token (handed out with the refund); a signature, if sent, must verify.
    const body = await bitpayBody(c)
    if (c.req.header('x-signature')) await signerSin(c)
    await refundByOwnToken(c.env, c.req.param('id'), body.token)
    return sendJson(c, { status: 'success', data: {} })
  })
