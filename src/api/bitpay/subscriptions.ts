import { z } from '@hono/zod-openapi'
import { SUBSCRIPTION_STATUSES } from '../../domain/bills'
import { JsonDecimal } from '../../domain/exact-json'
import {
  createSubscription,
  findSubscription,
  listSubscriptions,
  subscriptionByToken,
  updateSubscription,
  type BillData,
  type SubscriptionRow,
} from '../../services/bills/subscriptions'
import { billAddress, billInputOfBitPay, billItemSchema, bitpayBillBody, checkResourceSigner } from './bills'
import { bitpayRoute, bitpayRouter } from './route'
import { idParam } from './schemas'

const billData = bitpayBillBody.omit({ token: true }).extend({ emailBill: z.boolean().nullish() })

export const createSubscriptionBody = z.object({
  token: z.string(),
  billData,
  schedule: z.string().min(1).max(100),
  nextDelivery: z.string().max(40).nullish(),
})

export const updateSubscriptionBody = z.object({
  token: z.string(),
  billData: billData.partial().nullish(),
  schedule: z.string().min(1).max(100).nullish(),
  nextDelivery: z.string().max(40).nullish(),
  status: z.enum(SUBSCRIPTION_STATUSES).nullish(),
})

export const listSubscriptionsQuery = z.object({ token: z.string(), status: z.enum(SUBSCRIPTION_STATUSES).optional() })

/** A partial billData: only the fields given (null counts as not given). */
function billDataOf(b: Partial<z.infer<typeof billData>>): Partial<BillData> {
  return Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined && v !== null)) as Partial<BillData>
}

/** BitPay's subscription object (items under billData carry no id). */
function subscriptionView(s: SubscriptionRow) {
  const data = JSON.parse(s.billData) as BillData
  return {
    id: s.id,
    status: s.status,
    billData: {
      emailBill: data.emailBill ?? true,
      cc: data.cc ?? [],
      number: data.number ?? undefined,
      currency: data.currency,
      name: data.name ?? undefined,
      address1: data.address1 ?? undefined,
      address2: data.address2 ?? undefined,
      city: data.city ?? undefined,
      state: data.state ?? undefined,
      zip: data.zip ?? undefined,
      country: data.country ?? undefined,
      email: data.email,
      phone: data.phone ?? undefined,
      dueDate: data.dueDate ?? undefined,
      passProcessingFee: data.passProcessingFee ?? false,
      items: data.items.map((i) => ({
        description: i.description ?? undefined,
        price: new JsonDecimal(i.price),
        quantity: i.quantity,
      })),
      merchant: s.merchantId,
    },
    schedule: s.schedule,
    nextDelivery: s.nextDelivery,
    createdDate: s.createdAt,
    token: s.token,
  }
}

const subscriptionSchema = z
  .object({
    id: z.string(),
    status: z.enum(SUBSCRIPTION_STATUSES),
    billData: z.object({
      emailBill: z.boolean(),
      cc: z.array(z.string()),
      number: z.string().optional(),
      currency: z.string(),
      ...billAddress,
      email: z.string(),
      dueDate: z.string().optional(),
      passProcessingFee: z.boolean(),
      items: z.array(billItemSchema.omit({ id: true })),
      merchant: z.string(),
    }),
    schedule: z.string().openapi({ description: '6-field cron (weekly → "0 0 0 * * 1")' }),
    nextDelivery: z.string(),
    createdDate: z.string(),
    token: z.string().openapi({ description: 'Subscription resource token: authorises PUT /subscriptions/{id}' }),
  })
  .openapi('BitPaySubscription')

const FACADE = 'merchant/subscription' as const
const envelope = z.object({ facade: z.literal(FACADE), data: subscriptionSchema })

export const subscriptionsRouter = bitpayRouter()
bitpayRoute(subscriptionsRouter, {
  method: 'post',
  path: '/subscriptions',
  summary: 'Create a subscription (bill data + schedule)',
  signing: 'token',
  facades: ['merchant'],
  request: { body: createSubscriptionBody },
  responses: { 200: envelope },
  handler: async (c, { auth, body }) => {
    const billData = {
      ...billInputOfBitPay({ ...body.billData, token: body.token }),
      emailBill: body.billData.emailBill ?? undefined,
    }
    const sub = await createSubscription(c.env, auth, {
      billData,
      schedule: body.schedule,
      nextDelivery: body.nextDelivery,
    })
    return { facade: FACADE, data: subscriptionView(sub) }
  },
})
bitpayRoute(subscriptionsRouter, {
  method: 'get',
  path: '/subscriptions',
  summary: 'List subscriptions (?status=draft|active|cancelled)',
  signing: 'token',
  facades: ['merchant'],
  request: { query: listSubscriptionsQuery },
  responses: { 200: z.object({ facade: z.literal(FACADE), data: z.array(subscriptionSchema) }) },
  handler: async (c, { auth, query }) => {
    const { rows } = await listSubscriptions(c.env, auth, { status: query.status, limit: 100, offset: 0 })
    return { facade: FACADE, data: rows.map(subscriptionView) }
  },
})
bitpayRoute(subscriptionsRouter, {
  method: 'get',
  path: '/subscriptions/{id}',
  summary: 'Get a subscription',
  signing: 'token',
  facades: ['merchant'],
  request: { params: idParam },
  responses: { 200: envelope },
  handler: async (c, { auth, params }) => ({
    facade: FACADE,
    data: subscriptionView(await findSubscription(c.env, auth, params.id)),
  }),
})
bitpayRoute(subscriptionsRouter, {
  method: 'put',
  path: '/subscriptions/{id}',
  summary: 'Update status, schedule, nextDelivery or billData (body token: the subscription token)',
  signing: 'resource-token',
  signed: true,
  // Authorised by the subscription's own token (both SDKs GET it first and copy its `.token`); always signed.
  authorize: async (c, token) => {
    const sub = await subscriptionByToken(c.env, c.req.param('id') ?? '', token)
    await checkResourceSigner(c, sub, true)
    return sub
  },
  request: { params: idParam, body: updateSubscriptionBody },
  responses: { 200: envelope },
  handler: async (c, { resource, body }) => {
    const updated = await updateSubscription(c.env, resource, {
      billData: body.billData ? billDataOf(body.billData) : undefined,
      schedule: body.schedule ?? undefined,
      nextDelivery: body.nextDelivery ?? undefined,
      status: body.status ?? undefined,
    })
    return { facade: FACADE, data: subscriptionView(updated) }
  },
})
