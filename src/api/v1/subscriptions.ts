import { z } from '@hono/zod-openapi'
import { LIMITS } from '../../config'
import { SUBSCRIPTION_STATUSES } from '../../domain/bills'
import {
  createSubscription,
  findSubscription,
  listSubscriptions,
  updateSubscription,
  type BillData,
  type SubscriptionRow,
} from '../../services/bills/subscriptions'
import type { BillInput } from '../../services/bills/bills'
import { billFields, billInputOf } from './bills'
import { commonErrors, envelope, errorResponse, jsonResponse as json, listEnvelope, ok, okList } from './envelope'
import { merchantRoute, v1Router } from './router'
import { resourceIdParam } from '../schemas'

const billDataInput = billFields.extend({
  email_bill: z
    .boolean()
    .optional()
    .openapi({ description: 'Email each issued bill (default true); false issues drafts' }),
})

const scheduleInput = z.string().min(1).max(100).openapi({
  example: 'monthly',
  description: 'weekly, monthly, quarterly, yearly, or a 6-field cron (sec min hour day month weekday), UTC',
})

const createBody = z.object({
  bill_data: billDataInput,
  schedule: scheduleInput,
  next_delivery: z
    .string()
    .max(40)
    .optional()
    .openapi({ description: 'ISO 8601; default now (a past time means the next cron run)' }),
  status: z
    .enum(['draft', 'active'])
    .optional()
    .openapi({ description: 'Default draft; only active subscriptions issue bills' }),
})

const updateBody = z.object({
  bill_data: billDataInput.partial().optional(),
  schedule: scheduleInput.optional(),
  next_delivery: z.string().max(40).optional(),
  status: z.enum(SUBSCRIPTION_STATUSES).optional().openapi({ description: 'draft → active → cancelled (final)' }),
})

const billDataSchema = z
  .object({
    number: z.string().nullable().optional(),
    currency: z.string(),
    email: z.string(),
    cc: z.array(z.string()),
    items: z.array(
      z.object({ description: z.string().nullable().optional(), price: z.string(), quantity: z.number().int() }),
    ),
    name: z.string().nullable().optional(),
    address1: z.string().nullable().optional(),
    address2: z.string().nullable().optional(),
    city: z.string().nullable().optional(),
    state: z.string().nullable().optional(),
    zip: z.string().nullable().optional(),
    country: z.string().nullable().optional(),
    phone: z.string().nullable().optional(),
    due_date: z.string().nullable(),
    pass_processing_fee: z.boolean(),
    email_bill: z.boolean(),
  })
  .openapi('SubscriptionBillData')

const subscriptionSchema = z
  .object({
    id: z.string(),
    object: z.literal('subscription'),
    livemode: z.boolean(),
    status: z.enum(SUBSCRIPTION_STATUSES),
    bill_data: billDataSchema,
    schedule: z
      .string()
      .openapi({ description: 'Always the 6-field cron form (weekly → "0 0 0 * * 1")', example: '0 0 0 1 * *' }),
    next_delivery: z.string(),
    token: z
      .string()
      .openapi({ description: 'The subscription resource token (BitPay: authorises PUT /subscriptions/{id})' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Subscription')

function toSubscriptionView(s: SubscriptionRow): z.infer<typeof subscriptionSchema> {
  const { dueDate, passProcessingFee, emailBill, cc, items, ...rest } = JSON.parse(s.billData) as BillData
  return {
    id: s.id,
    object: 'subscription',
    livemode: s.livemode,
    status: s.status,
    bill_data: {
      ...rest,
      cc: cc ?? [],
      items: items.map((i) => ({ description: i.description ?? null, price: i.price, quantity: i.quantity })),
      due_date: dueDate ?? null,
      pass_processing_fee: passProcessingFee ?? false,
      email_bill: emailBill ?? true,
    },
    schedule: s.schedule,
    next_delivery: s.nextDelivery,
    token: s.token,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  }
}

const billDataOf = (b: Partial<z.infer<typeof billDataInput>>): Partial<BillData> => {
  const { email_bill, ...rest } = b
  return { ...billInputOf(rest), emailBill: email_bill }
}

const idParam = resourceIdParam('SeL33Hjyr3VmFHA5Skc4zy')
const listQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(LIMITS.maxPageSize).default(LIMITS.defaultPageSize),
  status: z.enum(SUBSCRIPTION_STATUSES).optional(),
})
const notFound = { 404: errorResponse('No such subscription for this merchant and mode') }
const body = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { 'application/json': { schema } } },
})

