import type { AuthContext } from '../../context'
import { getPayout } from './payouts'
import { getRecipient } from './recipients'

/*
 * Placeholder for the IPN resend of the payout/recipient webhooks work (branch pcore exports the same
 * two functions and replaces this file on merge): today it checks that the id is the merchant's
 * (404 otherwise) and sends nothing.
 */

/** Resends the payout's latest IPN to its notificationURL. */
export async function resendPayoutNotification(env: Env, auth: AuthContext, payoutId: string): Promise<void> {
  await getPayout(env, auth, payoutId)
}

/** Resends the recipient's latest IPN to its notificationURL. */
export async function resendRecipientNotification(env: Env, auth: AuthContext, recipientId: string): Promise<void> {
  await getRecipient(env, auth, recipientId)
}
