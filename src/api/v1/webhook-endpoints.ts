import { z } from '@hono/zod-openapi'
import { getDb } from '../../db/client'
import { WEBHOOK_EVENT_TYPES } from '../../domain/events'
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  updateEndpoint,
  type WebhookEndpointRow,
} from '../../services/webhooks/endpoints'
import { listEndpointDeliveries } from '../../services/webhooks/events'
import { sendTestEvent } from '../../webhooks/test-event'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok } from './envelope'
import { deliverySchema, toDeliveryView } from './events'
import { merchantRoute, v1Router } from './router'
import { resourceIdParam } from '../schemas'

const eventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .openapi({ description: 'Event types to receive; omit (or null on update) for all' })
const url = z.string().max(2048).openapi({ example: 'https://shop.example/webhooks/bitxpay' })

const endpointSchema = z
  .object({
    id: z.string(),
    object: z.literal('webhook_endpoint'),
    livemode: z.boolean(),
    url: z.string(),
    description: z.string().nullable(),
    enabled_events: z.array(z.string()).nullable(),
    status: z.enum(['enabled', 'disabled']),
    disabled_reason: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('WebhookEndpoint')

const endpointWithSecret = endpointSchema
  .extend({
    secret: z
      .string()
      .openapi({ description: 'Standard Webhooks secret (whsec_…) for webhook-signature. Shown once.' }),
  })
  .openapi('WebhookEndpointWithSecret')

function toView(e: WebhookEndpointRow): z.infer<typeof endpointSchema> {
  return {
    id: e.id,
    object: 'webhook_endpoint',
    livemode: e.livemode,
    url: e.url,
    description: e.description,
    enabled_events: e.enabledEvents ? (JSON.parse(e.enabledEvents) as string[]) : null,
    status: e.status,
    disabled_reason: e.disabledReason,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
  }
}

const idParam = resourceIdParam('we_1a2b3c4d5e6f7a8b9c0d1e2f')
const notFoundResponse = { 404: errorResponse('No such endpoint for this merchant and mode') }
const tags = ['Webhooks']

const createRoute_ = merchantRoute({
  method: 'post',
  path: '/webhook-endpoints',
  tags,
  summary: 'Create a webhook endpoint',
  description:
    'In production a URL must be https on the default port (443) to a public host: IP literals of special-purpose ranges (IPv4 and IPv6, including IPv4 embedded in IPv6), single-label names and local names (localhost, .local, .internal, .home.arpa, .test, .invalid, …) are refused. http and local addresses are allowed in development and sandbox.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ url, description: z.string().max(200).optional(), enabled_events: eventTypes.optional() })
            .strict()
            .openapi('CreateWebhookEndpointRequest'),
        },
      },
    },
  },
  responses: { 201: json(envelope(endpointWithSecret), 'The endpoint and its secret'), ...commonErrors },
})
const listRoute = merchantRoute({
  method: 'get',
  path: '/webhook-endpoints',
  tags,
  summary: 'List webhook endpoints',
  responses: { 200: json(envelope(z.array(endpointSchema)), "Endpoints of the caller's mode"), ...commonErrors },
})
const getRoute = merchantRoute({
  method: 'get',
  path: '/webhook-endpoints/{id}',
  tags,
  summary: 'Get a webhook endpoint',
  request: { params: idParam },
  responses: { 200: json(envelope(endpointSchema), 'The endpoint'), ...commonErrors, ...notFoundResponse },
})
const updateRoute = merchantRoute({
  method: 'patch',
  path: '/webhook-endpoints/{id}',
  tags,
  summary: 'Update a webhook endpoint',
  description: 'Change the URL, description, event types, or enable/disable it (re-enabling clears a 410 disable).',
  request: {
    params: idParam,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              url: url.optional(),
              description: z.string().max(200).nullable().optional(),
              enabled_events: eventTypes.nullable().optional(),
              status: z.enum(['enabled', 'disabled']).optional(),
            })
            .strict(),
        },
      },
    },
  },
  responses: { 200: json(envelope(endpointSchema), 'The endpoint'), ...commonErrors, ...notFoundResponse },
})
const deleteRoute = merchantRoute({
  method: 'delete',
  path: '/webhook-endpoints/{id}',
  tags,
  summary: 'Delete a webhook endpoint',
  request: { params: idParam },
  responses: { 200: json(envelope(endpointSchema), 'The deleted endpoint'), ...commonErrors, ...notFoundResponse },
})
const rotateRoute = merchantRoute({
  method: 'post',
  path: '/webhook-endpoints/{id}/rotate-secret',
  tags,
  summary: 'Rotate the endpoint secret',
  description: 'The new secret signs every delivery from now on, including retries of older events.',
  request: { params: idParam },
  responses: {
    200: json(envelope(endpointWithSecret), 'The endpoint and its new secret'),
    ...commonErrors,
    ...notFoundResponse,
  },
})
const testRoute = merchantRoute({
  method: 'post',
  path: '/webhook-endpoints/{id}/test',
  tags,
  summary: 'Send a test event',
  description:
    'POSTs a `webhook.test` event to the endpoint now, signed like a real one (X-Signature with the endpoint secret), and reports the result. Nothing is stored. A failure is reported as `could not deliver` (with the HTTP status when the receiver answered), never with the network error.',
  request: { params: idParam },
  responses: {
    200: json(
      envelope(
        z.object({
          status_code: z.number().int().nullable(),
          latency_ms: z.number().int(),
          error: z.string().nullable(),
          succeeded: z.boolean(),
        }),
      ),
      'What the receiver answered',
    ),
    ...commonErrors,
    ...notFoundResponse,
  },
})
const deliveriesRoute = merchantRoute({
  method: 'get',
  path: '/webhook-endpoints/{id}/deliveries',
  tags,
  summary: 'List deliveries to an endpoint',
  request: { params: idParam, query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: {
    200: json(envelope(z.array(deliverySchema)), 'Newest first, each with its attempts'),
    ...commonErrors,
    ...notFoundResponse,
  },
})

export const webhookEndpointsRouter = v1Router()
  .openapi(createRoute_, async (c) => {
    const body = c.req.valid('json')
    const row = await createEndpoint(getDb(c.env.DB), c.get('auth'), c.env.ENVIRONMENT, {
      url: body.url,
      description: body.description,
      enabledEvents: body.enabled_events,
    })
    return c.json(ok(c, { ...toView(row), secret: row.secret }), 201)
  })
  .openapi(listRoute, async (c) =>
    c.json(ok(c, (await listEndpoints(getDb(c.env.DB), c.get('auth'))).map(toView)), 200),
  )
  .openapi(getRoute, async (c) =>
    c.json(ok(c, toView(await getEndpoint(getDb(c.env.DB), c.get('auth'), c.req.valid('param').id))), 200),
  )
  .openapi(updateRoute, async (c) => {
    const body = c.req.valid('json')
    const row = await updateEndpoint(getDb(c.env.DB), c.get('auth'), c.env.ENVIRONMENT, c.req.valid('param').id, {
      url: body.url,
      description: body.description,
      enabledEvents: body.enabled_events,
      status: body.status,
    })
    return c.json(ok(c, toView(row)), 200)
  })
  .openapi(deleteRoute, async (c) =>
    c.json(ok(c, toView(await deleteEndpoint(getDb(c.env.DB), c.get('auth'), c.req.valid('param').id))), 200),
  )
  .openapi(rotateRoute, async (c) => {
    const row = await rotateEndpointSecret(getDb(c.env.DB), c.get('auth'), c.req.valid('param').id)
    return c.json(ok(c, { ...toView(row), secret: row.secret }), 200)
  })
  .openapi(testRoute, async (c) => {
    const endpoint = await getEndpoint(getDb(c.env.DB), c.get('auth'), c.req.valid('param').id)
    const result = await sendTestEvent(endpoint, c.env.ENVIRONMENT)
    return c.json(
      ok(c, {
        status_code: result.statusCode,
        latency_ms: result.latencyMs,
        error: result.error,
        succeeded: result.error === null,
      }),
      200,
    )
  })
  .openapi(deliveriesRoute, async (c) => {
    const endpoint = await getEndpoint(getDb(c.env.DB), c.get('auth'), c.req.valid('param').id)
    const rows = await listEndpointDeliveries(getDb(c.env.DB), endpoint.id, c.req.valid('query').limit)
    return c.json(ok(c, rows.map(toDeliveryView)), 200)
  })
