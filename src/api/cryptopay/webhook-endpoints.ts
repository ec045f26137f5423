import { z } from '@hono/zod-openapi'
import { getDb } from '../../db/client'
import { EVENT_TYPES } from '../../domain/payment-status'
import {
  createEndpoint,
  listEndpoints,
  updateEndpoint,
  type WebhookEndpointRow,
} from '../../services/webhooks/endpoints'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok } from './envelope'
import { cryptoPayRoute, cryptoPayRouter } from './router'
import { resourceIdParam } from '../schemas'

const endpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()).nullable().openapi({ description: 'Event types; null means all' }),
    description: z.string().nullable(),
    is_active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('CryptoPayWebhookEndpoint')

function toView(e: WebhookEndpointRow): z.infer<typeof endpointSchema> {
  return {
    id: e.id,
    url: e.url,
    events: e.enabledEvents ? (JSON.parse(e.enabledEvents) as string[]) : null,
    description: e.description,
    is_active: e.status === 'enabled',
    created_at: e.createdAt,
    updated_at: e.updatedAt,
  }
}

const events = z.array(z.enum(EVENT_TYPES)).min(1)
const tags = ['CryptoPay']
const idParam = resourceIdParam()

const listRoute = cryptoPayRoute({
  method: 'get',
  path: '/api/webhook-endpoints',
  tags,
  summary: 'List webhook endpoints (GET /api/webhook-endpoints/)',
  responses: { 200: json(envelope(z.array(endpointSchema)), 'Endpoints'), ...commonErrors },
})
const createRoute_ = cryptoPayRoute({
  method: 'post',
  path: '/api/webhook-endpoints',
  tags,
  summary: 'Create webhook endpoint (POST /api/webhook-endpoints/)',
  description: 'The same endpoints as /v1/webhook-endpoints; the secret (whsec_…) is shown once.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              url: z.string().max(2048),
              events: events.optional(),
              description: z.string().max(200).optional(),
            })
            .openapi('CreateCryptoPayWebhookRequest'),
        },
      },
    },
  },
  responses: {
    201: json(envelope(endpointSchema.extend({ secret: z.string() })), 'The endpoint and its secret'),
    ...commonErrors,
  },
})
const updateRoute = cryptoPayRoute({
  method: 'put',
  path: '/api/webhook-endpoints/{id}',
  tags,
  summary: 'Update webhook endpoint (PUT /api/webhook-endpoints/{id}/)',
  request: {
    params: idParam,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            url: z.string().max(2048).optional(),
            events: events.nullable().optional(),
            description: z.string().max(200).nullable().optional(),
            is_active: z.boolean().optional(),
          }),
        },
      },
    },
  },
  responses: {
    200: json(envelope(endpointSchema), 'The endpoint'),
    ...commonErrors,
    404: errorResponse('No such endpoint'),
  },
})

export const cryptoPayWebhooksRouter = cryptoPayRouter()
  .openapi(listRoute, async (c) =>
    c.json(ok((await listEndpoints(getDb(c.env.DB), c.get('auth'))).map(toView), 'Webhook endpoints retrieved'), 200),
  )
  .openapi(createRoute_, async (c) => {
    const body = c.req.valid('json')
    const row = await createEndpoint(getDb(c.env.DB), c.get('auth'), c.env.ENVIRONMENT, {
      url: body.url,
      description: body.description,
      enabledEvents: body.events,
    })
    return c.json(ok({ ...toView(row), secret: row.secret }, 'Webhook endpoint created'), 201)
  })
  .openapi(updateRoute, async (c) => {
    const body = c.req.valid('json')
    const row = await updateEndpoint(getDb(c.env.DB), c.get('auth'), c.env.ENVIRONMENT, c.req.valid('param').id, {
      url: body.url,
      description: body.description,
      enabledEvents: body.events,
      status: body.is_active === undefined ? undefined : body.is_active ? 'enabled' : 'disabled',
    })
    return c.json(ok(toView(row), 'Webhook endpoint updated'), 200)
  })
