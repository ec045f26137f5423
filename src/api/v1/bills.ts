import { z } from '@hono/zod-openapi'
import { getDb } from '../../db/client'
import { BILL_STATUSES, type BillItem } from '../../domain/bills'
import { LIMITS } from '../../config'
import {
  billUrl,
  createBill,
  deliverBill,
  findBill,
  listBills,
  updateBill,
  type BillInput,
  type BillRow,
} from '../../services/bills/bills'
import { emailsFor, type EmailRow } from '../../services/email/outbox'
import { decimalInput } from './payments.schemas'
import { commonErrors, envelope, errorResponse, jsonResponse as json, listEnvelope, ok, okList } from './envelope'
import { merchantRoute, v1Router } from './router'
import { resourceIdParam } from '../schemas'

const text = (max: number) => z.string().max(max)
const currency = z
  .string()
  .regex(/^[A-Za-z0-9]{2,12}$/, 'must be an ISO 4217 code (USD) or a token symbol (USDC)')
  .transform((s) => s.toUpperCase())

const itemInput = z.object({
  description: text(500).optional(),
  price: decimalInput.openapi({
    example: '6.00',
    description: 'Unit price in the bill currency (decimal string or number)',
  }),
  quantity: z.number().int().min(1).max(1_000_000).default(1),
})

/** A bill's contents in v1's snake_case; shared with subscriptions' bill_data. */
export const billFields = z.object({
  number: text(128).optional(),
  currency: currency.openapi({ example: 'USD' }),
  email: z.string().email().openapi({ example: 'buyer@example.com' }),
  cc: z.array(z.string().email()).max(10).optional(),
  items: z.array(itemInput).min(1).max(100),
  name: text(200).optional(),
  address1: text(200).optional(),
  address2: text(200).optional(),
  city: text(100).optional(),
  state: text(100).optional(),
  zip: text(20).optional(),
  country: text(2).optional(),
  phone: text(30).optional(),
  due_date: z.string().max(40).optional().openapi({ example: '2026-12-31', description: 'YYYY-MM-DD or ISO 8601' }),
  pass_processing_fee: z.boolean().optional(),
})

/** v1 bill fields → the service's input (BitPay's names). */
export function billInputOf(b: Partial<z.infer<typeof billFields>>): Partial<BillInput> {
  const { due_date, pass_processing_fee, ...rest } = b
  return { ...rest, dueDate: due_date, passProcessingFee: pass_processing_fee }
}

const itemSchema = z.object({
  id: z.string().optional(),
  description: z.string().nullable(),
  price: z.string().openapi({ example: '6.00' }),
  quantity: z.number().int(),
})

const emailSchema = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'sent', 'failed']),
    to: z.array(z.string()),
    cc: z.array(z.string()),
    subject: z.string(),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    message_id: z.string().nullable(),
    sent_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('EmailMessage')

const billSchema = z
  .object({
    id: z.string(),
    object: z.literal('bill'),
    livemode: z.boolean(),
    status: z
      .enum(BILL_STATUSES)
      .openapi({ description: 'draft → sent (emailed) → new (a payment was started) → paid (funds seen) → complete' }),
    number: z.string().nullable(),
    currency: z.string(),
    items: z.array(itemSchema),
    total: z.string().openapi({ description: 'Σ price × quantity, exact decimal string', example: '10.00' }),
    email: z.string(),
    cc: z.array(z.string()),
    name: z.string().nullable(),
    address1: z.string().nullable(),
    address2: z.string().nullable(),
    city: z.string().nullable(),
    state: z.string().nullable(),
    zip: z.string().nullable(),
    country: z.string().nullable(),
    phone: z.string().nullable(),
    due_date: z.string().nullable(),
    pass_processing_fee: z.boolean(),
    email_bill: z.boolean().openapi({ description: 'Whether the bill has been handed to the email outbox' }),
    url: z.string().openapi({ description: 'The hosted bill page (/bill/:id) where the buyer pays' }),
    token: z
      .string()
      .openapi({ description: 'The bill resource token (BitPay: authorises PUT /bills/{id} and deliveries)' }),
    payment_id: z.string().nullable().openapi({ description: 'The payment currently paying the bill' }),
    subscription_id: z.string().nullable(),
    emails: z
      .array(emailSchema)
      .optional()
      .openapi({ description: 'Email outbox rows for this bill (single-bill responses)' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Bill')

function emailView(e: EmailRow): z.infer<typeof emailSchema> {
  return {
    id: e.id,
    status: e.status,
    to: JSON.parse(e.toAddresses) as string[],
    cc: JSON.parse(e.ccAddresses) as string[],
    subject: e.subject,
    attempts: e.attempts,
    last_error: e.lastError,
    message_id: e.messageId,
    sent_at: e.sentAt,
    created_at: e.createdAt,
  }
}

export function toBillView(env: Env, b: BillRow, requestUrl: string, emails?: EmailRow[]): z.infer<typeof billSchema> {
  return {
    id: b.id,
    object: 'bill',
    livemode: b.livemode,
    status: b.status,
    number: b.number,
    currency: b.currency,
    items: JSON.parse(b.items) as BillItem[],
    total: b.total,
    email: b.email,
    cc: JSON.parse(b.cc) as string[],
    name: b.name,
    address1: b.address1,
    address2: b.address2,
    city: b.city,
    state: b.state,
    zip: b.zip,
    country: b.country,
    phone: b.phone,
    due_date: b.dueDate,
    pass_processing_fee: b.passProcessingFee,
    email_bill: b.emailBill,
    url: billUrl(env, b.id, requestUrl),
    token: b.token,
    payment_id: b.paymentId,
    subscription_id: b.subscriptionId,
    ...(emails ? { emails: emails.map(emailView) } : {}),
    created_at: b.createdAt,
    updated_at: b.updatedAt,
  }
}

const idParam = resourceIdParam('3Zpmji8bRKxWJo2NJbWX5H')
const listQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(LIMITS.maxPageSize).default(LIMITS.defaultPageSize),
  status: z.enum(BILL_STATUSES).optional(),
})
const notFound = { 404: errorResponse('No such bill for this merchant and mode') }
const body = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { 'application/json': { schema } } },
})

