import { sha256Hex } from '../../auth/crypto'
import type { ObservationRow, PaymentRow } from '../../db/client'
import { fiatDecimals } from '../../domain/currencies'
import { mulDecimal } from '../../domain/decimal'
import { expiresInSeconds, linkAvailability, linkPaymentStatus } from '../../domain/links'
import { formatUnits } from '../../domain/money'
import type { PaymentStatus } from '../../domain/payment-status'
import type { UsdPrices } from '../../domain/pricing'
import { countryOfPhone } from '../../domain/phone-country'
import { factsOf, type LinkRecord } from '../../services/links/links'
import { JsonDecimal } from './json'

/** ISO 8601 in whole seconds, as 002 writes dates ("2026-02-01T03:57:22Z"). */
export function isoSeconds(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Where a buyer opens the link: /link/<reference> (002's hosted_url). */
export const hostedUrl = (origin: string, reference: string) => `${origin}/link/${reference}`

/** Create / update response (002 §1, §2). */
export function linkView(r: LinkRecord, origin: string, tokenType: 'x-api-key' | 'bearer', now: string) {
  const facts = factsOf(r)
  return {
    id: r.link.id,
    payment_reference: r.link.reference,
    name: r.link.name,
    order_currency: r.link.orderCurrency,
    order_amount: new JsonDecimal(r.link.orderAmount),
    payment_status: linkPaymentStatus(facts, now),
    expiry_date: isoSeconds(r.link.expiryDate),
    hosted_url: hostedUrl(origin, r.link.reference),
    token_type: tokenType,
    expires_in: expiresInSeconds(facts, now),
    is_active: linkAvailability(facts, now).isActive,
    max_uses: r.link.maxUses,
    current_uses: r.uses,
    notify_secret: r.link.notifySecret,
  }
}

/** One entry of the list (002 §4). */
export function linkListItem(r: LinkRecord, origin: string, now: string) {
  const facts = factsOf(r)
  return {
    id: r.link.id,
    name: r.link.name,
    amount: new JsonDecimal(r.link.orderAmount),
    currency: r.link.orderCurrency,
    status: linkPaymentStatus(facts, now),
    payment_link: `${origin}/link/${r.link.id}`,
    expires_at: isoSeconds(r.link.expiryDate),
    is_active: linkAvailability(facts, now).isActive,
    created_at: isoSeconds(r.link.createdAt),
  }
}

/** A payer's id: stable for the same merchant and e-mail address, shaped as a UUID. */
export function payerId(merchantId: string, email: string): string {
  const h = sha256Hex(`payer:${merchantId}:${email.trim().toLowerCase()}`)
  const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

function tierOf(p: PaymentRow): 'good' | 'short' | 'late' | 'pending' | 'failed' {
  if (p.exception === 'paid_late') return 'late'
  if (p.exception === 'underpaid') return p.status === 'failed' ? 'failed' : 'short'
  if (p.status === 'completed' || p.status === 'refunded') return 'good'
  if (p.status === 'failed') return 'failed'
  return 'pending'
}

/** Get details (002 §3): the link, who pays it, its transfers, and (beyond 002) its payments. */
export function linkDetailsView(
  r: LinkRecord,
  details: { payments: PaymentRow[]; transfers: ObservationRow[] },
  origin: string,
  prices: UsdPrices,
  now: string,
) {
  const open = details.payments.filter(
    (p) => p.status === 'processing' || (p.status === 'pending' && p.expiresAt > now),
  ).length
  const facts = factsOf(r, open)
  const availability = linkAvailability(facts, now)
  const decimals = fiatDecimals(r.link.orderCurrency) ?? 2
  const usd = prices[r.link.orderCurrency]
  const byId = new Map(details.payments.map((p) => [p.id, p]))
  const link = r.link
  return {
    id: link.id,
    reference: link.reference,
    name: link.name,
    amount: new JsonDecimal(link.orderAmount),
    currency: link.orderCurrency,
    payment_type: 'hosted' as const,
    payment_status: linkPaymentStatus(facts, now),
    payment_link: `${origin}/payment_link?payment_id=${link.id}`,
    expires_at: isoSeconds(link.expiryDate),
    is_active: availability.isActive,
    max_uses: link.maxUses,
    current_uses: r.uses,
    is_expired: availability.isExpired,
    is_available: availability.isAvailable,
    decimals,
    usd_price: usd === undefined ? '0.0000' : mulDecimal(link.orderAmount, usd, 4),
    payers: link.payerEmail
      ? [
          {
            id: payerId(link.merchantId, link.payerEmail),
            name: link.payerName,
            email: link.payerEmail,
            country: countryOfPhone(link.payerPhone),
          },
        ]
      : [],
    merchant_customer: { customer_id: link.payerId, customer_name: link.payerName, email: link.payerEmail },
    txs: details.transfers.flatMap((t) => {
      const p = t.paymentId ? byId.get(t.paymentId) : undefined
      if (!p) return []
      const crypto = formatUnits(BigInt(t.amount), p.tokenDecimals ?? 0)
      const confirmed = t.confirmations >= (p.requiredConfirmations ?? 0)
      return [
        {
          t3a_id: p.id,
          txid: t.txHash,
          order_currency: p.currency,
          receive_amount: new JsonDecimal(p.rate ? mulDecimal(crypto, p.rate, decimals, 'down') : '0'),
          status: t.removedAt ? ('removed' as const) : confirmed ? ('confirmed' as const) : ('unconfirmed' as const),
          status_date: isoSeconds(t.createdAt),
          payment_tier: tierOf(p),
          payment_tier_date: isoSeconds(p.completedAt ?? p.updatedAt),
          payment_currency: p.currency,
          payment_amount: new JsonDecimal(p.amount),
          payment_crypto_amount: new JsonDecimal(crypto),
        },
      ]
    }),
    payments: details.payments.map((p) => ({
      id: p.id,
      reference: p.reference,
      status: p.status as PaymentStatus,
      hosted_url: `${origin}/pay/${p.reference}`,
      created_at: isoSeconds(p.createdAt),
    })),
  }
}
