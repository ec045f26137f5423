import { lt } from 'drizzle-orm'
import { IDEMPOTENCY_TTL_HOURS } from './api/idempotency'
import { getDb } from './db/client'
import { idempotencyKeys } from './db/schema'
import { closeDueSettlements } from './services/ledger/settlements'

/** Cron housekeeping: forget idempotency keys past their retention window; close settlement periods that ended. */
export async function runMaintenance(env: Env, now: Date = new Date()): Promise<void> {
  const cutoff = new Date(now.getTime() - IDEMPOTENCY_TTL_HOURS * 3600_000).toISOString()
  await getDb(env.DB).delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, cutoff))
  await closeDueSettlements(env, now.getTime())
}
