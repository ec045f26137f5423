import { and, asc, count, eq, gte, lt } from 'drizzle-orm'
import type { AuthContext } from '../../context'
import type { Db } from '../../db/client'
import type { LedgerEntryRow } from '../../db/ledger'
import { ledgerEntries, payments } from '../../db/schema'
import { balancesOf } from '../../domain/ledger'

/** Balance per currency held by the caller's merchant and mode: the sum of its entries. */
export async function balances(db: Db, auth: AuthContext): Promise<{ currency: string; balance: bigint }[]> {
  const rows = await db
    .select({ currency: ledgerEntries.currency, amount: ledgerEntries.amount })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.merchantId, auth.merchantId), eq(ledgerEntries.livemode, auth.livemode)))
  const sums = balancesOf(rows.map((r) => ({ currency: r.currency, amount: BigInt(r.amount) })))
  return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([currency, balance]) => ({ currency, balance }))
}

export interface EntryFilter {
  currency?: string
  /** ISO instants: from inclusive, to exclusive. */
  from?: string
  to?: string
}

function entryWhere(auth: AuthContext, f: EntryFilter) {
  return and(
    eq(ledgerEntries.merchantId, auth.merchantId),
    eq(ledgerEntries.livemode, auth.livemode),
    f.currency ? eq(ledgerEntries.currency, f.currency) : undefined,
    f.from ? gte(ledgerEntries.createdAt, f.from) : undefined,
    f.to ? lt(ledgerEntries.createdAt, f.to) : undefined,
  )
}

export type EntryWithPayment = { entry: LedgerEntryRow; payment: typeof payments.$inferSelect | null }

/** A page of the caller's entries in time order, with the payment behind each (if any). */
export async function listEntries(
  db: Db,
  auth: AuthContext,
  f: EntryFilter,
  page: { offset: number; limit: number },
): Promise<{ rows: EntryWithPayment[]; total: number }> {
  const where = entryWhere(auth, f)
  // Not in a batch: D1 batches return rows as objects, where the joined tables' same-named columns collide.
  const [rows, [counted]] = await Promise.all([
    db
      .select({ entry: ledgerEntries, payment: payments })
      .from(ledgerEntries)
      .leftJoin(payments, eq(payments.id, ledgerEntries.paymentId))
      .where(where)
      .orderBy(asc(ledgerEntries.createdAt), asc(ledgerEntries.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ n: count() }).from(ledgerEntries).where(where),
  ])
  return { rows, total: counted?.n ?? 0 }
}

/** The entries a settlement states, with their payments. */
export async function settlementEntries(db: Db, settlementId: string): Promise<EntryWithPayment[]> {
  return db
    .select({ entry: ledgerEntries, payment: payments })
    .from(ledgerEntries)
    .leftJoin(payments, eq(payments.id, ledgerEntries.paymentId))
    .where(eq(ledgerEntries.settlementId, settlementId))
    .orderBy(asc(ledgerEntries.createdAt), asc(ledgerEntries.id))
}
