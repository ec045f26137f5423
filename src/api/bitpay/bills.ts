import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppEnv, BitPayEnv } from '../../context'
import { getDb } from '../../db/client'
import { BILL_STATUSES, type BillItem } from '../../domain/bills'
import { JsonDecimal } from '../../domain/exact-json'
import { ApiError } from '../../errors'
import { billByToken, billUrl, createBill, deliverBill, findBill, listBills, updateBill, type BillInput, type BillRow } from '../../services/bills/bills'
import { tokensForSin } from '../../services/bitpay-tokens'
import { rateLimit } from '../rate-limit'
import { decimalInput } from '../schemas'
import { bitpayAuth, bitpayBody, signerSin } from './auth'
import { sendJson } from './json'
import { parse } from './parse'

const text = (max: number) => z.string().max(max).nullish()

/** BitPay's bill request; read-only fields a caller echoes back (id, url, status, items[].id, …) are ignored. */
export const bitpayBillBody = z.object({
  token: z.string(),
  number: text(128),
  currency: z.string().regex(/^[A-Za-z0-9]{2,12}$/, 'must be a currency code').transform((s) => s.toUpperCase()),
  email: z.string().email(),
  cc: z.array(z.string().email()).max(10).nullish(),
  items: z.array(z.object({ description: text(500), price: decimalInput, quantity: z.number().int().min(1).max(1_000_000).default(1) })).min(1).max(100),
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
  const items = (JSON.parse(b.items) as BillItem[]).map((i) => ({ id: i.id, description: i.description ?? undefined, price: new JsonDecimal(i.price), quantity: i.quantity }))
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
  return { ...base, name: b.name ?? undefined, address1: b.address1 ?? undefined, address2: b.address2 ?? undefined, city: b.city ?? undefined, state: b.state ?? undefined, zip: b.zip ?? undefined, country: b.country ?? undefined, phone: b.phone ?? undefined, merchant: b.merchantId }
}

/**
 * Authorised by a resource's own token (handed out with the bill or subscription): a signature, if
 * sent (or `signed`), must verify and come from an identity paired with the same merchant and mode.
 */
export async function checkResourceSigner(c: Context<AppEnv>, owner: { merchantId: string; livemode: boolean }, signed: boolean): Promise<void> {
  if (!signed && !c.req.header('x-signature')) return
  const sin = await signerSin(c)
  const paired = await tokensForSin(getDb(c.env.DB), sin)
  if (!paired.some((t) => t.merchantId === owner.merchantId && t.livemode === owner.livemode)) {
    throw new ApiError('UNAUTHORIZED', 'This identity is not paired with the merchant of this resource', 'x-identity')
  }
}

const merchantOnly = [bitpayAuth(['merchant']), rateLimit] as const
const merchantOrPos = [bitpayAuth(['merchant', 'pos']), rateLimit] as const
const facadeOf = (c: Context<BitPayEnv>) => (c.get('bitpay').facade === 'pos' ? 'pos' : 'merchant')

export const billsRouter = new Hono<AppEnv>()
  .post('/bills', ...merchantOrPos, async (c) => {
    const body = parse(bitpayBillBody, await bitpayBody(c))
    const bill = await createBill(c.env, c.get('auth'), billInputOfBitPay(body))
    return sendJson(c, { facade: `${facadeOf(c)}/bill`, data: bitpayBillView(c.env, bill, c.req.url, facadeOf(c)) })
  })
  .get('/bills', ...merchantOnly, async (c) => {
    // The official client sends unset filters as empty parameters (`status=`): treat them as absent.
    const query = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''))
    const q = parse(bitpayBillsQuery, query, 'query')
    const { rows } = await listBills(c.env, c.get('auth'), { status: q.status, limit: 100, offset: 0 })
    return sendJson(c, { facade: 'merchant/bill', data: rows.map((b) => bitpayBillView(c.env, b, c.req.url, 'merchant')) })
  })
  .get('/bills/:id', ...merchantOrPos, async (c) => {
    const bill = await findBill(c.env, c.get('auth'), c.req.param('id'))
    return sendJson(c, { facade: `${facadeOf(c)}/bill`, data: bitpayBillView(c.env, bill, c.req.url, facadeOf(c)) })
  })
  .put('/bills/:id', async (c) => {
    const raw = await bitpayBody(c)
    const bill = await billByToken(c.env, c.req.param('id'), raw.token)
    await checkResourceSigner(c, bill, true)
    const updated = await updateBill(c.env, bill, billInputOfBitPay(parse(bitpayBillBody, raw)))
    return sendJson(c, { facade: 'merchant/bill', data: bitpayBillView(c.env, updated, c.req.url, 'merchant') })
  })
  .post('/bills/:id/deliveries', async (c) => {
    const raw = await bitpayBody(c)
    const bill = await billByToken(c.env, c.req.param('id'), raw.token)
    await checkResourceSigner(c, bill, false)
    await deliverBill(c.env, bill, c.req.url)
    // The SDK's deliverBill is true only for exactly "Success".
    return sendJson(c, { data: 'Success' })
  })
