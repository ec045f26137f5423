import { getDb } from '../../db/client'
import { ApiError } from '../../errors'
import { getPayment, simulatePayment } from '../../services/payments/payments'
import { publicOrigin } from '../../config'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok } from './envelope'
import { paymentIdParam, paymentSchema, simulateBody, toPaymentView } from './payments.schemas'
import { merchantRoute, v1Router } from './router'

const simulateRoute = merchantRoute({
  method: 'post',
  path: '/sandbox/payments/{id}/simulate',
  tags: ['Sandbox'],
  summary: 'Simulate funds arriving for a test payment',
  description:
    'Test keys only. Records a simulated transfer so that the payment holds `amount` in total (default: the full pay_amount) and applies it through the same state machine as the chain watcher: full → completed, partial → processing/underpaid, over → completed/overpaid; `confirmed: false` stops at processing.',
  request: {
    params: paymentIdParam,
    body: { required: true, content: { 'application/json': { schema: simulateBody } } },
  },
  responses: {
    200: json(envelope(paymentSchema), 'The payment after the simulated funds'),
    ...commonErrors,
    403: errorResponse('Called with a live key'),
    404: errorResponse('No such payment'),
    409: errorResponse('The payment cannot take funds in its state'),
  },
})

export const sandboxRouter = v1Router().openapi(simulateRoute, async (c) => {
  const auth = c.get('auth')
  if (auth.livemode) throw new ApiError('FORBIDDEN', 'Simulation is only available with test keys', 'Authorization')
  const body = c.req.valid('json')
  const payment = await getPayment(getDb(c.env.DB), auth, c.req.valid('param').id)
  const result = await simulatePayment(c.env, payment, {
    chainId: body.chain_id,
    token: body.token,
    amount: body.amount,
    confirmed: body.confirmed,
  })
  return c.json(ok(c, toPaymentView(result, publicOrigin(c.env, c.req.url))), 200)
})
