import { z } from '@hono/zod-openapi'
import { getDb } from '../../db/client'
import { bitpayScaled, formatLedgerAmount, LEDGER_CODE_NAMES, type LedgerCode } from '../../domain/ledger'
import { JsonDecimal } from '../../domain/exact-json'
import { bitpayContext } from '../../services/ledger/bitpay'
import { balances, listEntries, type EntryWithPayment } from '../../services/ledger/ledger'
import { bitpayRoute, bitpayRouter } from './route'

const DAY_MS = 86_400_000
/** Without dates, /ledgers/{currency} returns the last 30 days (BitPay requires them; the SDK may omit them). */
export const DEFAULT_LEDGER_DAYS = 30
const MAX_ENTRIES = 10_000

/** An optional date: `YYYY-MM-DD` or ISO 8601; the SDK's `key=` (null) counts as absent. */
export const bitpayDate = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date (YYYY-MM-DD)')
    .transform((s) => Date.parse(s))
    .optional(),
)

export const ledgerEntriesQuery = z.object({
  startDate: bitpayDate,
  endDate: bitpayDate,
  currency: z.string().optional(),
})

/** BitPay's `buyerFields` from the invoice's buyer object. */
function buyerFields(b: Record<string, unknown> | undefined) {
  const s = (k: string) => (typeof b?.[k] === 'string' ? (b[k] as string) : undefined)
  return {
    buyerName: s('name'),
    buyerAddress1: s('address1'),
    buyerAddress2: s('address2'),
    buyerCity: s('locality'),
    buyerState: s('region'),
    buyerZip: s('postalCode'),
    buyerCountry: s('country'),
    buyerPhone: s('phone'),
    buyerNotify: b?.notify === true,
    buyerEmail: s('email'),
  }
}

type Context = Awaited<ReturnType<typeof bitpayContext>>

/** A `/ledgers/{currency}` entry: amount as an integer scaled by `scale`. */
export function bitpayLedgerEntry({ entry: e, payment }: EntryWithPayment, ctx: Context) {
  const names = LEDGER_CODE_NAMES[e.code as LedgerCode] ?? { type: 'Custom', txType: 'Custom' }
  const { amount, scale } = bitpayScaled(BigInt(e.amount))
  return {
    type: names.type,
    amount,
    code: e.code,
    description: e.description ?? names.type,
    timestamp: e.createdAt,
    txType: names.txType,
    scale,
    currency: e.currency,
    id: e.id,
    ...(payment
      ? {
          invoiceId: payment.id,
          invoiceAmount: new JsonDecimal(payment.amount),
          invoiceCurrency: payment.currency,
          transactionCurrency: payment.token,
          buyerFields: buyerFields(ctx.buyers.get(payment.id)),
        }
      : {}),
    ...(e.sourceType === 'refund' ? { supportRequest: e.sourceId } : {}),
  }
}

const buyerFieldsSchema = z.object({
  buyerName: z.string().optional(),
  buyerAddress1: z.string().optional(),
  buyerAddress2: z.string().optional(),
  buyerCity: z.string().optional(),
  buyerState: z.string().optional(),
  buyerZip: z.string().optional(),
  buyerCountry: z.string().optional(),
  buyerPhone: z.string().optional(),
  buyerNotify: z.boolean(),
  buyerEmail: z.string().optional(),
})
const ledgerEntrySchema = z
  .object({
    type: z
      .string()
      .openapi({ description: 'Entry name: Invoice, Invoice Fee, Invoice Refund, Account Settlement, …' }),
    amount: z.number().int().openapi({ description: 'Exact integer amount; the decimal is amount / scale' }),
    code: z.number().int().openapi({
      description:
        '1000 invoice, 1017 settlement, 1020 refund, 1022 corrective, 1023 invoice fee, 1034 payout, 1040 payout fee',
    }),
    description: z.string(),
    timestamp: z.string().openapi({ description: 'ISO 8601 UTC' }),
    txType: z.string().openapi({ description: 'Deprecated: sale, Invoice Fee, Invoice Refund, …' }),
    scale: z.number().int().openapi({ description: '10^8, or 10^18 when 10^8 would not be exact' }),
    currency: z.string(),
    id: z.string(),
    invoiceId: z.string().optional(),
    invoiceAmount: z.number().optional().openapi({ description: 'Invoice price (exact decimal)' }),
    invoiceCurrency: z.string().optional(),
    transactionCurrency: z.string().nullable().optional().openapi({ description: 'The currency paid' }),
    buyerFields: buyerFieldsSchema.optional(),
    supportRequest: z.string().nullable().optional().openapi({ description: 'The refund id (code 1020)' }),
  })
  .openapi('BitPayLedgerEntry')
const FACADE = 'merchant/ledger' as const

export const ledgersRouter = bitpayRouter()
bitpayRoute(ledgersRouter, {
  method: 'get',
  path: '/ledgers',
  summary: 'Balance per currency held (merchant token)',
  signing: 'token',
  facades: ['merchant'],
  responses: {
    200: z.object({
      facade: z.literal(FACADE),
      data: z.array(
        z.object({
          currency: z.string().openapi({ description: 'A currency held (pay token), e.g. ETH' }),
          balance: z.number().openapi({ description: 'Exact decimal balance: the sum of the entries' }),
        }),
      ),
    }),
  },
  handler: async (c, { auth }) => {
    const rows = await balances(getDb(c.env.DB), auth)
    return {
      facade: FACADE,
      data: rows.map((b) => ({ currency: b.currency, balance: new JsonDecimal(formatLedgerAmount(b.balance)) })),
    }
  },
})
bitpayRoute(ledgersRouter, {
  method: 'get',
  path: '/ledgers/{currency}',
  summary: 'Ledger entries of a currency (startDate/endDate YYYY-MM-DD, optional: default the last 30 days)',
  signing: 'token',
  facades: ['merchant'],
  request: { params: z.object({ currency: z.string() }), query: ledgerEntriesQuery },
  responses: { 200: z.object({ facade: z.literal(FACADE), data: z.array(ledgerEntrySchema) }) },
  handler: async (c, { auth, params, query: q }) => {
    const end = q.endDate === undefined ? Date.now() : q.endDate + DAY_MS // endDate is a whole day
    const start = q.startDate ?? end - DEFAULT_LEDGER_DAYS * DAY_MS
    const db = getDb(c.env.DB)
    const filter = {
      currency: params.currency.toUpperCase(),
      from: new Date(start).toISOString(),
      to: new Date(end).toISOString(),
    }
    const { rows } = await listEntries(db, auth, filter, { offset: 0, limit: MAX_ENTRIES })
    const ctx = await bitpayContext(
      db,
      rows.flatMap((r) => (r.payment ? [r.payment.id] : [])),
    )
    return { facade: FACADE, data: rows.map((r) => bitpayLedgerEntry(r, ctx)) }
  },
})
