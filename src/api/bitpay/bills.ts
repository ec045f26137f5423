import { z } from '@hono/zod-openapi'
import { getDb } from '../../db/client'
import { BILL_STATUSES, type BillItem } from '../../domain/bills'
import { JsonDecimal } from '../../domain/exact-json'
import { ApiError } from '../../errors'
import {
  billByToken,
  billUrl,
  createBill,
  deliverBill,
  findBill,
  listBills,
  updateBill,
  type BillInput,
  type BillRow,
} from '../../services/bills/bills'
import { tokensForSin } from '../../services/bitpay/tokens'
import { decimalInput } from '../schemas'
import { signerSin } from './auth'
import { bitpayRoute, bitpayRouter, type BitPayRequest } from './route'
import { idParam } from './schemas'

const text = (max: number) => z.string().max(max).nullish()

/** BitPay's bill request; read-only fields a caller echoes back (id, url, status, items[].id, …) are ignored. */
export const bitpayBillBody = z.object({
  token: z.string(),
  number: text(128),
  currency: z
    .string()
    .regex(/^[A-Za-z0-9]{2,12}$/, 'must be a currency code')
    .transform((s) => s.toUpperCase()),
  email: z.string().email(),
  cc: z.array(z.string().email()).max(10).nullish(),
  items: z
    .array(
      z.object({
        description: text(500),
        price: decimalInput,
        quantity: z.number().int().min(1).max(1_000_000).default(1),
      }),
    )
    .min(1)
    .max(100),
  name: text(200),
  address1: text(200),
  address2: text(200),
  city: text(100),
  state: text(100),
  zip: text(20),
  country: text(2),
  phone: text(30),
  dueDate: z.string().max(40).nullish(),
  passProcessingFee: z.boolean().nullish(),
})

export const bitpayBillsQuery = z.object({ token: z.string(), status: z.enum(BILL_STATUSES).optional() })

/** Body fields → the service's input (null means "not given"). */
export function billInputOfBitPay(b: z.infer<typeof bitpayBillBody>): BillInput {
  const { token: _token, cc, passProcessingFee, ...rest } = b
  return { ...rest, cc: cc ?? undefined, passProcessingFee: passProcessingFee ?? undefined }
}

/** BitPay's bill object; the pos facade leaves out the buyer's address and the merchant. */
export function bitpayBillView(env: Env, b: BillRow, requestUrl: string, facade: 'merchant' | 'pos') {
  const items = (JSON.parse(b.items) as BillItem[]).map((i) => ({
    id: i.id,
    description: i.description ?? undefined,
    price: new JsonDecimal(i.price),
    quantity: i.quantity,
  }))
  const base = {
    status: b.status,
    url: billUrl(env, b.id, requestUrl),
    number: b.number ?? undefined,
    createdDate: b.createdAt,
    dueDate: b.dueDate ?? undefined,
    currency: b.currency,
    email: b.email,
    cc: JSON.parse(b.cc) as string[],
    passProcessingFee: b.passProcessingFee,
    emailBill: b.emailBill,
    id: b.id,
    items,
    token: b.token,
  }
  if (facade === 'pos') return base
  return {
    ...base,
    name: b.name ?? undefined,
    address1: b.address1 ?? undefined,
    address2: b.address2 ?? undefined,
    city: b.city ?? undefined,
    state: b.state ?? undefined,
    zip: b.zip ?? undefined,
    country: b.country ?? undefined,
    phone: b.phone ?? undefined,
    merchant: b.merchantId,
  }
}

/**
 * Authorised by a resource's own token (handed out with the bill or subscription): a signature, if
 * sent (or `signed`), must verify and come from an identity paired with the same merchant and mode.
 */
export async function checkResourceSigner(
  c: BitPayRequest,
  owner: { merchantId: string; livemode: boolean },
  signed: boolean,
): Promise<void> {
  if (!signed && !c.req.header('x-signature')) return
  const sin = await signerSin(c)
  const paired = await tokensForSin(getDb(c.env.DB), sin)
  if (!paired.some((t) => t.merchantId === owner.merchantId && t.livemode === owner.livemode)) {
    throw new ApiError('UNAUTHORIZED', 'This identity is not paired with the merchant of this resource', 'x-identity')
  }
}

