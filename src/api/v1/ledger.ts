import { z } from '@hono/zod-openapi'
import { LIMITS } from '../../config'
import { getDb } from '../../db/client'
import { formatLedgerAmount, LEDGER_CODE_NAMES, type LedgerCode } from '../../domain/ledger'
import { balances, listEntries, type EntryWithPayment } from '../../services/ledger/ledger'
import { commonErrors, envelope, jsonResponse as json, listEnvelope, ok, okList } from './envelope'
import { merchantRoute, v1Router } from './router'

const tags = ['Ledger']
const signedDecimal = z
  .string()
  .openapi({ description: 'Signed decimal string in units of the currency (exact)', example: '-0.05' })
export const currencyParam = z
  .string()
  .regex(/^[A-Za-z0-9.]{2,12}$/, 'must be a currency code such as USDC or ETH')
  .transform((s) => s.toUpperCase())

const balanceSchema = z
  .object({
    currency: z
      .string()
      .openapi({ example: 'USDC', description: 'A currency held: the pay token of completed payments' }),
    balance: signedDecimal.openapi({ example: '125.5', description: 'Sum of the ledger entries in this currency' }),
    livemode: z.boolean(),
  })
  .openapi('Balance')

export const ledgerEntrySchema = z
  .object({
    id: z.string(),
    object: z.literal('ledger_entry'),
    currency: z.string().openapi({ example: 'USDC' }),
    code: z.number().int().openapi({
      description:
        'BitPay entry code: 1000 payment, 1017 settlement, 1020 refund, 1022 corrective, 1023 fee, 1034 payout, 1040 payout fee',
      example: 1000,
    }),
    type: z.string().openapi({ example: 'Invoice' }),
    amount: signedDecimal.openapi({ example: '10' }),
    payment_id: z.string().nullable(),
    order_id: z.string().nullable(),
    source: z.object({ type: z.enum(['payment', 'refund', 'settlement', 'payout']), id: z.string() }),
    description: z.string().nullable(),
    settlement_id: z
      .string()
      .nullable()
      .openapi({ description: 'The settlement that states this entry; null while its period is open' }),
    livemode: z.boolean(),
    created_at: z.string(),
  })
  .openapi('LedgerEntry')

export function toLedgerEntryView({ entry: e, payment }: EntryWithPayment): z.infer<typeof ledgerEntrySchema> {
  return {
    id: e.id,
    object: 'ledger_entry',
    currency: e.currency,
    code: e.code,
    type: LEDGER_CODE_NAMES[e.code as LedgerCode]?.type ?? 'Custom',
    amount: formatLedgerAmount(BigInt(e.amount)),
    payment_id: e.paymentId,
    order_id: payment?.orderId ?? null,
    source: { type: e.sourceType, id: e.sourceId },
    description: e.description,
    settlement_id: e.settlementId,
    livemode: e.livemode,
    created_at: e.createdAt,
  }
}

export const instant = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date or date-time')
  .transform((s) => new Date(s).toISOString())

const ledgerQuery = z.object({
  currency: currencyParam.optional().openapi({ type: 'string', example: 'USDC' }),
  from: instant.optional().openapi({ type: 'string', description: 'Entries at or after (ISO 8601)' }),
  to: instant.optional().openapi({ type: 'string', description: 'Entries before (ISO 8601)' }),
  page: z.coerce.number().int().min(1).default(1).openapi({ example: 1 }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIMITS.maxPageSize)
    .default(LIMITS.defaultPageSize)
    .openapi({ example: 20 }),
})

/** Most rows one CSV export carries; narrow the dates for more. */
export const CSV_MAX_ROWS = 10_000

const balancesRoute = merchantRoute({
  method: 'get',
  path: '/balances',
  tags,
  summary: 'Balances per currency held',
  description: 'One balance per currency the ledger holds for this mode; each is the sum of its entries.',
  responses: { 200: json(envelope(z.array(balanceSchema)), 'Balances, by currency'), ...commonErrors },
})

const ledgerRoute = merchantRoute({
  method: 'get',
  path: '/ledger',
  tags,
  summary: 'List ledger entries (JSON, or CSV with Accept: text/csv)',
  description: `Entries in time order. With \`Accept: text/csv\` the response is a CSV of every matching entry (page and limit ignored, at most ${CSV_MAX_ROWS} rows).`,
  request: { query: ledgerQuery },
  responses: {
    200: {
      description: 'A page of entries, or the CSV export',
      content: {
        'application/json': { schema: listEnvelope(ledgerEntrySchema) },
        'text/csv': {
          schema: z.string().openapi({
            example:
              'id,created_at,currency,code,type,amount,payment_id,order_id,source_type,source_id,description,settlement_id\n',
          }),
        },
      },
    },
    ...commonErrors,
  },
})

const CSV_COLUMNS = [
  'id',
  'created_at',
  'currency',
  'code',
  'type',
  'amount',
  'payment_id',
  'order_id',
  'source_type',
  'source_id',
  'description',
  'settlement_id',
] as const

function csvCell(value: string | number | null): string {
  const text = value === null ? '' : String(value)
  // Quote what needs it, and defuse spreadsheet formulas in free text.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

export function ledgerCsv(rows: EntryWithPayment[]): string {
  const lines = rows.map((r) => {
    const v = toLedgerEntryView(r)
    return [
      v.id,
      v.created_at,
      v.currency,
      v.code,
      v.type,
      v.amount,
      v.payment_id,
      v.order_id,
      v.source.type,
      v.source.id,
      v.description,
      v.settlement_id,
    ]
      .map(csvCell)
      .join(',')
  })
  return `${[CSV_COLUMNS.join(','), ...lines].join('\r\n')}\r\n`
}

export const ledgerRouter = v1Router()
  .openapi(balancesRoute, async (c) => {
    const auth = c.get('auth')
    const rows = await balances(getDb(c.env.DB), auth)
    return c.json(
      ok(
        c,
        rows.map((b) => ({ currency: b.currency, balance: formatLedgerAmount(b.balance), livemode: auth.livemode })),
      ),
      200,
    )
  })
  .openapi(ledgerRoute, async (c) => {
    const auth = c.get('auth')
    const q = c.req.valid('query')
    const db = getDb(c.env.DB)
    const filter = { currency: q.currency, from: q.from, to: q.to }
    if ((c.req.header('accept') ?? '').includes('text/csv')) {
      const { rows } = await listEntries(db, auth, filter, { offset: 0, limit: CSV_MAX_ROWS })
      return c.body(ledgerCsv(rows), 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': 'attachment; filename="ledger.csv"',
      })
    }
    const { rows, total } = await listEntries(db, auth, filter, { offset: (q.page - 1) * q.limit, limit: q.limit })
    const totalPages = Math.max(1, Math.ceil(total / q.limit))
    return c.json(
      okList(c, rows.map(toLedgerEntryView), {
        page: q.page,
        limit: q.limit,
        total,
        total_pages: totalPages,
        has_more: q.page < totalPages,
      }),
      200,
    )
  })
