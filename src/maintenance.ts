import { lt } from 'drizzle-orm'
import { IDEMPOTENCY_TTL_HOURS } from './api/idempotency'
import { forgetExpiredSignatures } from './auth/replay'
import { getDb } from './db/client'
import { idempotencyKeys } from './db/schema'

/** Cron housekeeping: forget idempotency keys past their retention window and signatures past theirs. */
export async function runMaintenance(env: Env, now: Date = new Date()): Promise<void> {
  const db = getDb(env.DB)
  const cutoff = new Date(now.getTime() - IDEMPOTENCY_TTL_HOURS * 3600_000).toISOString()
  await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, cutoff))
  await forgetExpiredSignatures(db, Math.floor(now.getTime() / 1000))
}
