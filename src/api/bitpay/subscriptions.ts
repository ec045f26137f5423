import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { SUBSCRIPTION_STATUSES } from '../../domain/bills'
import { JsonDecimal } from '../../domain/exact-json'
import { createSubscription, findSubscription, listSubscriptions, subscriptionByToken, updateSubscription, type BillData, type SubscriptionRow } from '../../services/bills/subscriptions'
import { rateLimit } from '../rate-limit'
import { bitpayAuth, bitpayBody } from './auth'
import { billInputOfBitPay, bitpayBillBody, checkResourceSigner } from './bills'
import { sendJson } from './json'
import { parse } from './parse'

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
      items: data.items.map((i) => ({ description: i.description ?? undefined, price: new JsonDecimal(i.price), quantity: i.quantity })),
      merchant: s.merchantId,
    },
    schedule: s.schedule,
    nextDelivery: s.nextDelivery,
    createdDate: s.createdAt,
    token: s.token,
  }
}

const merchantOnly = [bitpayAuth(['merchant']), rateLimit] as const
const FACADE = 'merchant/subscription'

export const subscriptionsRouter = new Hono<AppEnv>()
  .post('/subscriptions', ...merchantOnly, async (c) => {
    const body = parse(createSubscriptionBody, await bitpayBody(c))
    const sub = await createSubscription(c.env, c.get('auth'), { billData: { ...billInputOfBitPay({ ...body.billData, token: body.token }), emailBill: body.billData.emailBill ?? undefined }, schedule: body.schedule, nextDelivery: body.nextDelivery })
    return sendJson(c, { facade: FACADE, data: subscriptionView(sub) })
  })
  .get('/subscriptions', ...merchantOnly, async (c) => {
    const query = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''))
    const q = parse(listSubscriptionsQuery, query, 'query')
    const { rows } = await listSubscriptions(c.env, c.get('auth'), { status: q.status, limit: 100, offset: 0 })
    return sendJson(c, { facade: FACADE, data: rows.map(subscriptionView) })
  })
  .get('/subscriptions/:id', ...merchantOnly, async (c) => {
    return sendJson(c, { facade: FACADE, data: subscriptionView(await findSubscription(c.env, c.get('auth'), c.req.param('id'))) })
  })
  .put('/subscriptions/:id', async (c) => {
    // Authorised by the subscription's own token (both SDKs GET it first and copy its `.token`); always signed.
    const raw = await bitpayBody(c)
    const sub = await subscriptionByToken(c.env, c.req.param('id'), raw.token)
    await checkResourceSigner(c, sub, true)
    const body = parse(updateSubscriptionBody, raw)
    const updated = await updateSubscription(c.env, sub, {
      billData: body.billData ? billDataOf(body.billData) : undefined,
      schedule: body.schedule ?? undefined,
      nextDelivery: body.nextDelivery ?? undefined,
      status: body.status ?? undefined,
    })
    return sendJson(c, { facade: FACADE, data: subscriptionView(updated) })
  })
