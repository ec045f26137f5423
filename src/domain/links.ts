/** Payment links (seed 002) as pure functions: state, availability, status updates and page visits. */
import type { PaymentStatus } from './payment-status'

/** The link's own state, set by the merchant (PATCH) or 'active'. */
export const LINK_STATES = ['active', 'inactive', 'expired', 'cancelled'] as const
export type LinkState = (typeof LINK_STATES)[number]

/** Statuses a merchant may set with PATCH /payments/links/{id}. */
export const LINK_STATUS_UPDATES = ['expired', 'inactive', 'cancelled'] as const
export type LinkStatusUpdate = (typeof LINK_STATUS_UPDATES)[number]

/** Payment statuses whose money counts: a link reports these whatever its own state. */
const MONEY_STATUSES: ReadonlySet<PaymentStatus> = new Set(['processing', 'completed', 'refunded'])

/** What the link functions read about a link and its payments. */
export interface LinkFacts {
  state: LinkState
  /** The merchant's switch (false after any PATCH). */
  storedActive: boolean
  expiryDate: string
  maxUses: number
  /** Payments of the link that completed (or were refunded after completing). */
  currentUses: number
  /** Status of the link's most recent payment, null before the first. */
  latestPaymentStatus: PaymentStatus | null
  /** Open payments (pending and unexpired, or processing): buyers already paying. */
  openPayments?: number
}

/** `busy`: every remaining use of a multi-use link is held by a buyer paying now (it frees up if they don't). */
export type UnavailableReason = 'expired' | 'inactive' | 'cancelled' | 'used' | 'busy'

/**
 * The link's payment_status: the latest payment's status when money is involved (processing,
 * completed, refunded), else the link's own end (cancelled, expired), else the latest payment's
 * failure or cancellation, else pending. A payment whose 15-minute price lock ran out while the link
 * is still open is not an expired link: the next visit starts a new payment, so it reads pending.
 */
export function linkPaymentStatus(f: LinkFacts, now: string): PaymentStatus {
  const latest = f.latestPaymentStatus
  if (latest && MONEY_STATUSES.has(latest)) return latest
  if (f.state === 'cancelled') return 'cancelled'
  if (isLinkExpired(f, now)) return 'expired'
  if (latest === 'failed' || latest === 'cancelled') return latest
  return 'pending'
}

/** True once the expiry date has passed or the merchant marked the link expired. */
export function isLinkExpired(f: Pick<LinkFacts, 'state' | 'expiryDate'>, now: string): boolean {
  return f.state === 'expired' || f.expiryDate <= now
}

/** Why the link cannot take a new payment, or null when it can. */
export function unavailableReason(f: LinkFacts, now: string): UnavailableReason | null {
  if (f.state === 'cancelled') return 'cancelled'
  if (isLinkExpired(f, now)) return 'expired'
  if (!f.storedActive || f.state === 'inactive') return 'inactive'
  if (f.currentUses >= f.maxUses) return 'used'
  return null
}

/**
 * is_active: the link accepts payments (switched on, not expired or cancelled, uses left).
 * is_available: a new buyer can start one now (is_active and not every remaining use is taken by a
 * buyer already paying).
 */
export function linkAvailability(f: LinkFacts, now: string) {
  const isActive = unavailableReason(f, now) === null
  const remaining = f.maxUses - f.currentUses - (f.openPayments ?? 0)
  return { isExpired: isLinkExpired(f, now), isActive, isAvailable: isActive && remaining > 0 }
}

/** Whole seconds from `now` until the link expires, never negative. */
export function expiresInSeconds(f: Pick<LinkFacts, 'state' | 'expiryDate'>, now: string): number {
  if (f.state === 'expired') return 0
  return Math.max(0, Math.floor((Date.parse(f.expiryDate) - Date.parse(now)) / 1000))
}

export type StatusUpdateResult =
  | { ok: true; state: LinkUpdateState; storedActive: false; expiryDate: string }
  | { ok: false; reason: string }
