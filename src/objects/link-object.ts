import { DurableObject } from 'cloudflare:workers'
import { and, eq, inArray } from 'drizzle-orm'
import { getDb } from '../db/client'
import { paymentLinks, payments } from '../db/schema'
import { decideVisit, isOpenPayment, type LinkState, type UnavailableReason, type VisitPayment } from '../domain/links'
import type { PaymentStatus } from '../domain/payment-status'

export type OpenResult =
  | { kind: 'payment'; payment: VisitPayment }
  | { kind: 'unavailable'; reason: UnavailableReason }
  | { kind: 'missing' }

/** Statuses in which a payment of the link holds a use: it can still complete, or it did. */
const HOLDING: PaymentStatus[] = ['pending', 'processing', 'completed', 'refunded']

/**
 * One per payment link (`idFromName(linkId)`): the only place that decides to open a payment for the
 * link, and the gate a payment passes to complete as one of the link's uses. Each decision reads the
 * link's payments from D1 and runs one at a time, so payments that can still complete plus completed
 * ones never exceed max_uses.
 */
export class LinkObject extends DurableObject<Env> {
  private tail: Promise<unknown> = Promise.resolve()

  /**
   * A new buyer opens the link: a new payment from `start` (called while no other decision for this
   * link runs, so the next one sees it), the open payment of a single-use link, or why not.
   */
  async open(linkId: string, start: () => Promise<VisitPayment>): Promise<OpenResult> {
    return this.serialized(async () => {
      const now = new Date().toISOString()
      const state = await this.read(linkId, now)
      if (!state) return { kind: 'missing' }
      const decision = decideVisit(state.facts, state.open, null, now)
      if (decision.kind === 'unavailable') return decision
      if (decision.kind === 'show') return { kind: 'payment', payment: decision.payment }
      return { kind: 'payment', payment: await start() }
    })
  }

  /**
   * The merchant switched the link off (already written to D1): `withdraw` runs after any opening in
   * flight, so a payment opened just before the switch is withdrawn with the others.
   */
  async close(withdraw: () => Promise<void>): Promise<void> {
    return this.serialized(withdraw)
  }

  /**
   * A payment of the link is about to complete: true when it is (or already was) one of the link's
   * max_uses uses. Granted uses are remembered, so two payments completing at once cannot both take the
   * last one before either reaches D1.
   */
  async claimUse(linkId: string, paymentId: string): Promise<boolean> {
    return this.serialized(async () => {
      const state = await this.read(linkId, new Date().toISOString())
      if (!state) return false
      if (state.used.has(paymentId)) return true
      if (state.used.size >= state.facts.maxUses) return false
      await this.ctx.storage.put('uses', [...(await this.grantedUses()), paymentId])
      return true
    })
  }

  /** The link's rules as of now: its facts, the payments holding a use, and the used ones. */
  private async read(linkId: string, now: string) {
    const db = getDb(this.env.DB)
    const [link] = await db
      .select({
        merchantId: paymentLinks.merchantId,
        status: paymentLinks.status,
        isActive: paymentLinks.isActive,
        expiryDate: paymentLinks.expiryDate,
        maxUses: paymentLinks.maxUses,
      })
      .from(paymentLinks)
      .where(eq(paymentLinks.id, linkId))
    if (!link) return undefined
    const rows = await db
      .select({
        id: payments.id,
        reference: payments.reference,
        status: payments.status,
        expiresAt: payments.expiresAt,
        createdAt: payments.createdAt,
      })
      .from(payments)
      .where(
        and(eq(payments.merchantId, link.merchantId), eq(payments.linkId, linkId), inArray(payments.status, HOLDING)),
      )
    const used = new Set([
      ...rows.filter((p) => p.status === 'completed' || p.status === 'refunded').map((p) => p.id),
      ...(await this.grantedUses()),
    ])
    const open = rows
      .map((p) => ({
        id: p.id,
        reference: p.reference,
        status: p.status as PaymentStatus,
        expiresAt: p.expiresAt,
        createdAt: p.createdAt,
      }))
      .filter((p) => !used.has(p.id) && isOpenPayment(p, now))
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
      .map(({ createdAt: _c, ...p }) => p)
    const facts = {
      state: link.status as LinkState,
      storedActive: link.isActive,
      expiryDate: link.expiryDate,
      maxUses: link.maxUses,
      currentUses: used.size,
      latestPaymentStatus: null,
      openPayments: open.length,
    }
    return { facts, open, used }
  }

  private async grantedUses(): Promise<string[]> {
    return (await this.ctx.storage.get<string[]>('uses')) ?? []
  }

  /** Runs `fn` after every earlier call has finished: one decision at a time, even across awaits. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => undefined)
    return run
  }
}

export function linkObject(env: Env, linkId: string) {
  return env.LINK_OBJECT.get(env.LINK_OBJECT.idFromName(linkId))
}
