import { and, count, desc, eq, gte, inArray, isNull, lt, type SQL } from 'drizzle-orm'
import { constantTimeEqual, randomAlphanumeric } from '../../auth/crypto'
import type { AuthContext } from '../../context'
import { getDb, type Db } from '../../db/client'
import { insertLedgerEntries } from '../../db/ledger'
import { bitpayRefunds, ledgerEntries, payments, settlements } from '../../db/schema'
import { refundEntry } from '../../domain/ledger'
import {
  lastBoundary,
  planSettlements,
  settlementEntry,
  settlementPeriodMs,
  type PlannedSettlement,
  type Withholding,
} from '../../domain/settlement'
import { notFound } from '../../errors'

export type SettlementRow = typeof settlements.$inferSelect

/** The configured period (SETTLEMENT_PERIOD_HOURS, default 24: daily at 00:00 UTC). */
export function settlementPeriodFor(env: Env): number {
  return settlementPeriodMs((env as unknown as Record<string, unknown>).SETTLEMENT_PERIOD_HOURS)
}

interface Account {
  merchantId: string
  livemode: boolean
  currency: string
}

/** Cron: closes, for every account, the periods that ended at or before the last boundary. Idempotent. */
export async function closeDueSettlements(env: Env, now = Date.now()): Promise<SettlementRow[]> {
  const cutoff = lastBoundary(now, settlementPeriodFor(env))
  return closeAccounts(env, cutoff, now)
}

/** Sandbox: closes the caller's open period at once (test mode only, checked by the route). */
export async function closeOpenSettlements(env: Env, auth: AuthContext, now = Date.now()): Promise<SettlementRow[]> {
  return closeAccounts(env, now, now, eq(ledgerEntries.merchantId, auth.merchantId), auth.livemode)
}

async function closeAccounts(
  env: Env,
  cutoff: number,
  now: number,
  scope?: SQL,
  livemode?: boolean,
): Promise<SettlementRow[]> {
  const db = getDb(env.DB)
  const accounts = await db
    .selectDistinct({
      merchantId: ledgerEntries.merchantId,
      livemode: ledgerEntries.livemode,
      currency: ledgerEntries.currency,
    })
    .from(ledgerEntries)
    .where(
      and(
        isNull(ledgerEntries.settlementId),
        lt(ledgerEntries.createdAt, new Date(cutoff).toISOString()),
        scope,
        livemode === undefined ? undefined : eq(ledgerEntries.livemode, livemode),
      ),
    )
  const closed: SettlementRow[] = []
  for (const account of accounts)
    closed.push(...(await closeAccount(db, account, cutoff, now, settlementPeriodFor(env))))
  return closed
}

const ofAccount = (a: Account) =>
  and(
    eq(ledgerEntries.merchantId, a.merchantId),
    eq(ledgerEntries.livemode, a.livemode),
    eq(ledgerEntries.currency, a.currency),
  )

/** Refunds requested but not yet paid out, held back from the settlement (BitPay's W005). */
async function pendingRefunds(db: Db, a: Account): Promise<Withholding[]> {
  const rows = await db
    .select({ refund: bitpayRefunds, payment: payments })
    .from(bitpayRefunds)
    .innerJoin(payments, eq(payments.id, bitpayRefunds.paymentId))
    .where(
      and(
        eq(bitpayRefunds.merchantId, a.merchantId),
        eq(payments.livemode, a.livemode),
        eq(payments.token, a.currency),
        inArray(bitpayRefunds.status, ['created', 'pending']),
      ),
    )
  const held = rows.reduce(
    (sum, r) =>
      sum -
      refundEntry({ id: r.refund.id, amount: r.refund.amount, completedAt: r.refund.createdAt }, r.payment).amount,
    0n,
  )
  return held > 0n ? [{ amount: held, code: 'W005', description: 'Pending Refunds' }] : []
}

/**
 * Closes one account's due periods in one batch: the settlement rows, the assignment of exactly the
 * entries they state, and their 1017 debits. A concurrent closer reads the same last seq and loses
 * on the unique (account, seq) index, so its whole batch rolls back.
 */
