import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { getDb } from '../../db/client'
import { bitpayScaled, formatLedgerAmount, LEDGER_CODE_NAMES, type LedgerCode } from '../../domain/ledger'
import { JsonDecimal } from '../../domain/exact-json'
import { bitpayContext } from '../../services/ledger/bitpay'
import { balances, listEntries, type EntryWithPayment } from '../../services/ledger/ledger'
import { rateLimit } from '../rate-limit'
import { bitpayAuth } from './auth'
import { sendJson } from './json'
import { parse } from './parse'

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

export const ledgerEntriesQuery = z.object({ startDate: bitpayDate, endDate: bitpayDate, currency: z.string().optional() })

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

const auth = [bitpayAuth(['merchant']), rateLimit] as const

export const ledgersRouter = new Hono<AppEnv>()
  .get('/ledgers', ...auth, async (c) => {
    const rows = await balances(getDb(c.env.DB), c.get('auth'))
    return sendJson(c, { facade: 'merchant/ledger', data: rows.map((b) => ({ currency: b.currency, balance: new JsonDecimal(formatLedgerAmount(b.balance)) })) })
  })
  .get('/ledgers/:currency', ...auth, async (c) => {
    const q = parse(ledgerEntriesQuery, c.req.query(), 'query')
    const end = q.endDate === undefined ? Date.now() : q.endDate + DAY_MS // endDate is a whole day
    const start = q.startDate ?? end - DEFAULT_LEDGER_DAYS * DAY_MS
    const db = getDb(c.env.DB)
    const filter = { currency: c.req.param('currency').toUpperCase(), from: new Date(start).toISOString(), to: new Date(end).toISOString() }
    const { rows } = await listEntries(db, c.get('auth'), filter, { offset: 0, limit: MAX_ENTRIES })
    const ctx = await bitpayContext(db, rows.flatMap((r) => (r.payment ? [r.payment.id] : [])))
    return sendJson(c, { facade: 'merchant/ledger', data: rows.map((r) => bitpayLedgerEntry(r, ctx)) })
  })
