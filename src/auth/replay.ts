import { lt } from 'drizzle-orm'
import type { Db } from '../db/client'
import { usedSignatures } from '../db/schema'
import type { AcceptedSignature } from './signature'

/**
 * Claims a verified signature for one request: true the first time, false for a replay. One D1
 * statement (INSERT … ON CONFLICT DO NOTHING RETURNING) on the primary key, so two concurrent copies
 * of the same request cannot both win.
 */
export async function claimSignature(db: Db, keyId: string, accepted: AcceptedSignature): Promise<boolean> {
  const claimed = await db
    .insert(usedSignatures)
    .values({ signatureHash: accepted.hash, keyId, expiresAt: accepted.expiresAt })
    .onConflictDoNothing()
    .returning({ hash: usedSignatures.signatureHash })
  return claimed.length === 1
}

/** Forgets signatures whose timestamp is outside the window by now: they are refused on the timestamp alone. */
export async function forgetExpiredSignatures(db: Db, nowSeconds: number): Promise<void> {
  await db.delete(usedSignatures).where(lt(usedSignatures.expiresAt, nowSeconds))
}
