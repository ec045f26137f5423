import { OpenAPIHono, createRoute } from '@hono/zod-openapi'
import type { Context, MiddlewareHandler } from 'hono'
import { merchantGuard } from '../../auth/middleware'
import { publicOrigin } from '../../config'
import { rateSourceFor } from '../../chain/price-feeds'
import type { AppEnv, AuthedEnv } from '../../context'
import { getDb } from '../../db/client'
import { ApiError } from '../../errors'
import { createLink, getLink, linkDetails, listLinks, updateLinkStatus } from '../../services/links/links'
import { idempotency } from '../idempotency'
import { linksValidationHook, linkErrorSchema } from './errors'
import { jsonWithDecimals } from './json'
import {
  canonicalOrderAmount,
  createLinkBody,
  linkDetailsSchema,
  linkIdParam,
  linkListSchema,
  linkSchema,
  listLinksQuery,
  paymentIdParam,
  updateLinkBody,
} from './links.schemas'
import { linkDetailsView, linkListItem, linkView } from './links.views'

type RouteConfig = Parameters<typeof createRoute>[0]

const error = (description: string) => ({ description, content: { 'application/json': { schema: linkErrorSchema } } })

/**
 * A route of this surface: the same merchant keys as /v1 (authenticateMerchant runs in app.ts: key
 * lookup, rate limit, signature and replay check), 401 with the message 002 gives for the endpoint,
 * Idempotency-Key on POST.
 */
function linkRoute<const R extends RouteConfig>(config: R, unauthorized: string) {
  const requireKey = merchantGuard(() => new ApiError('UNAUTHORIZED', unauthorized, 'Authorization'))
  const middleware: MiddlewareHandler<AuthedEnv>[] = [requireKey]
  if (config.method === 'post') middleware.push(idempotency)
  const security: Record<string, string[]>[] = [{ apiKeyHeader: [] }, { bearerAuth: [] }]
  return createRoute({
    ...config,
    tags: ['Payment links'],
    security,
    middleware: middleware as [MiddlewareHandler<AuthedEnv>],
  })
}

const createRouteDef = linkRoute(
  {
    method: 'post',
    path: '/payments/links',
    summary: 'Create a payment link',
    description:
      "Seed 002 §1. Beyond 002: optional `max_uses` (default 1, at most 100: 422 above), `expires_in` (seconds, default 1500) or `expiry_date`. A test-key link starts its first payment at once, so the sandbox amounts 10 / 20 / 30 settle on their own. A buyer's visit to `hosted_url` opens a payment only while uses are left: a payment that can still complete holds a use, so a single-use link shows its one open payment to every visitor and a multi-use link refuses visitors beyond `max_uses` with a 409 page until a payment lapses; at most `max_uses` payments complete (one paid beyond is kept as `expired` / `paid_late` for a refund). Link previews (HEAD, unfurling bots such as Slackbot or WhatsApp, prefetch) see the link without opening a payment.",
    request: { body: { required: true, content: { 'application/json': { schema: createLinkBody } } } },
    responses: {
      200: { description: 'The link', content: { 'application/json': { schema: linkSchema } } },
      400: error('Validation failed: one entry in details per field'),
      401: error('Missing or invalid access token, or merchant_key of another merchant'),
      422: error('Maximum uses cannot exceed 100 for this account tier'),
      429: error('Rate limit exceeded'),
    },
  },
  'Missing or invalid access token',
)

const updateRouteDef = linkRoute(
  {
    method: 'patch',
    path: '/payments/links/{id}',
    summary: "Update a payment link's status",
    description:
      'Seed 002 §2: expired, inactive or cancelled. Switches the link off and cancels an open payment that has received nothing; a payment already receiving funds goes on.',
    request: {
      params: linkIdParam,
      body: { required: true, content: { 'application/json': { schema: updateLinkBody } } },
    },
    responses: {
      200: { description: 'The link', content: { 'application/json': { schema: linkSchema } } },
      400: error('Validation failed'),
      401: error('Missing or invalid access token'),
      404: error('Payment link not found'),
      422: error('Cannot update status of completed payment'),
      429: error('Rate limit exceeded'),
    },
  },
  'Missing or invalid access token',
)