const billItem = z.object({
  id: z.string().optional().openapi({ description: 'Set on stored bills' }),
  description: z.string().optional(),
  price: z.number().openapi({ description: 'Exact decimal' }),
  quantity: z.number().int(),
})
const posBill = z.object({
  status: z.enum(BILL_STATUSES),
  url: z.string().openapi({ description: 'The hosted bill page /bill/{id}' }),
  number: z.string().optional(),
  createdDate: z.string(),
  dueDate: z.string().optional(),
  currency: z.string(),
  email: z.string(),
  cc: z.array(z.string()),
  passProcessingFee: z.boolean(),
  emailBill: z.boolean(),
  id: z.string(),
  items: z.array(billItem),
  token: z
    .string()
    .openapi({ description: 'Bill resource token: authorises PUT /bills/{id} and POST /bills/{id}/deliveries' }),
})
const address = {
  name: z.string().optional(),
  address1: z.string().optional(),
  address2: z.string().optional(),
  city: z.string().optional(),
  state: z.string().optional(),
  zip: z.string().optional(),
  country: z.string().optional(),
  phone: z.string().optional(),
}
/** The merchant facade's bill: the pos one plus the buyer's address and the merchant. */
export const billSchema = posBill.extend({ ...address, merchant: z.string().optional() }).openapi('BitPayBill')
export const billItemSchema = billItem
export const billAddress = address

const billEnvelope = z.object({ facade: z.enum(['merchant/bill', 'pos/bill']), data: billSchema })
const facadeOf = (token: { facade: string }) => (token.facade === 'pos' ? ('pos' as const) : ('merchant' as const))

export const billsRouter = bitpayRouter()
bitpayRoute(billsRouter, {
  method: 'post',
  path: '/bills',
  summary: 'Create a bill (merchant token signed, or pos token)',
  signing: 'token',
  facades: ['merchant', 'pos'],
  request: { body: bitpayBillBody },
  responses: { 200: billEnvelope },
  handler: async (c, { auth, token, body }) => {
    const bill = await createBill(c.env, auth, billInputOfBitPay(body))
    return { facade: `${facadeOf(token)}/bill` as const, data: bitpayBillView(c.env, bill, c.req.url, facadeOf(token)) }
  },
})
bitpayRoute(billsRouter, {
  method: 'get',
  path: '/bills',
  summary: 'List bills (?status=draft|sent|new|paid|complete)',
  signing: 'token',
  facades: ['merchant'],
  request: { query: bitpayBillsQuery },
  responses: { 200: z.object({ facade: z.literal('merchant/bill'), data: z.array(billSchema) }) },
  handler: async (c, { auth, query }) => {
    const { rows } = await listBills(c.env, auth, { status: query.status, limit: 100, offset: 0 })
    return { facade: 'merchant/bill' as const, data: rows.map((b) => bitpayBillView(c.env, b, c.req.url, 'merchant')) }
  },
})
bitpayRoute(billsRouter, {
  method: 'get',
  path: '/bills/{id}',
  summary: 'Get a bill (merchant or pos token)',
  signing: 'token',
  facades: ['merchant', 'pos'],
  request: { params: idParam },
  responses: { 200: billEnvelope },
  handler: async (c, { auth, token, params }) => {
    const bill = await findBill(c.env, auth, params.id)
    return { facade: `${facadeOf(token)}/bill` as const, data: bitpayBillView(c.env, bill, c.req.url, facadeOf(token)) }
  },
})
bitpayRoute(billsRouter, {
  method: 'put',
  path: '/bills/{id}',
  summary: 'Update a draft or sent bill (body token: the bill token)',
  signing: 'resource-token',
  signed: true,
  authorize: async (c, token) => {
    const bill = await billByToken(c.env, c.req.param('id') ?? '', token)
    await checkResourceSigner(c, bill, true)
    return bill
  },
  request: { params: idParam, body: bitpayBillBody },
  responses: { 200: z.object({ facade: z.literal('merchant/bill'), data: billSchema }) },
  handler: async (c, { resource, body }) => {
    const updated = await updateBill(c.env, resource, billInputOfBitPay(body))
    return { facade: 'merchant/bill' as const, data: bitpayBillView(c.env, updated, c.req.url, 'merchant') }
  },
})
bitpayRoute(billsRouter, {
  method: 'post',
  path: '/bills/{id}/deliveries',
  summary: 'Email the bill to its buyer (body token: the bill token)',
  signing: 'resource-token',
  signed: false,
  authorize: async (c, token) => {
    const bill = await billByToken(c.env, c.req.param('id') ?? '', token)
    await checkResourceSigner(c, bill, false)
    return bill
  },
  request: { params: idParam },
  // The SDK's deliverBill is true only for exactly "Success".
  responses: { 200: z.object({ data: z.literal('Success') }) },
  handler: async (c, { resource }) => {
    await deliverBill(c.env, resource, c.req.url)
    return { data: 'Success' as const }
  },
})
