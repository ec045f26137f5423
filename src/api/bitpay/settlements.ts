import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { getDb } from '../../db/client'
import { formatLedgerAmount } from '../../domain/ledger'
import { JsonDecimal } from '../../domain/exact-json'
import { ApiError } from '../../errors'
import { sinActsForMerchant } from '../../services/bitpay-tokens'
import { settlementEntries, type EntryWithPayment } from '../../services/ledger/ledger'
import { getSettlement, listSettlements, settlementByToken, withholdingsOf, type SettlementRow } from '../../services/ledger/settlements'
import { rateLimit } from '../rate-limit'
import { bitpayAuth, signerSin } from './auth'
import { sendJson } from './json'
import { bitpayDate } from './ledgers'
import { parse } from './parse'

const DAY_MS = 86_400_000
const FACADE = 'merchant/settlement'
const decimal = (units: string | bigint) => new JsonDecimal(formatLedgerAmount(BigInt(units)))

/** BitPay's settlement object; amounts are decimals in units of the currency. */
export function bitpaySettlement(s: SettlementRow) {
  return {
    id: s.id,
    accountId: s.merchantId,
    currency: s.currency,
    status: s.status,
    dateCreated: s.createdAt,
    dateExecuted: s.executedAt,
    openingDate: s.openingDate,
    closingDate: s.closingDate,
    openingBalance: decimal(s.openingBalance),
    ledgerEntriesSum: decimal(s.ledgerEntriesSum),
    withholdings: withholdingsOf(s).map((w) => ({ amount: decimal(w.amount), code: w.code, description: w.description })),
    withholdingsSum: decimal(s.withholdingsSum),
    totalAmount: decimal(s.totalAmount),
    token: s.token,
  }
}

/** A reconciliation-report entry: decimal amount, with the invoice's data for invoice entries. */
export function reconciliationEntry({ entry: e, payment }: EntryWithPayment) {
  return {
    code: e.code,
    ...(e.description ? { description: e.description } : {}),
    timestamp: e.createdAt,
    amount: decimal(e.amount),
    ...(payment
      ? {
          invoiceId: payment.id,
          invoiceData: {
            orderId: payment.orderId ?? payment.id,
            date: payment.createdAt,
            price: new JsonDecimal(payment.amount),
            currency: payment.currency,
            transactionCurrency: payment.token,
            payoutPercentage: { [e.currency]: 100 },
          },
        }
      : {}),
  }
}

const positive = (name: string, max: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number({ message: `${name} must be a number` }).int().min(0).max(max).optional())

export const listSettlementsQuery = z.object({
  startDate: bitpayDate,
  endDate: bitpayDate,
  dateStart: bitpayDate,
  dateEnd: bitpayDate,
  currency: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^[A-Za-z0-9.]{2,12}$/, 'must be a currency code').optional()),
  status: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['new', 'processing', 'completed', 'rejected']).optional()),
  limit: positive('limit', 100),
  offset: positive('offset', 1_000_000),
})

const auth = [bitpayAuth(['merchant']), rateLimit] as const

export const settlementsRouter = new Hono<AppEnv>()
  .get('/settlements', ...auth, async (c) => {
    const q = parse(listSettlementsQuery, c.req.query(), 'query')
    const start = q.startDate ?? q.dateStart
    const end = q.endDate ?? q.dateEnd
    const { rows } = await listSettlements(
      getDb(c.env.DB),
      c.get('auth'),
      {
        currency: q.currency?.toUpperCase(),
        status: q.status,
        from: start === undefined ? undefined : new Date(start).toISOString(),
        to: end === undefined ? undefined : new Date(end + DAY_MS).toISOString(),
      },
      { offset: q.offset ?? 0, limit: q.limit ?? 100 },
    )
    return sendJson(c, { facade: FACADE, data: rows.map(bitpaySettlement) })
  })
  .get('/settlements/:id', ...auth, async (c) => {
    const settlement = await getSettlement(getDb(c.env.DB), c.get('auth'), c.req.param('id'))
    return sendJson(c, { facade: FACADE, data: bitpaySettlement(settlement) })
  })
  .get('/settlements/:id/reconciliationReport', async (c) => {
    // Authorised by the settlement's own token, signed by a key linked to one of the merchant's tokens.
    const sin = await signerSin(c)
    const db = getDb(c.env.DB)
    const settlement = await settlementByToken(db, c.req.param('id'), c.req.query('token'))
    if (!(await sinActsForMerchant(db, sin, settlement.merchantId, settlement.livemode))) {
      throw new ApiError('UNAUTHORIZED', 'The signing identity is not linked to a merchant token of this account', 'x-identity')
    }
    const entries = await settlementEntries(db, settlement.id)
    return sendJson(c, { facade: FACADE, data: { ...bitpaySettlement(settlement), ledgerEntries: entries.map(reconciliationEntry) } })
  })