export const createBillRoute = merchantRoute({
  method: 'post',
  path: '/bills',
  tags: ['Bills'],
  summary: 'Create a bill',
  description: 'A payment request with line items for one buyer, in `draft`. Deliver it by email, or share its `url`.',
  request: body(billFields),
  responses: { 201: json(envelope(billSchema), 'The bill'), ...commonErrors },
})

export const listBillsRoute = merchantRoute({
  method: 'get',
  path: '/bills',
  tags: ['Bills'],
  summary: 'List bills',
  request: { query: listQuery },
  responses: { 200: json(listEnvelope(billSchema), 'A page of bills, newest first'), ...commonErrors },
})

export const getBillRoute = merchantRoute({
  method: 'get',
  path: '/bills/{id}',
  tags: ['Bills'],
  summary: 'Get a bill (with its email outbox rows)',
  request: { params: idParam },
  responses: { 200: json(envelope(billSchema), 'The bill'), ...commonErrors, ...notFound },
})

export const updateBillRoute = merchantRoute({
  method: 'patch',
  path: '/bills/{id}',
  tags: ['Bills'],
  summary: 'Update a bill',
  description: 'Only while `draft` or `sent`. Fields given replace the stored ones; `items` replaces the list.',
  request: { params: idParam, ...body(billFields.partial()) },
  responses: {
    200: json(envelope(billSchema), 'The bill'),
    ...commonErrors,
    ...notFound,
    409: errorResponse('The bill is being paid (INVALID_STATE_TRANSITION)'),
  },
})

export const deliverBillRoute = merchantRoute({
  method: 'post',
  path: '/bills/{id}/deliveries',
  tags: ['Bills'],
  summary: 'Email a bill to its buyer (and cc)',
  description:
    'Written to the email outbox first, then sent; a failed send stays queued and the cron retries it. A draft becomes `sent`.',
  request: { params: idParam },
  responses: { 200: json(envelope(billSchema), 'The bill with its email rows'), ...commonErrors, ...notFound },
})

export const billsRouter = v1Router()
  .openapi(createBillRoute, async (c) => {
    const bill = await createBill(c.env, c.get('auth'), billInputOf(c.req.valid('json')) as BillInput)
    return c.json(ok(c, toBillView(c.env, bill, c.req.url, [])), 201)
  })
  .openapi(listBillsRoute, async (c) => {
    const q = c.req.valid('query')
    const { rows, total } = await listBills(c.env, c.get('auth'), {
      status: q.status,
      limit: q.limit,
      offset: (q.page - 1) * q.limit,
    })
    const totalPages = Math.ceil(total / q.limit)
    return c.json(
      okList(
        c,
        rows.map((b) => toBillView(c.env, b, c.req.url)),
        { page: q.page, limit: q.limit, total, total_pages: totalPages, has_more: q.page < totalPages },
      ),
      200,
    )
  })
  .openapi(getBillRoute, async (c) => {
    const bill = await findBill(c.env, c.get('auth'), c.req.valid('param').id)
    return c.json(ok(c, toBillView(c.env, bill, c.req.url, await emailsFor(getDb(c.env.DB), 'bill', bill.id))), 200)
  })
  .openapi(updateBillRoute, async (c) => {
    const bill = await findBill(c.env, c.get('auth'), c.req.valid('param').id)
    const updated = await updateBill(c.env, bill, billInputOf(c.req.valid('json')))
    return c.json(ok(c, toBillView(c.env, updated, c.req.url, await emailsFor(getDb(c.env.DB), 'bill', bill.id))), 200)
  })
  .openapi(deliverBillRoute, async (c) => {
    const bill = await findBill(c.env, c.get('auth'), c.req.valid('param').id)
    const delivered = await deliverBill(c.env, bill, c.req.url)
    return c.json(
      ok(c, toBillView(c.env, delivered, c.req.url, await emailsFor(getDb(c.env.DB), 'bill', bill.id))),
      200,
    )
  })
