import { sql, type SQL } from 'drizzle-orm'
import type { LedgerEntryDraft } from '../domain/ledger'
import type { Db } from './client'
import { ledgerEntries } from './schema'

export type LedgerEntryRow = typeof ledgerEntries.$inferSelect

export function ledgerRow(e: LedgerEntryDraft): LedgerEntryRow {
  return {
    id: `led_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`,
    merchantId: e.merchantId,
    livemode: e.livemode,
    currency: e.currency,
    code: e.code,
    amount: e.amount.toString(),
    sourceType: e.sourceType,
    sourceId: e.sourceId,
    paymentId: e.paymentId,
    description: e.description,
    settlementId: null,
    createdAt: e.createdAt,
  }
}

/**
 * The statement that books entries, for the batch of the transition that causes them. It adds
 * nothing for an entry already booked (same source and code), so retries and races write once.
 */
export function insertLedgerEntries(db: Db, entries: readonly LedgerEntryDraft[]) {
  return db.insert(ledgerEntries).values(entries.map(ledgerRow)).onConflictDoNothing()
}

/** Like insertLedgerEntries, but only when `condition` (an SQL boolean) holds inside the batch. */
export function insertLedgerEntriesIf(db: Db, entries: readonly LedgerEntryDraft[], condition: SQL) {
  // Columns in the table's order, as drizzle lists them for INSERT … SELECT.
  const selects = entries
    .map(ledgerRow)
    .map(
      (r) =>
        sql`SELECT ${r.id}, ${r.merchantId}, ${r.livemode ? 1 : 0}, ${r.currency}, ${r.code}, ${r.amount}, ${r.sourceType}, ${r.sourceId}, ${r.paymentId}, ${r.description}, NULL, ${r.createdAt} WHERE ${condition}`,
    )
  return db.insert(ledgerEntries).select(sql.join(selects, sql` UNION ALL `)).onConflictDoNothing()
}
