import { z } from '@hono/zod-openapi'
import { getDb } from '../../db/client'
import { formatLedgerAmount } from '../../domain/ledger'
import { JsonDecimal } from '../../domain/exact-json'
import { ApiError } from '../../errors'
import { sinActsForMerchant } from '../../services/bitpay/tokens'
import { settlementEntries, type EntryWithPayment } from '../../services/ledger/ledger'
import {
  getSettlement,
  listSettlements,
  settlementByToken,
  withholdingsOf,
  type SettlementRow,
} from '../../services/ledger/settlements'
import { signerSin } from './auth'
import { bitpayDate } from './ledgers'
import { bitpayRoute, bitpayRouter } from './route'
import { idParam } from './schemas'

const DAY_MS = 86_400_000
const FACADE = 'merchant/settlement' as const
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
    withholdings: withholdingsOf(s).map((w) => ({
      amount: decimal(w.amount),
      code: w.code,
      description: w.description,
    })),
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
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce
      .number({ message: `${name} must be a number` })
      .int()
      .min(0)
      .max(max)
      .optional(),
  )

export const listSettlementsQuery = z.object({
  startDate: bitpayDate,
  endDate: bitpayDate,
  dateStart: bitpayDate,
  dateEnd: bitpayDate,
  currency: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^[A-Za-z0-9.]{2,12}$/, 'must be a currency code')
      .optional(),
  ),
  status: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(['new', 'processing', 'completed', 'rejected']).optional(),
  ),
  limit: positive('limit', 100),
  offset: positive('offset', 1_000_000),
})

const exact = (description: string) => z.number().openapi({ description: `Exact decimal: ${description}` })
const settlementSchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    currency: z.string(),
    status: z.enum(['new', 'processing', 'completed', 'rejected']),
    dateCreated: z.string(),
    dateExecuted: z.string().nullable(),
    openingDate: z.string().nullable(),
    closingDate: z.string(),
    openingBalance: exact('the balance carried over'),
    ledgerEntriesSum: exact("the sum of the period's entries"),
    withholdings: z.array(
      z.object({
        amount: z.number(),
        code: z.string().openapi({ description: 'W005: pending refunds' }),
        description: z.string(),
      }),
    ),
    withholdingsSum: exact('the sum of the withholdings'),
    totalAmount: exact('openingBalance + ledgerEntriesSum − withholdingsSum'),
    token: z.string().openapi({ description: 'Resource token for the reconciliation report' }),
  })
  .openapi('BitPaySettlement')
const reconciliationEntrySchema = z.object({
  code: z.number().int(),
  description: z.string().optional(),
  timestamp: z.string(),
  amount: exact('not scaled'),
  invoiceId: z.string().optional(),
  invoiceData: z
    .object({
      orderId: z.string(),
      date: z.string(),
      price: z.number(),
      currency: z.string(),
      transactionCurrency: z.string().nullable(),
      payoutPercentage: z.record(z.string(), z.number()),
    })
    .optional(),
})

export const settlementsRouter = bitpayRouter()
bitpayRoute(settlementsRouter, {
  method: 'get',
  path: '/settlements',
  summary: 'List settlements (startDate/endDate or dateStart/dateEnd, currency, status, limit, offset)',
  signing: 'token',
  facades: ['merchant'],
  request: { query: listSettlementsQuery },
  responses: { 200: z.object({ facade: z.literal(FACADE), data: z.array(settlementSchema) }) },
  handler: async (c, { auth, query: q }) => {
    const start = q.startDate ?? q.dateStart
    const end = q.endDate ?? q.dateEnd
    const { rows } = await listSettlements(
      getDb(c.env.DB),
      auth,
      {
        currency: q.currency?.toUpperCase(),
        status: q.status,
        from: start === undefined ? undefined : new Date(start).toISOString(),
        to: end === undefined ? undefined : new Date(end + DAY_MS).toISOString(),
      },
      { offset: q.offset ?? 0, limit: q.limit ?? 100 },
    )
    return { facade: FACADE, data: rows.map(bitpaySettlement) }
  },
})
bitpayRoute(settlementsRouter, {
  method: 'get',
  path: '/settlements/{id}',
  summary: 'Get a settlement',
  signing: 'token',
  facades: ['merchant'],
  request: { params: idParam },
  responses: { 200: z.object({ facade: z.literal(FACADE), data: settlementSchema }) },
  handler: async (c, { auth, params }) => ({
    facade: FACADE,
    data: bitpaySettlement(await getSettlement(getDb(c.env.DB), auth, params.id)),
  }),
})
bitpayRoute(settlementsRouter, {
  method: 'get',
  path: '/settlements/{id}/reconciliationReport',
  summary:
    'Reconciliation report: the settlement and its entries (?token=<settlement token>, signed by a key of the merchant)',
  signing: 'resource-token',
  signed: true,
  // Authorised by the settlement's own token, signed by a key linked to one of the merchant's tokens.
  authorize: async (c, token) => {
    const sin = await signerSin(c)
    const db = getDb(c.env.DB)
    const settlement = await settlementByToken(db, c.req.param('id') ?? '', token)
    if (!(await sinActsForMerchant(db, sin, settlement.merchantId, settlement.livemode))) {
      throw new ApiError(
        'UNAUTHORIZED',
        'The signing identity is not linked to a merchant token of this account',
        'x-identity',
      )
    }
    return settlement
  },
  request: { params: idParam, query: z.object({ token: z.string().openapi({ description: 'The settlement token' }) }) },
  responses: {
    200: z.object({
      facade: z.literal(FACADE),
      data: settlementSchema.extend({ ledgerEntries: z.array(reconciliationEntrySchema) }),
    }),
  },
  handler: async (c, { resource }) => {
    const entries = await settlementEntries(getDb(c.env.DB), resource.id)
    return { facade: FACADE, data: { ...bitpaySettlement(resource), ledgerEntries: entries.map(reconciliationEntry) } }
  },
})
