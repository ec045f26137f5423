import { z } from '@hono/zod-openapi'
import { LIMITS } from '../../config'
import { getDb } from '../../db/client'
import { formatLedgerAmount } from '../../domain/ledger'
import { ApiError } from '../../errors'
import { settlementEntries } from '../../services/ledger/ledger'
import {
  closeOpenSettlements,
  getSettlement,
  listSettlements,
  withholdingsOf,
  type SettlementRow,
} from '../../services/ledger/settlements'
import { commonErrors, envelope, errorResponse, jsonResponse as json, listEnvelope, ok, okList } from './envelope'
import { currencyParam, instant, ledgerEntrySchema, toLedgerEntryView } from './ledger'
import { merchantRoute, v1Router } from './router'
import { resourceIdParam } from '../schemas'

const tags = ['Settlements']
const amount = z
  .string()
  .openapi({ description: 'Signed decimal string in units of the currency (exact)', example: '35.88' })

export const settlementSchema = z
  .object({
    id: z.string(),
    object: z.literal('settlement'),
    currency: z.string().openapi({ example: 'USDC' }),
    status: z
      .enum(['new', 'processing', 'completed', 'rejected'])
      .openapi({ description: "Funds are the merchant's on arrival, so every settlement is `completed`" }),
    opening_date: z.string(),
    closing_date: z.string(),
    opening_balance: amount,
    ledger_entries_sum: amount,
    withholdings: z.array(
      z.object({
        amount,
        code: z.string().openapi({ example: 'W005' }),
        description: z.string().openapi({ example: 'Pending Refunds' }),
      }),
    ),
    withholdings_sum: amount,
    total_amount: amount.openapi({
      description: 'opening_balance + ledger_entries_sum − withholdings_sum; booked as a 1017 entry in the next period',
    }),
    entry_count: z.number().int(),
    token: z.string().openapi({ description: 'Resource token for the BitPay reconciliation report' }),
    livemode: z.boolean(),
    created_at: z.string(),
    executed_at: z.string(),
  })
  .openapi('Settlement')

const settlementWithEntries = settlementSchema
  .extend({ entries: z.array(ledgerEntrySchema) })
  .openapi('SettlementWithEntries')

export function toSettlementView(s: SettlementRow): z.infer<typeof settlementSchema> {
  return {
    id: s.id,
    object: 'settlement',
    currency: s.currency,
    status: s.status,
    opening_date: s.openingDate,
    closing_date: s.closingDate,
    opening_balance: formatLedgerAmount(BigInt(s.openingBalance)),
    ledger_entries_sum: formatLedgerAmount(BigInt(s.ledgerEntriesSum)),
    withholdings: withholdingsOf(s).map((w) => ({
      amount: formatLedgerAmount(w.amount),
      code: w.code,
      description: w.description,
    })),
    withholdings_sum: formatLedgerAmount(BigInt(s.withholdingsSum)),
    total_amount: formatLedgerAmount(BigInt(s.totalAmount)),
    entry_count: s.entryCount,
    token: s.token,
    livemode: s.livemode,
    created_at: s.createdAt,
    executed_at: s.executedAt,
  }
}

const listQuery = z.object({
  currency: currencyParam.optional().openapi({ type: 'string', example: 'USDC' }),
  status: z.enum(['new', 'processing', 'completed', 'rejected']).optional(),
  from: instant.optional().openapi({ type: 'string', description: 'Closing at or after (ISO 8601)' }),
  to: instant.optional().openapi({ type: 'string', description: 'Closing before (ISO 8601)' }),
  page: z.coerce.number().int().min(1).default(1).openapi({ example: 1 }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIMITS.maxPageSize)
    .default(LIMITS.defaultPageSize)
    .openapi({ example: 20 }),
})
const idParam = resourceIdParam()

const listRoute = merchantRoute({
  method: 'get',
  path: '/settlements',
  tags,
  summary: 'List settlements',
  description:
    'Period statements per currency, newest first. Periods close by cron (daily at 00:00 UTC by default; SETTLEMENT_PERIOD_HOURS).',
  request: { query: listQuery },
  responses: { 200: json(listEnvelope(settlementSchema), 'A page of settlements'), ...commonErrors },
})
const getRoute = merchantRoute({
  method: 'get',
  path: '/settlements/{id}',
  tags,
  summary: 'Get a settlement with its entries',
  request: { params: idParam },
  responses: {
    200: json(envelope(settlementWithEntries), 'The settlement and the entries it states'),
    ...commonErrors,
    404: errorResponse('No such settlement'),
  },
})
const closeRoute = merchantRoute({
  method: 'post',
  path: '/sandbox/settlements/close',
  tags: ['Sandbox'],
  summary: 'Close the open settlement period now (test keys)',
  description:
    'Creates the settlements of every currency with entries since the last closing, as the cron would at the end of the period.',
  responses: {
    200: json(envelope(z.array(settlementSchema)), 'The settlements created (empty when nothing was open)'),
    ...commonErrors,
    403: errorResponse('Called with a live key'),
  },
})

export const settlementsRouter = v1Router()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid('query')
    const { rows, total } = await listSettlements(getDb(c.env.DB), c.get('auth'), q, {
      offset: (q.page - 1) * q.limit,
      limit: q.limit,
    })
    const totalPages = Math.max(1, Math.ceil(total / q.limit))
    return c.json(
      okList(c, rows.map(toSettlementView), {
        page: q.page,
        limit: q.limit,
        total,
        total_pages: totalPages,
        has_more: q.page < totalPages,
      }),
      200,
    )
  })
  .openapi(getRoute, async (c) => {
    const db = getDb(c.env.DB)
    const settlement = await getSettlement(db, c.get('auth'), c.req.valid('param').id)
    const entries = await settlementEntries(db, settlement.id)
    return c.json(ok(c, { ...toSettlementView(settlement), entries: entries.map(toLedgerEntryView) }), 200)
  })
  .openapi(closeRoute, async (c) => {
    const auth = c.get('auth')
    if (auth.livemode)
      throw new ApiError('FORBIDDEN', 'Closing a period on demand is only available with test keys', 'Authorization')
    const rows = await closeOpenSettlements(c.env, auth)
    return c.json(ok(c, rows.map(toSettlementView)), 200)
  })
