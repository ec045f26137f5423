import { and, asc, count, desc, eq, lte } from 'drizzle-orm'
import { constantTimeEqual } from '../../auth/crypto'
import type { AuthContext } from '../../context'
import { getDb } from '../../db/client'
import { bills, merchants, subscriptions } from '../../db/schema'
import { subscriptionTransitionAllowed, type SubscriptionStatus } from '../../domain/bills'
import { nextOccurrence, normalizeSchedule, ScheduleError } from '../../domain/schedule'
import { ApiError, notFound } from '../../errors'
import { attemptEmail } from '../email/outbox'
import {
  billEmailQuery,
  billUrl,
  buildBill,
  normalizeDueDate,
  priceItems,
  newResourceId,
  newResourceToken,
  type BillInput,
} from './bills'

export type SubscriptionRow = typeof subscriptions.$inferSelect
type Owner = Pick<AuthContext, 'merchantId' | 'livemode'>

/** The bill every delivery issues; `emailBill` false issues drafts without emailing them. */
export type BillData = BillInput & { emailBill?: boolean }

export interface SubscriptionInput {
  billData: BillData
  schedule: string
  /** ISO; defaults to now. A past or current time means "deliver at the next cron run". */
  nextDelivery?: string | null
  status?: SubscriptionStatus
}

function schedule(value: string): string {
  try {
    return normalizeSchedule(value)
  } catch (err) {
    if (err instanceof ScheduleError) throw new ApiError('VALIDATION_ERROR', `schedule ${err.message}`, 'schedule')
    throw err
  }
}

function deliveryTime(value: string | null | undefined, now: Date): string {
  if (value === undefined || value === null || value === '') return now.toISOString()
  const ms = Date.parse(value)
  if (Number.isNaN(ms))
    throw new ApiError('VALIDATION_ERROR', 'nextDelivery must be an ISO 8601 date-time', 'nextDelivery')
  return new Date(ms).toISOString()
}

/** Checks the bill data as a bill would be checked (fields named under billData). */
function checkedBillData(env: Env, data: BillData): BillData {
  priceItems(env, data.currency, data.items, 'billData.items')
  return { ...data, dueDate: normalizeDueDate(data.dueDate, 'billData.dueDate'), cc: data.cc ?? [] }
}

const gapSeconds = (data: BillData, nextDelivery: string) =>
  data.dueDate ? Math.max(0, Math.round((Date.parse(data.dueDate) - Date.parse(nextDelivery)) / 1000)) : null

function checkTransition(from: SubscriptionStatus, to: SubscriptionStatus) {
  if (!subscriptionTransitionAllowed(from, to))
    throw new ApiError('INVALID_STATE_TRANSITION', `A ${from} subscription cannot become ${to}`, 'status')
}