async function closeAccount(
  db: Db,
  a: Account,
  cutoff: number,
  now: number,
  periodMs: number,
): Promise<SettlementRow[]> {
  const [unsettled, lastRows] = await db.batch([
    db
      .select({ id: ledgerEntries.id, amount: ledgerEntries.amount, createdAt: ledgerEntries.createdAt })
      .from(ledgerEntries)
      .where(
        and(
          ofAccount(a),
          isNull(ledgerEntries.settlementId),
          lt(ledgerEntries.createdAt, new Date(cutoff).toISOString()),
        ),
      ),
    db
      .select()
      .from(settlements)
      .where(
        and(
          eq(settlements.merchantId, a.merchantId),
          eq(settlements.livemode, a.livemode),
          eq(settlements.currency, a.currency),
        ),
      )
      .orderBy(desc(settlements.seq))
      .limit(1),
  ])
  const last = lastRows[0]
  const state = last
    ? {
        lastSeq: last.seq,
        lastClosing: Date.parse(last.closingDate),
        settledBalance: BigInt(last.openingBalance) + BigInt(last.ledgerEntriesSum),
      }
    : { lastSeq: 0, lastClosing: null, settledBalance: 0n }
  const plans = planSettlements(
    state,
    unsettled.map((e) => ({ id: e.id, amount: BigInt(e.amount), at: Date.parse(e.createdAt) })),
    cutoff,
    periodMs,
    await pendingRefunds(db, a),
  )
  if (plans.length === 0) return []
  const at = new Date(now).toISOString()
  const rows = plans.map((p) => settlementRow(a, p, at))
  const statements = rows.flatMap((row, i) => {
    const plan = plans[i] as PlannedSettlement
    const assign = chunks(plan.entryIds, 90).map((ids) =>
      db
        .update(ledgerEntries)
        .set({ settlementId: row.id })
        .where(and(inArray(ledgerEntries.id, ids), isNull(ledgerEntries.settlementId))),
    )
    const debit = settlementEntry({ ...a, id: row.id, totalAmount: plan.totalAmount }, at)
    return [db.insert(settlements).values(row), ...assign, ...(debit ? [insertLedgerEntries(db, [debit])] : [])]
  })
  try {
    await db.batch(statements as [(typeof statements)[number], ...typeof statements])
  } catch (err) {
    if (/UNIQUE constraint failed: settlements/.test(String(err))) return [] // another closer won
    throw err
  }
  return rows
}

function settlementRow(a: Account, p: PlannedSettlement, at: string): SettlementRow {
  return {
    id: randomAlphanumeric(22),
    merchantId: a.merchantId,
    livemode: a.livemode,
    currency: a.currency,
    seq: p.seq,
    status: 'completed',
    openingDate: new Date(p.openingDate).toISOString(),
    closingDate: new Date(p.closingDate).toISOString(),
    openingBalance: p.openingBalance.toString(),
    ledgerEntriesSum: p.ledgerEntriesSum.toString(),
    withholdings: JSON.stringify(p.withholdings.map((w) => ({ ...w, amount: w.amount.toString() }))),
    withholdingsSum: p.withholdingsSum.toString(),
    totalAmount: p.totalAmount.toString(),
    entryCount: p.entryIds.length,
    token: randomAlphanumeric(48),
    createdAt: at,
    executedAt: at,
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Withholdings as stored: amounts back to bigint. */
export function withholdingsOf(s: SettlementRow): Withholding[] {
  const parsed = JSON.parse(s.withholdings) as { amount: string; code: string; description: string }[]
  return parsed.map((w) => ({ ...w, amount: BigInt(w.amount) }))
}

export interface SettlementFilter {
  currency?: string
  status?: string
  /** ISO instants on the closing date: from inclusive, to exclusive. */
  from?: string
  to?: string
}

export async function listSettlements(
  db: Db,
  auth: AuthContext,
  f: SettlementFilter,
  page: { offset: number; limit: number },
): Promise<{ rows: SettlementRow[]; total: number }> {
  const where = and(
    eq(settlements.merchantId, auth.merchantId),
    eq(settlements.livemode, auth.livemode),
    f.currency ? eq(settlements.currency, f.currency) : undefined,
    f.status ? eq(settlements.status, f.status as SettlementRow['status']) : undefined,
    f.from ? gte(settlements.closingDate, f.from) : undefined,
    f.to ? lt(settlements.closingDate, f.to) : undefined,
  )
  const [rows, [counted]] = await db.batch([
    db
      .select()
      .from(settlements)
      .where(where)
      .orderBy(desc(settlements.closingDate), desc(settlements.seq))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ n: count() }).from(settlements).where(where),
  ])
  return { rows, total: counted?.n ?? 0 }
}

export async function getSettlement(db: Db, auth: AuthContext, id: string): Promise<SettlementRow> {
  const [row] = await db
    .select()
    .from(settlements)
    .where(
      and(eq(settlements.id, id), eq(settlements.merchantId, auth.merchantId), eq(settlements.livemode, auth.livemode)),
    )
  if (!row) throw notFound('Settlement')
  return row
}

/** A settlement found by id and its own resource token (compared in constant time). */
export async function settlementByToken(db: Db, id: string, token: unknown): Promise<SettlementRow> {
  const [row] = await db.select().from(settlements).where(eq(settlements.id, id))
  if (!row || typeof token !== 'string' || !constantTimeEqual(token, row.token)) throw notFound('Settlement')
  return row
}
