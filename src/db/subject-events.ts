import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm'
import { payoutEventFor, recipientEventFor, type PayoutEventType, type RecipientEventType } from '../domain/payouts'
import type { Db } from './client'
import { events, payouts, recipients } from './schema'
import { log } from '../log'

export type PayoutRow = typeof payouts.$inferSelect
export type RecipientRow = typeof recipients.$inferSelect

export type SubjectEvent =
  | { subject: 'payout'; type: PayoutEventType; row: PayoutRow }
  | { subject: 'recipient'; type: RecipientEventType; row: RecipientRow }

export const newEventId = () => `evt_${crypto.randomUUID().replaceAll('-', '')}`

/**
 * The outbox row of a payout or recipient transition, for the batch of the transition itself, written
 * only when `condition` (an SQL boolean) holds inside the batch, i.e. when the transition took place.
 * `row` is the subject after the transition: its version is the event's sequence, its JSON the data.
 */
export function insertSubjectEventIf(
  db: Db,
  e: SubjectEvent,
  condition: SQL,
): { id: string; query: ReturnType<typeof build> } {
  const id = newEventId()
  return { id, query: build(db, id, e, condition) }
}

function build(db: Db, id: string, e: SubjectEvent, condition: SQL) {
  const r = e.row
  const payoutId = e.subject === 'payout' ? r.id : null
  const recipientId = e.subject === 'recipient' ? r.id : null
  // Columns in the table's order, as drizzle lists them for INSERT … SELECT.
  const select = sql`SELECT ${id}, ${r.merchantId}, ${e.subject}, NULL, ${payoutId}, ${recipientId}, ${r.livemode ? 1 : 0}, ${e.type}, ${r.version}, ${JSON.stringify(r)}, NULL, ${r.updatedAt} WHERE ${condition}`
  return db.insert(events).select(select).onConflictDoNothing()
}

/** The condition "the payout row is now at `version` with `status`" (its transition in this batch succeeded). */
export function payoutIsAt(row: Pick<PayoutRow, 'id' | 'version' | 'status'>): SQL {
  return sql`EXISTS (SELECT 1 FROM payouts WHERE id = ${row.id} AND version = ${row.version} AND status = ${row.status})`
}

export function recipientIsAt(row: Pick<RecipientRow, 'id' | 'version' | 'status'>): SQL {
  return sql`EXISTS (SELECT 1 FROM recipients WHERE id = ${row.id} AND version = ${row.version} AND status = ${row.status})`
}

/** Queues many events' fan-outs (queue batches of 100); failures are left to the outbox sweep. */
export async function enqueueEvents(env: Env, eventIds: string[]): Promise<void> {
  for (let i = 0; i < eventIds.length; i += 100) {
    const chunk = eventIds.slice(i, i + 100)
    try {
      await env.WEBHOOKS.sendBatch(chunk.map((eventId) => ({ body: { type: 'event', eventId } })))
    } catch (err) {
      log.error('event enqueue failed; the outbox sweep will send them', { count: chunk.length, error: String(err) })
    }
  }
}

/** Queues an outbox event's fan-out; a failed send is recovered by the outbox sweep (the row is committed). */
export async function enqueueEvent(env: Env, eventId: string): Promise<void> {
  try {
    await env.WEBHOOKS.send({ type: 'event', eventId })
  } catch (err) {
    log.error('event enqueue failed; the outbox sweep will send it', { eventId, error: String(err) })
  }
}

type PayoutChanges = Partial<Omit<PayoutRow, 'id' | 'merchantId' | 'livemode' | 'version' | 'createdAt' | 'updatedAt'>>

/**
 * A payout change for one batch: the update (conditional on the version read, so a concurrent change
 * makes it a no-op: `update` returns no row) and, when the status changes, its outbox event.
 */
export function payoutTransition(db: Db, before: PayoutRow, changes: PayoutChanges, at = new Date().toISOString()) {
  const after: PayoutRow = { ...before, ...changes, version: before.version + 1, updatedAt: at }
  const update = db
    .update(payouts)
    .set({ ...changes, version: after.version, updatedAt: at })
    .where(and(eq(payouts.id, before.id), eq(payouts.version, before.version)))
    .returning({ id: payouts.id })
  const event =
    after.status !== before.status
      ? insertSubjectEventIf(
          db,
          { subject: 'payout', type: payoutEventFor(after.status), row: after },
          payoutIsAt(after),
        )
      : null
  return { after, update, event }
}

type RecipientChanges = Partial<
  Omit<RecipientRow, 'id' | 'merchantId' | 'livemode' | 'version' | 'createdAt' | 'updatedAt'>
>

/**
 * A recipient change for one batch, like payoutTransition. `via` lists statuses passed through on the
 * way (`verified` before `active`): each gets its own event, in order, in the same batch.
 */
export function recipientTransition(
  db: Db,
  before: RecipientRow,
  changes: RecipientChanges,
  options: { at?: string; via?: RecipientRow['status'][]; extra?: SQL } = {},
) {
  const at = options.at ?? new Date().toISOString()
  const via = options.via ?? []
  const after: RecipientRow = { ...before, ...changes, version: before.version + 1 + via.length, updatedAt: at }
  const where = options.extra
    ? and(eq(recipients.id, before.id), eq(recipients.version, before.version), options.extra)
    : and(eq(recipients.id, before.id), eq(recipients.version, before.version))
  const update = db
    .update(recipients)
    .set({ ...changes, version: after.version, updatedAt: at })
    .where(where)
    .returning()
  const steps: RecipientRow[] = [
    ...via.map((status, i) => ({ ...after, status, version: before.version + 1 + i })),
    after,
  ]
  const events =
    after.status !== before.status
      ? steps.map((row) =>
          insertSubjectEventIf(
            db,
            { subject: 'recipient', type: recipientEventFor(row.status), row },
            recipientIsAt(after),
          ),
        )
      : []
  return { after, update, events }
}

/** INSERT of a whole payout row, only when `condition` holds inside the statement (every column, in the table's order). */
export function insertPayoutIf(db: Db, row: PayoutRow, condition: SQL) {
  const values = Object.keys(getTableColumns(payouts)).map((key) => {
    const value = row[key as keyof PayoutRow]
    return typeof value === 'boolean' ? sql`${value ? 1 : 0}` : sql`${value ?? null}`
  })
  return db.insert(payouts).select(sql`SELECT ${sql.join(values, sql`, `)} WHERE ${condition}`)
}
