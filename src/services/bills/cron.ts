import { sendQueuedEmails } from '../email/outbox'
import { reconcileBills } from './bills'
import { issueDueSubscriptions } from './subscriptions'

/** Cron: issue due subscription bills, catch bills up with their payments, retry queued email. */
export async function runBillingCron(env: Env, now = new Date()): Promise<void> {
  await issueDueSubscriptions(env, now)
  await reconcileBills(env)
  await sendQueuedEmails(env, now)
}