export const createSubscriptionRoute = merchantRoute({
  method: 'post',
  path: '/subscriptions',
  tags: ['Subscriptions'],
  summary: 'Create a subscription',
  description:
    'Bill data plus a schedule. When active, the cron issues and emails a bill at every `next_delivery`, once per period.',
  request: body(createBody),
  responses: { 201: json(envelope(subscriptionSchema), 'The subscription'), ...commonErrors },
})

export const listSubscriptionsRoute = merchantRoute({
  method: 'get',
  path: '/subscriptions',
  tags: ['Subscriptions'],
  summary: 'List subscriptions',
  request: { query: listQuery },
  responses: { 200: json(listEnvelope(subscriptionSchema), 'A page of subscriptions, newest first'), ...commonErrors },
})

export const getSubscriptionRoute = merchantRoute({
  method: 'get',
  path: '/subscriptions/{id}',
  tags: ['Subscriptions'],
  summary: 'Get a subscription',
  request: { params: idParam },
  responses: { 200: json(envelope(subscriptionSchema), 'The subscription'), ...commonErrors, ...notFound },
})

export const updateSubscriptionRoute = merchantRoute({
  method: 'patch',
  path: '/subscriptions/{id}',
  tags: ['Subscriptions'],
  summary: 'Update a subscription (status, schedule, next delivery, bill data)',
  request: { params: idParam, ...body(updateBody) },
  responses: {
    200: json(envelope(subscriptionSchema), 'The subscription'),
    ...commonErrors,
    ...notFound,
    409: errorResponse('Status change not allowed (INVALID_STATE_TRANSITION)'),
  },
})

export const subscriptionsRouter = v1Router()
  .openapi(createSubscriptionRoute, async (c) => {
    const b = c.req.valid('json')
    const sub = await createSubscription(c.env, c.get('auth'), {
      billData: billDataOf(b.bill_data) as BillData & BillInput,
      schedule: b.schedule,
      nextDelivery: b.next_delivery,
      status: b.status,
    })
    return c.json(ok(c, toSubscriptionView(sub)), 201)
  })
  .openapi(listSubscriptionsRoute, async (c) => {
    const q = c.req.valid('query')
    const { rows, total } = await listSubscriptions(c.env, c.get('auth'), {
      status: q.status,
      limit: q.limit,
      offset: (q.page - 1) * q.limit,
    })
    const totalPages = Math.ceil(total / q.limit)
    return c.json(
      okList(c, rows.map(toSubscriptionView), {
        page: q.page,
        limit: q.limit,
        total,
        total_pages: totalPages,
        has_more: q.page < totalPages,
      }),
      200,
    )
  })
  .openapi(getSubscriptionRoute, async (c) => {
    return c.json(ok(c, toSubscriptionView(await findSubscription(c.env, c.get('auth'), c.req.valid('param').id))), 200)
  })
  .openapi(updateSubscriptionRoute, async (c) => {
    const b = c.req.valid('json')
    const sub = await findSubscription(c.env, c.get('auth'), c.req.valid('param').id)
    const updated = await updateSubscription(c.env, sub, {
      billData: b.bill_data ? billDataOf(b.bill_data) : undefined,
      schedule: b.schedule,
      nextDelivery: b.next_delivery,
      status: b.status,
    })
    return c.json(ok(c, toSubscriptionView(updated)), 200)
  })
