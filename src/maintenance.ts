import { lt } from 'drizzle-orm'
import { IDEMPOTENCY_TTL_HOURS } from './api/idempotency'
import { forgetExpiredSignatures } from './auth/replay'
import { getDb } from './db/client'
import { idempotencyKeys } from './db/schema'
import { runBillingCron } from './services/bills/cron'
import { closeDueSettlements } from './services/ledger/settlements'
import { log } from './log'

/**
 * Cron housekeeping, each step on its own so one failing never holds up the others: forget
 * idempotency keys and signatures past their windows; bills, subscriptions and the email outbox;
 * close settlement periods that ended.
 */
export async function runMaintenance(env: Env, now: Date = new Date()): Promise<void> {
  const db = getDb(env.DB)
  const cutoff = new Date(now.getTime() - IDEMPOTENCY_TTL_HOURS * 3600_000).toISOString()
  const steps: [string, () => Promise<unknown>][] = [
    ['idempotency keys', () => db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, cutoff))],
    ['signatures', () => forgetExpiredSignatures(db, Math.floor(now.getTime() / 1000))],
    ['billing', () => runBillingCron(env, now)],
    ['settlements', () => closeDueSettlements(env, now.getTime())],
  ]
  const results = await Promise.allSettled(steps.map(([, run]) => run()))
  results.forEach((r, i) => {
    if (r.status === 'rejected') log.error('maintenance step failed', { step: steps[i]?.[0], error: String(r.reason) })
  })
}
