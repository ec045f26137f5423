import { and, desc, eq, gte, inArray, lt, type SQL } from 'drizzle-orm'
import type { AuthContext } from '../../context'
import { getDb } from '../../db/client'
import { payouts, recipients } from '../../db/schema'
import { bitpayPayout } from '../../domain/bitpay-payouts'
import type { PayoutStatus, RecipientStatus } from '../../domain/payouts'
import type { PayoutRow } from './payouts'
import type { RecipientRow } from './recipients'

export interface Page {
  limit: number
  offset: number
}

/** `GET /recipients`: the merchant's recipients of the mode, newest first, optionally of one status. */
export async function findRecipients(
  env: Env,
  auth: AuthContext,
  filter: { status?: RecipientStatus | undefined } & Page,
): Promise<RecipientRow[]> {
  const where = [eq(recipients.merchantId, auth.merchantId), eq(recipients.livemode, auth.livemode)]
  if (filter.status) where.push(eq(recipients.status, filter.status))
  return getDb(env.DB)
    .select()
    .from(recipients)
    .where(and(...where))
    .orderBy(desc(recipients.createdAt), desc(recipients.id))
    .limit(filter.limit)
    .offset(filter.offset)
}

export interface PayoutFilter extends Page {
  /** ISO bounds on the request date: from inclusive, to exclusive. */
  from?: string | undefined
  to?: string | undefined
  status?: PayoutStatus | undefined
  reference?: string | undefined
  groupId?: string | undefined
}

/** `GET /payouts`: the merchant's payouts of the mode, newest first, filtered. */
export async function findPayouts(env: Env, auth: AuthContext, filter: PayoutFilter): Promise<PayoutRow[]> {
  const where: SQL[] = [eq(payouts.merchantId, auth.merchantId), eq(payouts.livemode, auth.livemode)]
  if (filter.from) where.push(gte(payouts.createdAt, filter.from))
  if (filter.to) where.push(lt(payouts.createdAt, filter.to))
  if (filter.status) where.push(eq(payouts.status, filter.status))
  if (filter.reference !== undefined) where.push(eq(payouts.reference, filter.reference))
  if (filter.groupId) where.push(eq(payouts.groupId, filter.groupId))
  return getDb(env.DB)
    .select()
    .from(payouts)
    .where(and(...where))
    .orderBy(desc(payouts.createdAt), desc(payouts.id))
    .limit(filter.limit)
    .offset(filter.offset)
}

/** BitPay payout objects for rows of one merchant, with each recipient's email and label. */
export async function bitpayPayouts(env: Env, auth: AuthContext, rows: readonly PayoutRow[]) {
  const ids = [...new Set(rows.map((p) => p.recipientId))]
  const found = new Map<string, { email: string; label: string | null }>()
  // D1 caps bound parameters per statement: look the recipients up in slices.
  for (let i = 0; i < ids.length; i += 90) {
    const slice = ids.slice(i, i + 90)
    const rs = await getDb(env.DB)
      .select({ id: recipients.id, email: recipients.email, label: recipients.label })
      .from(recipients)
      .where(and(eq(recipients.merchantId, auth.merchantId), inArray(recipients.id, slice)))
    for (const r of rs) found.set(r.id, r)
  }
  return rows.map((p) => bitpayPayout(p, found.get(p.recipientId)))
}