const getRouteDef = linkRoute(
  {
    method: 'get',
    path: '/payments/links/{payment_id}',
    summary: 'Get a payment link with payers and transactions',
    description: 'Seed 002 §3. `payment_id` is the link id, or the id of one of its payments (as webhooks carry).',
    request: { params: paymentIdParam },
    responses: {
      200: { description: 'The link in detail', content: { 'application/json': { schema: linkDetailsSchema } } },
      400: error('payment_id must be a valid UUID'),
      401: error('Invalid or expired access token'),
      404: error('Payment not found'),
      429: error('Rate limit exceeded'),
    },
  },
  'Invalid or expired access token',
)

const listRouteDef = linkRoute(
  {
    method: 'get',
    path: '/payments/links',
    summary: 'List payment links',
    description: 'Seed 002 §4. Newest first; `statuses` takes payment statuses and active/inactive.',
    request: { query: listLinksQuery },
    responses: {
      200: { description: 'A page of links', content: { 'application/json': { schema: linkListSchema } } },
      400: error('page_size must be between 1 and 100'),
      401: error('Invalid or expired token'),
      429: error('Rate limit exceeded'),
    },
  },
  'Invalid or expired token',
)

const tokenType = (c: Context<AuthedEnv>) =>
  /^Bearer\s/i.test(c.req.header('authorization') ?? '') ? ('bearer' as const) : ('x-api-key' as const)
const origin = (c: Context<AuthedEnv>) => publicOrigin(c.env, c.req.url)

export const linksRouter = new OpenAPIHono<AppEnv>({ defaultHook: linksValidationHook })
  .openapi(createRouteDef, async (c) => {
    const body = c.req.valid('json')
    const auth = c.get('auth')
    // 401, not 422: the key and merchant_key name two different accounts, which is a credentials problem.
    if (body.merchant_key !== auth.merchantKey)
      throw new ApiError('UNAUTHORIZED', 'merchant_key does not match the API key', 'merchant_key')
    const record = await createLink(c.env, auth, {
      name: body.payment_name,
      orderCurrency: body.order_currency,
      orderAmount: canonicalOrderAmount(body),
      payerId: body.payer_id,
      payerName: body.payer_name,
      payerEmail: body.payer_email,
      payerPhone: body.payer_phone,
      payerIp: body.payer_ip,
      successUrl: body.success_url,
      cancelUrl: body.cancel_url,
      webhookData: body.webhook_data,
      maxUses: body.max_uses,
      expiresIn: body.expires_in,
      expiryDate: body.expiry_date,
    })
    return jsonWithDecimals(c, linkView(record, origin(c), tokenType(c), new Date().toISOString()), 200)
  })
  .openapi(updateRouteDef, async (c) => {
    const { id } = c.req.valid('param')
    const body = c.req.valid('json')
    if (body.id !== undefined && body.id.toLowerCase() !== id)
      throw new ApiError('VALIDATION_ERROR', 'must match the id in the path', 'id')
    const record = await updateLinkStatus(c.env, c.get('auth'), id, body.status)
    return jsonWithDecimals(c, linkView(record, origin(c), tokenType(c), new Date().toISOString()), 200)
  })
  .openapi(getRouteDef, async (c) => {
    const db = getDb(c.env.DB)
    const record = await getLink(db, c.get('auth'), c.req.valid('param').payment_id, 'Payment not found')
    const [details, prices] = await Promise.all([linkDetails(db, record.link), rateSourceFor(c.env).prices()])
    return jsonWithDecimals(c, linkDetailsView(record, details, origin(c), prices, new Date().toISOString()), 200)
  })
  .openapi(listRouteDef, async (c) => {
    const q = c.req.valid('query')
    const now = new Date()
    const { records, total } = await listLinks(
      getDb(c.env.DB),
      c.get('auth'),
      {
        page: q.page,
        pageSize: q.page_size,
        statuses: q.statuses,
        currency: q.currency,
        fromDate: q.from_date,
        toDate: q.to_date,
      },
      now,
    )
    const totalPages = Math.ceil(total / q.page_size)
    const page = {
      page: q.page,
      page_size: q.page_size,
      total_items: total,
      total_pages: totalPages,
      has_more: q.page < totalPages,
      payment_links: records.map((r) => linkListItem(r, origin(c), now.toISOString())),
    }
    return jsonWithDecimals(c, page, 200)
  })
