import { z } from '@hono/zod-openapi'
import { MAX_GROUP_INSTRUCTIONS } from '../../domain/bitpay-payouts'
import {
  cancelPayoutGroup,
  createPayoutGroup,
  getPayoutGroup,
  groupFailures,
  groupPayouts,
  type PayoutGroupRow,
} from '../../services/payouts/groups'
import type { PayoutRow } from '../../services/payouts/payouts'
import { validationError } from '../validation'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok } from './envelope'
import { createBody, payoutSchema, toPayoutView } from './payouts'
import { merchantRoute, v1Router } from './router'
import { resourceIdParam } from '../schemas'

const tags = ['Payouts']

const failureSchema = z.object({
  index: z.number().int().openapi({ description: 'Position of the instruction in `instructions`' }),
  payee: z.string().nullable().openapi({ description: "The instruction's recipient_id or recipient_email" }),
  code: z.string().openapi({ example: 'VALIDATION_ERROR' }),
  field: z.string().nullable().openapi({ example: 'amount' }),
  message: z.string(),
})

export const payoutGroupSchema = z
  .object({
    id: z.string(),
    object: z.literal('payout_group'),
    instruction_count: z.number().int(),
    payouts: z
      .array(payoutSchema)
      .openapi({ description: 'The payouts created, in instruction order, as they are now' }),
    failed: z.array(failureSchema).openapi({ description: 'The instructions that were not created, with the reason' }),
    livemode: z.boolean(),
    created_at: z.string(),
  })
  .openapi('PayoutGroup')

const cancelSchema = z
  .object({
    id: z.string(),
    object: z.literal('payout_group'),
    cancelled: z.array(payoutSchema),
    failed: z
      .array(z.object({ payout_id: z.string(), message: z.string() }))
      .openapi({ description: 'Payouts no longer new (funded, processing, complete, failed or cancelled before)' }),
  })
  .openapi('PayoutGroupCancellation')

function view(group: PayoutGroupRow, rows: PayoutRow[]): z.infer<typeof payoutGroupSchema> {
  return {
    id: group.id,
    object: 'payout_group',
    instruction_count: group.instructionCount,
    payouts: rows.map(toPayoutView),
    failed: groupFailures(group),
    livemode: group.livemode,
    created_at: group.createdAt,
  }
}

const groupBody = z.object({
  instructions: z
    .array(z.record(z.string(), z.unknown()).openapi({ description: 'A payout, as the body of POST /v1/payouts' }))
    .min(1)
    .max(MAX_GROUP_INSTRUCTIONS)
    .openapi({
      description: `1 to ${MAX_GROUP_INSTRUCTIONS} payouts; each is validated on its own, and an invalid one is listed in \`failed\` instead of refusing the call`,
    }),
})
const idParam = resourceIdParam()
const notFound = { 404: errorResponse('No such payout group') }

const createRoute = merchantRoute({
  method: 'post',
  path: '/payout-groups',
  tags,
  summary: 'Create payouts together (a payout group)',
  description:
    'Creates the valid instructions as payouts sharing the group id and lists the invalid ones in `failed` with the reason; the call succeeds even if all fail.',
  request: { body: { content: { 'application/json': { schema: groupBody } }, required: true } },
  responses: { 201: json(envelope(payoutGroupSchema), 'The group'), ...commonErrors },
})
const getRoute = merchantRoute({
  method: 'get',
  path: '/payout-groups/{id}',
  tags,
  summary: 'Get a payout group (its payouts now, and the instructions refused)',
  request: { params: idParam },
  responses: { 200: json(envelope(payoutGroupSchema), 'The group'), ...commonErrors, ...notFound },
})
const cancelRoute = merchantRoute({
  method: 'delete',
  path: '/payout-groups/{id}',
  tags,
  summary: "Cancel the group's payouts that are still new",
  request: { params: idParam },
  responses: {
    200: json(envelope(cancelSchema), 'The payouts cancelled, and those that could not be'),
    ...commonErrors,
    ...notFound,
  },
})

/** One native instruction, validated as POST /v1/payouts validates its body (the field named with its index). */
function instruction(raw: Record<string, unknown>) {
  const result = createBody.safeParse(raw)
  if (!result.success) throw validationError(result.error, 'json', raw)
  return result.data
}

export const payoutGroupsRouter = v1Router()
  .openapi(createRoute, async (c) => {
    const auth = c.get('auth')
    const { group, created } = await createPayoutGroup(c.env, auth, c.req.valid('json').instructions, instruction)
    return c.json(ok(c, view(group, created)), 201)
  })
  .openapi(getRoute, async (c) => {
    const auth = c.get('auth')
    const group = await getPayoutGroup(c.env, auth, c.req.valid('param').id)
    return c.json(ok(c, view(group, await groupPayouts(c.env, auth, group.id))), 200)
  })
  .openapi(cancelRoute, async (c) => {
    const auth = c.get('auth')
    const { group, cancelled, failed } = await cancelPayoutGroup(c.env, auth, c.req.valid('param').id)
    return c.json(
      ok(c, {
        id: group.id,
        object: 'payout_group' as const,
        cancelled: cancelled.map(toPayoutView),
        failed: failed.map((f) => ({ payout_id: f.payoutId, message: f.message })),
      }),
      200,
    )
  })
