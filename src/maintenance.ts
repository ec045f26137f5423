import { lt } from 'drizzle-orm'
import { IDEMPOTENCY_TTL_HOURS } from './api/idempotency'
import { forgetExpiredSignatures } from './auth/replay'
import { getDb } from './db/client'
import { idempotencyKeys } from './db/schema'
import { runBillingCron } from './services/bills/cron'

/** Cron housekeeping: forget idempotency keys and signatures past their retention windows; bills, subscriptions, email. */
export async function runMaintenance(env: Env, now: Date = new Date()): Promise<void> {
  const db = getDb(env.DB)
  const cutoff = new Date(now.getTime() - IDEMPOTENCY_TTL_HOURS * 3600_000).toISOString()
  await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, cutoff))
  await forgetExpiredSignatures(db, Math.floor(now.getTime() / 1000))
  await runBillingCron(env, now)
}