type LinkUpdateState = LinkStatusUpdate

/**
 * PATCH: any update switches the link off; `expired` also moves a future expiry to now. A link whose
 * uses are all paid ("completed payment") cannot be changed, and a cancelled link stays cancelled.
 */
export function applyStatusUpdate(f: LinkFacts, requested: LinkStatusUpdate, now: string): StatusUpdateResult {
  if (linkPaymentStatus(f, now) === 'completed' && f.currentUses >= f.maxUses) {
    return { ok: false, reason: 'Cannot update status of completed payment' }
  }
  if (f.state === 'cancelled' && requested !== 'cancelled') {
    return { ok: false, reason: 'Cannot update status of cancelled payment link' }
  }
  const expiryDate = requested === 'expired' && f.expiryDate > now ? now : f.expiryDate
  return { ok: true, state: requested, storedActive: false, expiryDate }
}

/** A payment of the link as the visit logic sees it. */
export interface VisitPayment {
  id: string
  reference: string
  status: PaymentStatus
  expiresAt: string
}

export type VisitDecision =
  | { kind: 'show'; payment: VisitPayment }
  | { kind: 'create' }
  | { kind: 'unavailable'; reason: UnavailableReason }

/** A payment the buyer can still pay or watch confirm. */
export function isOpenPayment(p: VisitPayment, now: string): boolean {
  return p.status === 'processing' || (p.status === 'pending' && p.expiresAt > now)
}

/**
 * What a visit to a link shows. The buyer's own payment (from their cookie) while it is open or paid;
 * otherwise, for an unavailable link, the reason; otherwise a new payment while uses are left, where a
 * payment that can still complete holds a use. With none left, a single-use link shows its one open
 * payment (the same sale, opened again); a multi-use link refuses the visit as `busy`.
 */
export function decideVisit(f: LinkFacts, open: VisitPayment[], own: VisitPayment | null, now: string): VisitDecision {
  if (own && (isOpenPayment(own, now) || own.status === 'completed')) return { kind: 'show', payment: own }
  const reason = unavailableReason(f, now)
  if (reason) return { kind: 'unavailable', reason }
  const live = open.filter((p) => isOpenPayment(p, now))
  if (f.maxUses - f.currentUses - live.length > 0) return { kind: 'create' }
  if (f.maxUses === 1 && live[0]) return { kind: 'show', payment: live[0] }
  return { kind: 'unavailable', reason: 'busy' }
}

/** Seconds a new payment of the link locks its price: the usual lock, cut short by the link's expiry. */
export function paymentLockSeconds(
  f: Pick<LinkFacts, 'state' | 'expiryDate'>,
  defaultSeconds: number,
  now: string,
): number {
  return Math.max(1, Math.min(defaultSeconds, expiresInSeconds(f, now)))
}

/** User agents of link unfurlers and crawlers: they fetch a link to preview it, never to pay. */
const PREVIEW_AGENTS =
  /slackbot|slack-imgproxy|twitterbot|facebookexternalhit|facebookcatalog|meta-externalagent|whatsapp|discordbot|telegrambot|linkedinbot|googlebot|google-inspectiontool|adsbot-google|bingbot|bingpreview|applebot|skypeuripreview|redditbot|pinterestbot|embedly|iframely|vkshare|mastodon|cardyb|bitlybot|kakaotalk-scrap|yandexbot|duckduckbot|baiduspider|ia_archiver|\b(bot|crawler|spider|preview)\b/i

/**
 * True for a request that only looks at a link: HEAD, a browser's speculative prefetch or prerender
 * (`Sec-Purpose` / `Purpose`), or a known preview or crawler user agent. Such a visit never opens a payment.
 */
export function isLinkPreview(req: { method: string; userAgent?: string; purpose?: string }): boolean {
  if (req.method.toUpperCase() === 'HEAD') return true
  if (req.purpose && /prefetch|prerender/i.test(req.purpose)) return true
  return req.userAgent !== undefined && PREVIEW_AGENTS.test(req.userAgent)
}
