import { publicOrigin } from '../../config'
import { getDb } from '../../db/client'
import { createPayment, getPayment, listPayments, paymentObject, unwrap } from '../../services/payments/payments'
import { commonErrors, envelope, errorResponse, jsonResponse as json, listEnvelope, ok, okList } from './envelope'
import { createPaymentBody, listPaymentsQuery, paymentIdParam, paymentSchema, toPaymentView } from './payments.schemas'
import { merchantRoute, v1Router } from './router'

export const createPaymentRoute = merchantRoute({
  method: 'post',
  path: '/payments',
  tags: ['Payments'],
  summary: 'Create a payment',
  description:
    'Prices the order (locking the crypto amount until expiry when chain_id and token are given) and returns the payment with its hosted_url.',
  request: { body: { required: true, content: { 'application/json': { schema: createPaymentBody } } } },
  responses: {
    201: json(envelope(paymentSchema), 'The payment'),
    ...commonErrors,
    409: errorResponse('Idempotency-Key in use by a request still running'),
    422: errorResponse('No wallet for the chain, or Idempotency-Key reused with another body'),
  },
})

export const listPaymentsRoute = merchantRoute({
  method: 'get',
  path: '/payments',
  tags: ['Payments'],
  summary: 'List payments',
  description: "Newest first, for the key's merchant and mode (test keys see test payments only).",
  request: { query: listPaymentsQuery },
  responses: { 200: json(listEnvelope(paymentSchema), 'A page of payments'), ...commonErrors },
})

export const getPaymentRoute = merchantRoute({
  method: 'get',
  path: '/payments/{id}',
  tags: ['Payments'],
  summary: 'Get a payment',
  request: { params: paymentIdParam },
  responses: {
    200: json(envelope(paymentSchema), 'The payment'),
    ...commonErrors,
    404: errorResponse('No such payment for this merchant'),
  },
})

export const cancelPaymentRoute = merchantRoute({
  method: 'post',
  path: '/payments/{id}/cancel',
  tags: ['Payments'],
  summary: 'Cancel a payment',
  description: 'Only a pending payment that has received nothing can be cancelled.',
  request: { params: paymentIdParam },
  responses: {
    200: json(envelope(paymentSchema), 'The cancelled payment'),
    ...commonErrors,
    404: errorResponse('No such payment for this merchant'),
    409: errorResponse('The payment can no longer be cancelled (INVALID_STATE_TRANSITION)'),
  },
})

export const paymentsRouter = v1Router()
  .openapi(createPaymentRoute, async (c) => {
    const body = c.req.valid('json')
    const payment = await createPayment(c.env, c.get('auth'), {
      amount: body.amount,
      currency: body.currency,
      chainId: body.chain_id,
      token: body.token,
      transactionSpeed: body.transaction_speed,
      description: body.description,
      orderId: body.order_id,
      metadata: body.metadata,
      expiresIn: body.expires_in,
      successUrl: body.success_url,
      cancelUrl: body.cancel_url,
      notificationUrl: body.notification_url,
    })
    return c.json(ok(c, toPaymentView(payment, publicOrigin(c.env, c.req.url))), 201)
  })
  .openapi(listPaymentsRoute, async (c) => {
    const q = c.req.valid('query')
    const { rows, total } = await listPayments(getDb(c.env.DB), c.get('auth'), q)
    const origin = publicOrigin(c.env, c.req.url)
    const totalPages = Math.ceil(total / q.limit)
    return c.json(
      okList(
        c,
        rows.map((p) => toPaymentView(p, origin)),
        { page: q.page, limit: q.limit, total, total_pages: totalPages, has_more: q.page < totalPages },
      ),
      200,
    )
  })
  .openapi(getPaymentRoute, async (c) => {
    const payment = await getPayment(getDb(c.env.DB), c.get('auth'), c.req.valid('param').id)
    return c.json(ok(c, toPaymentView(payment, publicOrigin(c.env, c.req.url))), 200)
  })
  .openapi(cancelPaymentRoute, async (c) => {
    const { id } = c.req.valid('param')
    await getPayment(getDb(c.env.DB), c.get('auth'), id)
    const payment = unwrap(await paymentObject(c.env, id).cancel())
    return c.json(ok(c, toPaymentView(payment, publicOrigin(c.env, c.req.url))), 200)
  })
