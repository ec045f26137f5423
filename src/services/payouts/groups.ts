import { and, asc, eq } from 'drizzle-orm'
import { randomHex } from '../../auth/crypto'
import type { AuthContext } from '../../context'
import { getDb } from '../../db/client'
import { payoutGroups, payouts } from '../../db/schema'
import { MAX_GROUP_INSTRUCTIONS, payeeOf, type GroupFailure } from '../../domain/bitpay-payouts'
import { ApiError, notFound } from '../../errors'
import { cancelPayout, createPayout, type NewPayout, type PayoutRow } from './payouts'

export type PayoutGroupRow = typeof payoutGroups.$inferSelect

export interface PayoutGroupResult {
  group: PayoutGroupRow
  created: PayoutRow[]
  failed: GroupFailure[]
}

export interface CancelGroupResult {
  group: PayoutGroupRow
  cancelled: PayoutRow[]
  failed: { payoutId: string; message: string }[]
}

/** The native form of one instruction as given (each surface validates its own dialect). */
const asNewPayout = (instruction: unknown) => instruction as NewPayout

/**
 * Creates a payout group: each valid instruction becomes a payout carrying the group's id, each
 * invalid one (it does not convert, or createPayout refuses it) is listed in `failed` with the error's
 * message and field. The call succeeds even when every instruction fails; the group is recorded
 * either way so that `GET` shows what was refused. `toInput` converts and validates one instruction,
 * throwing an ApiError that names the field.
 */
export async function createPayoutGroup<T>(
  env: Env,
  auth: AuthContext,
  instructions: readonly T[],
  toInput: (instruction: T) => NewPayout = asNewPayout,
): Promise<PayoutGroupResult> {
  if (instructions.length === 0)
    throw new ApiError('VALIDATION_ERROR', 'instructions must hold at least one payout', 'instructions', {
      reason: 'missing',
    })
  if (instructions.length > MAX_GROUP_INSTRUCTIONS)
    throw new ApiError(
      'VALIDATION_ERROR',
      `instructions: at most ${MAX_GROUP_INSTRUCTIONS} payouts per group`,
      'instructions',
    )
  const db = getDb(env.DB)
  const group: PayoutGroupRow = {
    id: `pog_${randomHex(12)}`,
    merchantId: auth.merchantId,
    livemode: auth.livemode,
    instructionCount: instructions.length,
    failed: '[]',
    createdAt: new Date().toISOString(),
  }
  await db.insert(payoutGroups).values(group)
  const created: PayoutRow[] = []
  const failed: GroupFailure[] = []
  for (const [index, instruction] of instructions.entries()) {
    try {
      created.push(await createPayout(env, auth, { ...toInput(instruction), group_id: group.id }))
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500) throw err
      const input = instruction as Record<string, unknown> | null
      const payee =
        payeeOf(instruction) ??
        (typeof input?.recipient_id === 'string'
          ? input.recipient_id
          : typeof input?.recipient_email === 'string'
            ? input.recipient_email
            : null)
      failed.push({ index, payee, code: err.code, field: err.field ?? null, message: err.message })
    }
  }
  if (failed.length > 0) {
    group.failed = JSON.stringify(failed)
    await db.update(payoutGroups).set({ failed: group.failed }).where(eq(payoutGroups.id, group.id))
  }
  return { group, created, failed }
}

export async function getPayoutGroup(env: Env, auth: AuthContext, groupId: string): Promise<PayoutGroupRow> {
  const [row] = await getDb(env.DB)
    .select()
    .from(payoutGroups)
    .where(
      and(
        eq(payoutGroups.id, groupId),
        eq(payoutGroups.merchantId, auth.merchantId),
        eq(payoutGroups.livemode, auth.livemode),
      ),
    )
  if (!row) throw notFound('Payout group')
  return row
}

/** The group's payouts in creation order. */
export async function groupPayouts(env: Env, auth: AuthContext, groupId: string): Promise<PayoutRow[]> {
  return getDb(env.DB)
    .select()
    .from(payouts)
    .where(
      and(eq(payouts.groupId, groupId), eq(payouts.merchantId, auth.merchantId), eq(payouts.livemode, auth.livemode)),
    )
    .orderBy(asc(payouts.createdAt), asc(payouts.id))
}

export const groupFailures = (group: PayoutGroupRow) => JSON.parse(group.failed) as GroupFailure[]

/**
 * Cancels the group's payouts that are still `new` (each through cancelPayout, so the same
 * conditional update and its events); the others are listed in `failed` with the reason.
 */
export async function cancelPayoutGroup(env: Env, auth: AuthContext, groupId: string): Promise<CancelGroupResult> {
  const group = await getPayoutGroup(env, auth, groupId)
  const cancelled: PayoutRow[] = []
  const failed: CancelGroupResult['failed'] = []
  for (const p of await groupPayouts(env, auth, group.id)) {
    if (p.status !== 'new') {
      failed.push({ payoutId: p.id, message: `A ${p.status} payout cannot be cancelled` })
      continue
    }
    try {
      cancelled.push(await cancelPayout(env, auth, p.id))
    } catch (err) {
      // Funded meanwhile: the conditional update refused it.
      if (!(err instanceof ApiError) || err.status >= 500) throw err
      failed.push({ payoutId: p.id, message: err.message })
    }
  }
  return { group, cancelled, failed }
}
