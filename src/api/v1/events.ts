import { z } from '@hono/zod-openapi'
import { getDb, type EventRow } from '../../db/client'
import { WEBHOOK_EVENT_TYPES } from '../../domain/events'
import { getPayment } from '../../services/payments/payments'
import {
  eventDeliveries,
  getEvent,
  paymentEvents,
  resendEvent,
  type DeliveryWithAttempts,
} from '../../services/webhooks/events'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok } from './envelope'
import { paymentIdParam } from './payments.schemas'
import { merchantRoute, v1Router } from './router'

const attemptSchema = z.object({
  attempt: z.number().int(),
  status_code: z.number().int().nullable(),
  latency_ms: z.number().int(),
  error: z.string().nullable(),
  response_snippet: z.string().nullable(),
  created_at: z.string(),
})

export const deliverySchema = z
  .object({
    id: z.string(),
    event_id: z.string(),
    payment_id: z.string().nullable().openapi({ description: 'Null for payout and recipient events' }),
    target: z.string().openapi({ description: 'Endpoint id, or notification_url' }),
    url: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    delivered_at: z.string().nullable(),
    created_at: z.string(),
    attempt_log: z.array(attemptSchema),
  })
  .openapi('WebhookDelivery')

const eventSchema = z
  .object({
    id: z.string(),
    object: z.literal('event'),
    type: z.enum(WEBHOOK_EVENT_TYPES),
    payment_id: z.string().nullable().openapi({ description: 'Null for payout and recipient events' }),
    sequence: z.number().int(),
    livemode: z.boolean(),
    created_at: z.string(),
    deliveries: z.array(deliverySchema),
  })
  .openapi('Event')

export function toDeliveryView(d: DeliveryWithAttempts): z.infer<typeof deliverySchema> {
  return {
    id: d.id,
    event_id: d.eventId,
    payment_id: d.paymentId,
    target: d.target,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    delivered_at: d.deliveredAt,
    created_at: d.createdAt,
    attempt_log: d.attemptLog.map((a) => ({
      attempt: a.attempt,
      status_code: a.statusCode,
      latency_ms: a.latencyMs,
      error: a.error,
      response_snippet: a.responseSnippet,
      created_at: a.createdAt,
    })),
  }
}

function toEventView(e: EventRow, deliveries: DeliveryWithAttempts[]): z.infer<typeof eventSchema> {
  return {
    id: e.id,
    object: 'event',
    type: e.type,
    payment_id: e.paymentId,
    sequence: e.sequence,
    livemode: e.livemode,
    created_at: e.createdAt,
    deliveries: deliveries.map(toDeliveryView),
  }
}

const eventIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'evt_3f2a…' }),
})
const tags = ['Webhooks']

const paymentEventsRoute = merchantRoute({
  method: 'get',
  path: '/payments/{id}/events',
  tags,
  summary: "List a payment's events and their deliveries",
  request: { params: paymentIdParam },
  responses: {
    200: json(envelope(z.array(eventSchema)), 'Events in sequence order'),
    ...commonErrors,
    404: errorResponse('No such payment'),
  },
})
const getEventRoute = merchantRoute({
  method: 'get',
  path: '/events/{id}',
  tags,
  summary: 'Get an event and its deliveries',
  request: { params: eventIdParam },
  responses: { 200: json(envelope(eventSchema), 'The event'), ...commonErrors, 404: errorResponse('No such event') },
})
const resendRoute = merchantRoute({
  method: 'post',
  path: '/events/{id}/resend',
  tags,
  summary: 'Resend an event',
  description:
    'Queues the event again for every target it had (including failed and dead-lettered deliveries). Receivers dedupe by event id.',
  request: { params: eventIdParam },
  responses: {
    202: json(envelope(z.object({ event_id: z.string(), queued: z.number().int() })), 'Queued'),
    ...commonErrors,
    404: errorResponse('No such event'),
  },
})

export const eventsRouter = v1Router()
  .openapi(paymentEventsRoute, async (c) => {
    const db = getDb(c.env.DB)
    const payment = await getPayment(db, c.get('auth'), c.req.valid('param').id)
    const rows = await paymentEvents(db, payment.id)
    return c.json(
      ok(
        c,
        rows.map((r) => toEventView(r.event, r.deliveries)),
      ),
      200,
    )
  })
  .openapi(getEventRoute, async (c) => {
    const db = getDb(c.env.DB)
    const event = await getEvent(db, c.get('auth'), c.req.valid('param').id)
    return c.json(ok(c, toEventView(event, await eventDeliveries(db, [event.id]))), 200)
  })
  .openapi(resendRoute, async (c) => {
    const db = getDb(c.env.DB)
    const event = await getEvent(db, c.get('auth'), c.req.valid('param').id)
    const queued = await resendEvent(c.env, db, event)
    return c.json(ok(c, { event_id: event.id, queued }), 202)
  })