export async function createSubscription(
  env: Env,
  owner: Owner,
  input: SubscriptionInput,
  now = new Date(),
): Promise<SubscriptionRow> {
  const billData = checkedBillData(env, input.billData)
  const cron = schedule(input.schedule)
  const nextDelivery = deliveryTime(input.nextDelivery, now)
  const status = input.status ?? 'draft'
  checkTransition('draft', status)
  const row: SubscriptionRow = {
    id: newResourceId(),
    merchantId: owner.merchantId,
    livemode: owner.livemode,
    status,
    billData: JSON.stringify(billData),
    schedule: cron,
    nextDelivery,
    dueGapSeconds: gapSeconds(billData, nextDelivery),
    token: newResourceToken(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  }
  await getDb(env.DB).insert(subscriptions).values(row)
  return row
}

export async function findSubscription(env: Env, owner: Owner, id: string): Promise<SubscriptionRow> {
  const [row] = await getDb(env.DB)
    .select()
    .from(subscriptions)
    .where(
      and(
        eq(subscriptions.id, id),
        eq(subscriptions.merchantId, owner.merchantId),
        eq(subscriptions.livemode, owner.livemode),
      ),
    )
  if (!row) throw notFound('Subscription')
  return row
}

/** The caller's subscriptions, newest first, optionally of one status; with the total count. */
export async function listSubscriptions(
  env: Env,
  owner: Owner,
  f: { status?: SubscriptionStatus; limit: number; offset: number },
) {
  const db = getDb(env.DB)
  const where = and(
    eq(subscriptions.merchantId, owner.merchantId),
    eq(subscriptions.livemode, owner.livemode),
    f.status ? eq(subscriptions.status, f.status) : undefined,
  )
  const [rows, [total]] = await db.batch([
    db
      .select()
      .from(subscriptions)
      .where(where)
      .orderBy(desc(subscriptions.createdAt), desc(subscriptions.id))
      .limit(f.limit)
      .offset(f.offset),
    db.select({ n: count() }).from(subscriptions).where(where),
  ])
  return { rows, total: total?.n ?? 0 }
}

/** A subscription found by id and its own resource token; else a 404. */
export async function subscriptionByToken(env: Env, id: string, token: unknown): Promise<SubscriptionRow> {
  const [row] = await getDb(env.DB).select().from(subscriptions).where(eq(subscriptions.id, id))
  if (!row || typeof token !== 'string' || !constantTimeEqual(token, row.token)) throw notFound('Subscription')
  return row
}

export interface SubscriptionChanges {
  billData?: Partial<BillData>
  schedule?: string
  nextDelivery?: string | null
  status?: SubscriptionStatus
}

/** Changes status (draft → active → cancelled), schedule, next delivery or bill data (merged). */
export async function updateSubscription(
  env: Env,
  sub: SubscriptionRow,
  changes: SubscriptionChanges,
  now = new Date(),
): Promise<SubscriptionRow> {
  if (changes.status) checkTransition(sub.status, changes.status)
  else if (sub.status === 'cancelled')
    throw new ApiError('INVALID_STATE_TRANSITION', 'A cancelled subscription cannot be changed', 'status')
  const current = JSON.parse(sub.billData) as BillData
  const defined = Object.fromEntries(Object.entries(changes.billData ?? {}).filter(([, v]) => v !== undefined))
  const billData = changes.billData ? checkedBillData(env, { ...current, ...defined }) : current
  const nextDelivery = changes.nextDelivery !== undefined ? deliveryTime(changes.nextDelivery, now) : sub.nextDelivery
  const [row] = await getDb(env.DB)
    .update(subscriptions)
    .set({
      status: changes.status ?? sub.status,
      billData: JSON.stringify(billData),
      schedule: changes.schedule !== undefined ? schedule(changes.schedule) : sub.schedule,
      nextDelivery,
      dueGapSeconds:
        changes.billData?.dueDate !== undefined || changes.nextDelivery !== undefined
          ? gapSeconds(billData, nextDelivery)
          : sub.dueGapSeconds,
      updatedAt: now.toISOString(),
    })
    .where(and(eq(subscriptions.id, sub.id), eq(subscriptions.updatedAt, sub.updatedAt)))
    .returning()
  if (!row) throw new ApiError('CONFLICT', 'The subscription changed meanwhile; read it again', 'id')
  return row
}

/**
 * Issues the bill for the subscription's due period and moves nextDelivery past `now` (missed
 * periods are not billed twice over). The period is claimed by the unique (subscription, period)
 * bill row: a second cron run inserts nothing, and its outbox row (same dedupe key) neither.
 */
export async function issueSubscriptionBill(env: Env, sub: SubscriptionRow, now = new Date()): Promise<string | null> {
  const db = getDb(env.DB)
  const period = sub.nextDelivery
  const data = JSON.parse(sub.billData) as BillData
  const dueDate =
    sub.dueGapSeconds !== null
      ? new Date(Date.parse(period) + sub.dueGapSeconds * 1000).toISOString()
      : (data.dueDate ?? null)
  const email = data.emailBill !== false
  const bill = {
    ...buildBill(env, sub, { ...data, dueDate }, now),
    subscriptionId: sub.id,
    period,
    status: email ? ('sent' as const) : ('draft' as const),
    emailBill: email,
  }
  const next = nextOccurrence(sub.schedule, new Date(Math.max(now.getTime(), Date.parse(period))))
  const advance = db
    .update(subscriptions)
    .set(
      next
        ? { nextDelivery: next.toISOString(), updatedAt: now.toISOString() }
        : { status: 'cancelled', updatedAt: now.toISOString() },
    )
    .where(and(eq(subscriptions.id, sub.id), eq(subscriptions.nextDelivery, period)))
  const insert = db.insert(bills).values(bill).onConflictDoNothing().returning({ id: bills.id })
  if (!email) {
    const [inserted] = await db.batch([insert, advance])
    return inserted[0]?.id ?? null
  }
  const [m] = await db.select({ name: merchants.name }).from(merchants).where(eq(merchants.id, sub.merchantId))
  const message = billEmailQuery(
    env,
    bill,
    m?.name ?? 'your merchant',
    billUrl(env, bill.id),
    `subscription:${sub.id}:${period}`,
    now,
  )
  const [inserted] = await db.batch([insert, message.query, advance])
  if (!inserted[0]) return null
  await attemptEmail(env, message.id, now)
  return bill.id
}

/** Cron: issues the next bill of every active subscription that is due. */
export async function issueDueSubscriptions(env: Env, now = new Date(), limit = 50): Promise<number> {
  const due = await getDb(env.DB)
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.status, 'active'), lte(subscriptions.nextDelivery, now.toISOString())))
    .orderBy(asc(subscriptions.nextDelivery))
    .limit(limit)
  let issued = 0
  for (const sub of due) if (await issueSubscriptionBill(env, sub, now)) issued++
  return issued
}
