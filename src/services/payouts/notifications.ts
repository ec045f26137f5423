import { desc, eq } from 'drizzle-orm'
import type { AuthContext } from '../../context'
import { getDb } from '../../db/client'
import { events } from '../../db/schema'
import { resendEvent } from '../webhook-events'
import { getPayout } from './payouts'
import { getRecipient } from './recipients'

/**
 * Sends the newest event of a payout again, to every target it had (a receiver that already has it
 * dedupes by event id). 404 for a payout of another merchant or mode. Returns the event id and how
 * many deliveries were queued (0 when the event is fanned out afresh).
 */
export async function resendPayoutNotification(env: Env, auth: AuthContext, payoutId: string): Promise<{ eventId: string | null; queued: number }> {
  const payout = await getPayout(env, auth, payoutId)
  return resendLatest(env, events.payoutId, payout.id)
}

/** Sends the newest event of a recipient again; 404 for a recipient of another merchant or mode. */
export async function resendRecipientNotification(env: Env, auth: AuthContext, recipientId: string): Promise<{ eventId: string | null; queued: number }> {
  const recipient = await getRecipient(env, auth, recipientId)
  return resendLatest(env, events.recipientId, recipient.id)
}

async function resendLatest(env: Env, column: typeof events.payoutId | typeof events.recipientId, id: string) {
  const db = getDb(env.DB)
  const [event] = await db.select().from(events).where(eq(column, id)).orderBy(desc(events.sequence)).limit(1)
  if (!event) return { eventId: null, queued: 0 }
  return { eventId: event.id, queued: await resendEvent(env, db, event) }
}
