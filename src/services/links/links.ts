import { and, count, desc, eq, getTableColumns, gt, gte, lte, or, sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import { randomAlphanumeric } from '../../auth/crypto'
import { LIMITS } from '../../config'
import type { AuthContext } from '../../context'
import { getDb, type Db, type PaymentRow } from '../../db/client'
import { merchants, observations, paymentLinks, payments } from '../../db/schema'
import {
  applyStatusUpdate,
  decideVisit,
  isOpenPayment,
  paymentLockSeconds,
  type LinkFacts,
  type LinkState,
  type LinkStatusUpdate,
  type UnavailableReason,
  type VisitPayment,
  unavailableReason,
} from '../../domain/links'
import type { PaymentStatus } from '../../domain/payment-status'
import { checkUrls } from '../../domain/url-policy'
import { ApiError } from '../../errors'
import { linkObject } from '../../objects/link-object'
import { createPayment, newNotifySecret, paymentObject } from '../payments/payments'

export type LinkRow = typeof paymentLinks.$inferSelect

/** A link with what its payments say about it. */
export interface LinkRecord {
  link: LinkRow
  latestStatus: PaymentStatus | null
  /** Completed (or later refunded) payments: the link's uses. */
  uses: number
}

/** Limits of the links surface; the tier limit is one number until merchants have tiers. */
export const LINK_LIMITS = {
  maxUsesPerTier: 100,
  /** A link without expires_in/expiry_date is open this long (seed 002 shows expires_in 1499 just after creation). */
  defaultExpiresInSeconds: 25 * 60,
  minExpiresInSeconds: 60,
  maxExpiresInSeconds: 90 * 24 * 3600,
} as const

// Correlated subqueries over the link's payments; merchant_id lets SQLite use payments_merchant_created.
// The outer columns are spelled out: drizzle would render them unqualified, which binds to `p`.
const latestStatusSql = sql<PaymentStatus | null>`(select p.status from payments p where p.merchant_id = payment_links.merchant_id and p.link_id = payment_links.id order by p.created_at desc, p.id desc limit 1)`
const usesSql = sql<number>`(select count(*) from payments p where p.merchant_id = payment_links.merchant_id and p.link_id = payment_links.id and p.status in ('completed', 'refunded'))`

const recordColumns = {
  ...getTableColumns(paymentLinks),
  latestStatus: latestStatusSql.as('latest_status'),
  uses: usesSql.as('uses'),
}

function toRecord(row: LinkRow & { latestStatus: PaymentStatus | null; uses: number }): LinkRecord {
  const { latestStatus, uses, ...link } = row
  return { link, latestStatus, uses: Number(uses) }
}

/** The facts the pure link rules read. */
export function factsOf(r: LinkRecord, openPayments?: number): LinkFacts {
  return {
    state: r.link.status as LinkState,
    storedActive: r.link.isActive,
    expiryDate: r.link.expiryDate,
    maxUses: r.link.maxUses,
    currentUses: r.uses,
    latestPaymentStatus: r.latestStatus,
    openPayments,
  }
}

export interface CreateLinkInput {
  name: string
  orderCurrency: string
  /** Canonical decimal string in the order currency. */
  orderAmount: string
  payerId?: string
  payerName?: string
  payerEmail: string
  payerPhone?: string
  payerIp?: string
  successUrl: string
  cancelUrl: string
  webhookData?: Record<string, unknown>
  maxUses: number
  expiresIn?: number
  expiryDate?: string
}

/** Reference shown to buyers, shaped like seed 002's "SDF-453672-PMT". */
function newLinkReference(): string {
  return `${randomAlphanumeric(3, 'ABCDEFGHJKLMNPQRSTUVWXYZ')}-${randomAlphanumeric(6, '0123456789')}-PMT`
}

/**
 * Stores a link. A test-key link gets its first payment at once, so seed 002's sandbox amounts
 * (10 completes, 20 fails, 30 stays processing) settle without a buyer; live links start a payment
 * (and its price lock) when a buyer opens the link.
 */
export async function createLink(
  env: Env,
  auth: AuthContext,
  input: CreateLinkInput,
  now = new Date(),
): Promise<LinkRecord> {
  checkUrls(env.ENVIRONMENT, [
    { field: 'success_url', kind: 'redirect', value: input.successUrl },
    { field: 'cancel_url', kind: 'redirect', value: input.cancelUrl },
  ])
  if (input.maxUses > LINK_LIMITS.maxUsesPerTier) {
    throw new ApiError(
      'LIMIT_EXCEEDED',
      `Maximum uses cannot exceed ${LINK_LIMITS.maxUsesPerTier} for this account tier`,
      'max_uses',
    )
  }
  const db = getDb(env.DB)
  const expiryDate =
    input.expiryDate ??
    new Date(now.getTime() + (input.expiresIn ?? LINK_LIMITS.defaultExpiresInSeconds) * 1000).toISOString()
  const link: LinkRow = {
    id: crypto.randomUUID(),
    merchantId: auth.merchantId,
    livemode: auth.livemode,
    reference: newLinkReference(),
    name: input.name,
    orderCurrency: input.orderCurrency,
    orderAmount: input.orderAmount,
    payerId: input.payerId ?? null,
    payerName: input.payerName ?? null,
    payerEmail: input.payerEmail,
    payerPhone: input.payerPhone ?? null,
    payerIp: input.payerIp ?? null,
    successUrl: input.successUrl,
    cancelUrl: input.cancelUrl,
    webhookData: input.webhookData ? JSON.stringify(input.webhookData) : null,
    notifySecret: newNotifySecret(),
    maxUses: input.maxUses,
    currentUses: 0,
    isActive: true,
    status: 'active' satisfies LinkState,
    expiryDate,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  }
  await db.insert(paymentLinks).values(link)
  if (!auth.livemode) {
    const payment = await startLinkPayment(env, link, now)
    return { link, latestStatus: payment.status as PaymentStatus, uses: 0 }
  }
  return { link, latestStatus: null, uses: 0 }
}

/** Creates one use of the link: an ordinary payment through the same domain and PaymentObject. */
async function startLinkPayment(env: Env, link: LinkRow, now: Date): Promise<PaymentRow> {
  return createPayment(
    env,
    { merchantId: link.merchantId, livemode: link.livemode },
    {
      amount: link.orderAmount,
      currency: link.orderCurrency,
      transactionSpeed: 'medium',
      description: link.name,
      expiresIn: paymentLockSeconds(
        { state: link.status as LinkState, expiryDate: link.expiryDate },
        LIMITS.defaultExpiresInSeconds,
        now.toISOString(),
      ),
      successUrl: link.successUrl ?? undefined,
      cancelUrl: link.cancelUrl ?? undefined,
      linkId: link.id,
      // Every use signs its webhooks with the link's notify_secret (002).
      notifySecret: link.notifySecret,
    },
  )
}

const scope = (auth: Pick<AuthContext, 'merchantId' | 'livemode'>) =>
  and(eq(paymentLinks.merchantId, auth.merchantId), eq(paymentLinks.livemode, auth.livemode))

/**
 * A link of the caller's merchant and mode by its id, or by the id of one of its payments (the
 * payment_id webhooks carry); anything else is a 404 with `notFoundMessage`.
 */
export async function getLink(db: Db, auth: AuthContext, id: string, notFoundMessage: string): Promise<LinkRecord> {
  const [row] = await db
    .select(recordColumns)
    .from(paymentLinks)
    .where(
      and(
        scope(auth),
        or(
          eq(paymentLinks.id, id),
          eq(
            paymentLinks.id,
            db
              .select({ id: payments.linkId })
              .from(payments)
              .where(and(eq(payments.id, id), eq(payments.merchantId, auth.merchantId))),
          ),
        ),
      ),
    )
    .limit(1)
  if (!row) throw new ApiError('NOT_FOUND', notFoundMessage)
  return toRecord(row)
}

/** Everything GET /payments/links/{id} shows besides the link: its payments and their transfers. */
export async function linkDetails(db: Db, link: LinkRow) {
  const linkPayments = await db
    .select()
    .from(payments)
    .where(and(eq(payments.merchantId, link.merchantId), eq(payments.linkId, link.id)))
    .orderBy(desc(payments.createdAt), desc(payments.id))
  const transfers = linkPayments.length
    ? (
        await db
          .select({ transfer: observations })
          .from(observations)
          .innerJoin(payments, eq(payments.id, observations.paymentId))
          .where(and(eq(payments.merchantId, link.merchantId), eq(payments.linkId, link.id)))
          .orderBy(observations.createdAt, observations.id)
      ).map((r) => r.transfer)
    : []
  return { payments: linkPayments, transfers }
}

/** PATCH: switches the link off as expired, inactive or cancelled, and withdraws an unpaid open payment. */
export async function updateLinkStatus(
  env: Env,
  auth: AuthContext,
  id: string,
  requested: LinkStatusUpdate,
  now = new Date(),
): Promise<LinkRecord> {
  const db = getDb(env.DB)
  const record = await getLink(db, auth, id, 'Payment link not found')
  const nowIso = now.toISOString()
  const result = applyStatusUpdate(factsOf(record), requested, nowIso)
  if (!result.ok) throw new ApiError('INVALID_STATE_TRANSITION', result.reason, 'status')
  await db
    .update(paymentLinks)
    .set({ status: result.state, isActive: result.storedActive, expiryDate: result.expiryDate, updatedAt: nowIso })
    .where(eq(paymentLinks.id, record.link.id))
  await linkObject(env, record.link.id).close(async () => {
    const open = await db
      .select({ id: payments.id })
      .from(payments)
      .where(
        and(
          eq(payments.merchantId, record.link.merchantId),
          eq(payments.linkId, record.link.id),
          eq(payments.status, 'pending'),
          eq(payments.amountReceived, '0'),
        ),
      )
    // The PaymentObject refuses if funds arrived meanwhile; then the payment simply goes on.
    await Promise.all(open.map((p) => paymentObject(env, p.id).cancel()))
  })
  return getLink(db, auth, record.link.id, 'Payment link not found')
}

export interface LinkFilters {
  page: number
  pageSize: number
  /** payment_status values, plus `active` / `inactive` for is_active. */
  statuses?: string[]
  currency?: string
  fromDate?: string
  toDate?: string
}

/** A page of the merchant's links, newest first, filtered on the derived payment_status in SQL. */
export async function listLinks(db: Db, auth: AuthContext, f: LinkFilters, now = new Date()) {
  const where: SQL[] = [eq(paymentLinks.merchantId, auth.merchantId), eq(paymentLinks.livemode, auth.livemode)]
  if (f.currency) where.push(eq(paymentLinks.orderCurrency, f.currency))
  if (f.fromDate) where.push(gte(paymentLinks.createdAt, f.fromDate))
  if (f.toDate) where.push(lte(paymentLinks.createdAt, f.toDate))
  const links = db
    .select(recordColumns)
    .from(paymentLinks)
    .where(and(...where))
    .as('l')
  const nowIso = now.toISOString()
  const condition = f.statuses?.length ? or(...f.statuses.map((s) => statusCondition(links, s, nowIso))) : undefined
  const [rows, [total]] = await db.batch([
    db
      .select()
      .from(links)
      .where(condition)
      .orderBy(desc(links.createdAt), desc(links.id))
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    db.select({ n: count() }).from(links).where(condition),
  ])
  return { records: rows.map(toRecord), total: total?.n ?? 0 }
}

type LinkSubquery = Record<'latestStatus' | 'uses' | 'status' | 'isActive' | 'expiryDate' | 'maxUses', SQLWrapper>

/** SQL for one statuses= value; mirrors linkPaymentStatus / linkAvailability in src/domain/links.ts. */
function statusCondition(l: LinkSubquery, status: string, now: string): SQL {
  const latest = sql`${l.latestStatus}`
  const expired = sql`(${l.status} = 'expired' or ${l.expiryDate} <= ${now})`
  const active = sql`(${l.isActive} = 1 and ${l.status} = 'active' and ${l.expiryDate} > ${now} and ${l.uses} < ${l.maxUses})`
  switch (status) {
    case 'active':
      return active
    case 'inactive':
      return sql`not ${active}`
    case 'processing':
    case 'completed':
    case 'refunded':
      return sql`${latest} = ${status}`
    case 'cancelled':
      return sql`(coalesce(${latest}, '') not in ('processing', 'completed', 'refunded') and (${l.status} = 'cancelled' or (not ${expired} and ${latest} = 'cancelled')))`
    case 'expired':
      return sql`(coalesce(${latest}, '') not in ('processing', 'completed', 'refunded') and ${l.status} <> 'cancelled' and ${expired})`
    case 'failed':
      return sql`(${latest} = 'failed' and ${l.status} <> 'cancelled' and not ${expired})`
    case 'pending':
      return sql`(coalesce(${latest}, 'pending') in ('pending', 'expired') and ${l.status} <> 'cancelled' and not ${expired})`
    default:
      return sql`0`
  }
}

/** A link as the public page finds it: by reference or id, any merchant. */
export async function findPublicLink(
  db: Db,
  referenceOrId: string,
): Promise<(LinkRecord & { merchantName: string }) | undefined> {
  const [row] = await db
    .select({ ...recordColumns, merchantName: merchants.name })
    .from(paymentLinks)
    .innerJoin(merchants, eq(merchants.id, paymentLinks.merchantId))
    .where(or(eq(paymentLinks.reference, referenceOrId), eq(paymentLinks.id, referenceOrId)))
    .limit(1)
  if (!row) return undefined
  const { merchantName, ...rest } = row
  return { ...toRecord(rest), merchantName }
}

export type VisitOutcome =
  | { kind: 'payment'; linkId: string; payment: VisitPayment }
  | { kind: 'unavailable'; reason: UnavailableReason; record: LinkRecord & { merchantName: string } }

/**
 * A buyer opens a link: their own open payment (cookie), the open payment of a single-use link, a new
 * payment, or the reason the link cannot be paid. Undefined when there is no such link. Only the
 * link's LinkObject opens a payment, one decision at a time, so concurrent visits cannot oversell it.
 */
export async function visitLink(
  env: Env,
  referenceOrId: string,
  ownPaymentOf: (linkId: string) => string | undefined,
  now = new Date(),
): Promise<VisitOutcome | undefined> {
  const db = getDb(env.DB)
  const record = await findPublicLink(db, referenceOrId)
  if (!record) return undefined
  const nowIso = now.toISOString()
  const ownPaymentId = ownPaymentOf(record.link.id)
  const visitColumns = {
    id: payments.id,
    reference: payments.reference,
    status: payments.status,
    expiresAt: payments.expiresAt,
  }
  const ofLink = and(eq(payments.merchantId, record.link.merchantId), eq(payments.linkId, record.link.id))
  const [open, own] = await db.batch([
    db
      .select(visitColumns)
      .from(payments)
      .where(
        and(
          ofLink,
          or(eq(payments.status, 'processing'), and(eq(payments.status, 'pending'), gt(payments.expiresAt, nowIso))),
        ),
      )
      .orderBy(desc(payments.createdAt))
      .limit(LINK_LIMITS.maxUsesPerTier),
    db
      .select(visitColumns)
      .from(payments)
      .where(and(ofLink, eq(payments.id, ownPaymentId ?? '')))
      .limit(1),
  ])
  const facts = factsOf(record, open.filter((p) => isOpenPayment(p, nowIso)).length)
  // A first look without the object: returning buyers and unavailable links need no decision.
  const decision = decideVisit(facts, open, own[0] ?? null, nowIso)
  if (decision.kind === 'unavailable') return { kind: 'unavailable', reason: decision.reason, record }
  if (decision.kind === 'show') return { kind: 'payment', linkId: record.link.id, payment: decision.payment }
  const result = await openThroughObject(env, record.link)
  if (result.kind === 'payment') return { kind: 'payment', linkId: record.link.id, payment: result.payment }
  if (result.kind === 'missing') return undefined
  return { kind: 'unavailable', reason: result.reason, record }
}

/** Asks the link's object to open a payment; an error of the payment's creation reaches the caller as itself. */
async function openThroughObject(env: Env, link: LinkRow) {
  let failure: unknown
  const start = async (): Promise<VisitPayment> => {
    try {
      const payment = await startLinkPayment(env, link, new Date())
      return {
        id: payment.id,
        reference: payment.reference,
        status: payment.status as PaymentStatus,
        expiresAt: payment.expiresAt,
      }
    } catch (err) {
      failure = err
      throw err
    }
  }
  try {
    return await linkObject(env, link.id).open(link.id, start)
  } catch (err) {
    // Over RPC an ApiError arrives as a plain Error: rethrow the original.
    throw failure ?? err
  }
}

/** What a link preview (an unfurling bot, HEAD) sees: the link and whether it can be paid, nothing opened. */
export async function previewLink(env: Env, referenceOrId: string, now = new Date()) {
  const record = await findPublicLink(getDb(env.DB), referenceOrId)
  if (!record) return undefined
  return { record, reason: unavailableReason(factsOf(record), now.toISOString()) }
}
