import { z } from '@hono/zod-openapi'
import { RECIPIENT_STATUSES, MAX_INVITES_PER_CALL } from '../../domain/payouts'
import { recipientView } from '../../webhooks/payout-views'
import {
  getRecipient,
  inviteRecipients,
  listRecipients,
  removeRecipient,
  sandboxActivate,
  updateRecipient,
  type RecipientRow,
} from '../../services/payouts/recipients'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok } from './envelope'
import { merchantRoute, v1Router } from './router'
import { resourceIdParam } from '../schemas'

const tags = ['Payouts']
export const recipientSchema = z
  .object({
    id: z.string(),
    object: z.literal('recipient'),
    email: z.string(),
    label: z.string().nullable(),
    notification_url: z.string().nullable(),
    status: z.enum(RECIPIENT_STATUSES),
    address: z
      .string()
      .nullable()
      .openapi({ description: 'Set when the recipient proved control of it (EIP-191 signature)' }),
    invite_url: z.string().openapi({ description: 'The hosted page where the recipient sets the address' }),
    livemode: z.boolean(),
    verified_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Recipient')

const view = (env: Env, r: RecipientRow, url: string): z.infer<typeof recipientSchema> => recipientView(env, r, url)

const invite = z.object({
  email: z.string().email().max(254),
  label: z.string().max(100).optional(),
  notification_url: z.string().max(2048).optional(),
})
const inviteBody = z.object({ recipients: z.array(invite).min(1).max(MAX_INVITES_PER_CALL) })
const idParam = resourceIdParam()
const patchBody = z
  .object({
    label: z.string().max(100).optional(),
    notification_url: z.string().max(2048).nullable().optional(),
    status: z.enum(['active', 'paused']).optional(),
  })
  .strict()
const notFound = { 404: errorResponse('No such recipient') }

const inviteRoute = merchantRoute({
  method: 'post',
  path: '/recipients',
  tags,
  summary: 'Invite recipients by email (up to 1,000)',
  request: { body: { content: { 'application/json': { schema: inviteBody } }, required: true } },
  responses: {
    201: json(envelope(z.array(recipientSchema)), 'The recipients (existing ones for emails already invited)'),
    ...commonErrors,
  },
})
const listRoute = merchantRoute({
  method: 'get',
  path: '/recipients',
  tags,
  summary: 'List recipients',
  responses: { 200: json(envelope(z.array(recipientSchema)), 'The recipients'), ...commonErrors },
})
const getRoute = merchantRoute({
  method: 'get',
  path: '/recipients/{id}',
  tags,
  summary: 'Get a recipient',
  request: { params: idParam },
  responses: { 200: json(envelope(recipientSchema), 'The recipient'), ...commonErrors, ...notFound },
})
const patchRoute = merchantRoute({
  method: 'patch',
  path: '/recipients/{id}',
  tags,
  summary: 'Change label, notification URL, or pause/resume (the email cannot change)',
  request: { params: idParam, body: { content: { 'application/json': { schema: patchBody } }, required: true } },
  responses: {
    200: json(envelope(recipientSchema), 'The recipient'),
    ...commonErrors,
    ...notFound,
    409: errorResponse('Status change not allowed'),
  },
})
const deleteRoute = merchantRoute({
  method: 'delete',
  path: '/recipients/{id}',
  tags,
  summary: 'Remove a recipient',
  request: { params: idParam },
  responses: { 200: json(envelope(recipientSchema), 'The removed recipient'), ...commonErrors, ...notFound },
})
const activateRoute = merchantRoute({
  method: 'post',
  path: '/sandbox/recipients/{id}/activate',
  tags: ['Sandbox'],
  summary: 'Activate a test-mode recipient with an address (no signature)',
  request: {
    params: idParam,
    body: { content: { 'application/json': { schema: z.object({ address: z.string() }) } }, required: true },
  },
  responses: {
    200: json(envelope(recipientSchema), 'The active recipient'),
    ...commonErrors,
    403: errorResponse('Called with a live key'),
    ...notFound,
  },
})

export const recipientsRouter = v1Router()
  .openapi(inviteRoute, async (c) => {
    const rows = await inviteRecipients(c.env, c.get('auth'), c.req.valid('json').recipients, c.req.url)
    return c.json(
      ok(
        c,
        rows.map((r) => view(c.env, r, c.req.url)),
      ),
      201,
    )
  })
  .openapi(listRoute, async (c) =>
    c.json(
      ok(
        c,
        (await listRecipients(c.env, c.get('auth'))).map((r) => view(c.env, r, c.req.url)),
      ),
      200,
    ),
  )
  .openapi(getRoute, async (c) =>
    c.json(ok(c, view(c.env, await getRecipient(c.env, c.get('auth'), c.req.valid('param').id), c.req.url)), 200),
  )
  .openapi(patchRoute, async (c) =>
    c.json(
      ok(
        c,
        view(
          c.env,
          await updateRecipient(c.env, c.get('auth'), c.req.valid('param').id, c.req.valid('json')),
          c.req.url,
        ),
      ),
      200,
    ),
  )
  .openapi(deleteRoute, async (c) =>
    c.json(ok(c, view(c.env, await removeRecipient(c.env, c.get('auth'), c.req.valid('param').id), c.req.url)), 200),
  )
  .openapi(activateRoute, async (c) =>
    c.json(
      ok(
        c,
        view(
          c.env,
          await sandboxActivate(c.env, c.get('auth'), c.req.valid('param').id, c.req.valid('json').address),
          c.req.url,
        ),
      ),
      200,
    ),
  )
