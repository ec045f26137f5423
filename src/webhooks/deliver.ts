import { eq, sql } from 'drizzle-orm'
import { randomHex } from '../auth/crypto'
import { getDb, type EventRow, type PaymentRow } from '../db/client'
import { events, paymentLinks, webhookAttempts, webhookDeliveries, webhookEndpoints } from '../db/schema'
import { bitpayInvoiceOf, ipnBody, type InvoiceRenderer } from './bitpay-ipn'
import { NOTIFICATION_URL_TARGET } from './messages'
import { callbackUrlProblem } from '../domain/url-policy'
import { postWebhook, REFUSED_URL_RESULT } from './http'
import { buildPayload, buildSubjectPayload } from './payload'
import { isIpnTarget, subjectIpnBody } from './payout-ipn'
import { stringifyWithDecimals } from '../domain/exact-json'
import { endpointSecretBytes, standardWebhookHeaders, xSignature } from './signing'

export type DeliveryOutcome = 'delivered' | 'retry' | 'gone' | 'skipped'
type DeliveryRow = typeof webhookDeliveries.$inferSelect

/**
 * Sends one event to one target and records the attempt. 2xx is success; 410 (or a URL the policy
 * refuses) disables the endpoint and ends the delivery; anything else (no answer, a timeout, a
 * broken body) is recorded as a "could not deliver" attempt and asks the caller to retry. An IPN's
 * body is BitPay's invoice object, which `deps.invoiceView` renders.
 */
export async function deliver(
  env: Env,
  deliveryId: string,
  deps: { invoiceView: InvoiceRenderer },
): Promise<DeliveryOutcome> {
  const db = getDb(env.DB)
  const [delivery] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId))
  if (!delivery || delivery.status !== 'pending') return 'skipped'
  const [event] = await db.select().from(events).where(eq(events.id, delivery.eventId))
  if (!event) return 'skipped'
  if (event.subject !== 'payment') return deliverSubjectEvent(env, delivery, event)
  const payment = JSON.parse(event.data) as PaymentRow

  let key = new TextEncoder().encode(payment.notifySecret)
  if (delivery.endpointId) {
    const endpoint = await enabledEndpoint(env, deliveryId, delivery.endpointId)
    if (!endpoint) return 'skipped'
    key = endpointSecretBytes(endpoint.secret)
  }

  const invoice = delivery.target === NOTIFICATION_URL_TARGET ? await bitpayInvoiceOf(env, payment.id) : undefined
  const body = invoice
    ? await ipnBody(env, deps.invoiceView, payment, invoice)
    : stringifyWithDecimals(buildPayload(event, payment, await webhookData(env, payment)))
  const headers = {
    'X-Signature': xSignature(payment.notifySecret, body),
    'X-Event-Id': event.id,
    'X-Event-Type': event.type,
    ...standardWebhookHeaders(event.id, Math.floor(Date.now() / 1000), body, key),
  }
  return send(env, delivery, body, headers)
}

/** The delivery's endpoint when it is still enabled; otherwise the delivery is finished. */
async function enabledEndpoint(env: Env, deliveryId: string, endpointId: string) {
  const [endpoint] = await getDb(env.DB).select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpointId))
  if (!endpoint || endpoint.status !== 'enabled') {
    await finish(env, deliveryId, 'failed', endpoint ? 'endpoint is disabled' : 'endpoint was deleted')
    return null
  }
  return endpoint
}

/**
 * A payout or recipient event, to a merchant endpoint: the subject payload, signed with the
 * endpoint's secret (Standard Webhooks headers, and X-Signature as hex HMAC with the same secret).
 * To the subject's notificationURL: BitPay's IPN, unsigned, delivered only by an HTTP 200.
 */
async function deliverSubjectEvent(env: Env, delivery: DeliveryRow, event: EventRow): Promise<DeliveryOutcome> {
  if (!delivery.endpointId && isIpnTarget(delivery.target)) {
    const ipn = await subjectIpnBody(env, event, delivery.target)
    if (ipn === null) {
      await finish(env, delivery.id, 'failed', 'no IPN for this event')
      return 'skipped'
    }
    return send(env, delivery, ipn, { Accept: 'application/json' }, BITPAY_IPN_DELIVERED)
  }
  if (!delivery.endpointId) {
    await finish(env, delivery.id, 'failed', 'no target for this event')
    return 'skipped'
  }
  const endpoint = await enabledEndpoint(env, delivery.id, delivery.endpointId)
  if (!endpoint) return 'skipped'
  const body = JSON.stringify(buildSubjectPayload(env, event))
  const headers = {
    'X-Signature': xSignature(endpoint.secret, body),
    'X-Event-Id': event.id,
    'X-Event-Type': event.type,
    ...standardWebhookHeaders(event.id, Math.floor(Date.now() / 1000), body, endpointSecretBytes(endpoint.secret)),
  }
  return send(env, delivery, body, headers)
}

/** Which answers deliver a webhook: any 2xx. */
const ANY_2XX = (status: number) => status >= 200 && status < 300

/**
 * Which answers deliver a BitPay payout or recipient IPN: HTTP 200 only (BitPay's rule), whatever its
 * body (BitPay asks for an empty one; receivers that answer "OK" are not retried forever).
 */
const BITPAY_IPN_DELIVERED = (status: number) => status === 200

/** Posts the body (unless the URL policy refuses it) and records the attempt; `delivered` says which statuses count. */
async function send(
  env: Env,
  delivery: DeliveryRow,
  body: string,
  headers: Record<string, string>,
  delivered = ANY_2XX,
): Promise<DeliveryOutcome> {
  const db = getDb(env.DB)
  const deliveryId = delivery.id
  // Re-checked at send time: a URL stored before the policy (or under another environment) is never called.
  const refused = callbackUrlProblem(delivery.url, env.ENVIRONMENT) !== null
  const posted = refused ? REFUSED_URL_RESULT : await postWebhook(delivery.url, body, headers)
  const ok = posted.statusCode !== null && delivered(posted.statusCode)
  const result =
    !ok && posted.error === null
      ? { ...posted, error: `could not deliver: HTTP ${posted.statusCode} (only 200 counts)` }
      : posted
  const gone = result.statusCode === 410 || refused
  const now = new Date().toISOString()

  await db.batch([
    db.insert(webhookAttempts).values({
      id: `wa_${randomHex(12)}`,
      deliveryId,
      attempt: delivery.attempts + 1,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      error: result.error,
      responseSnippet: result.responseSnippet,
      createdAt: now,
    }),
    db
      .update(webhookDeliveries)
      .set({
        attempts: sql`${webhookDeliveries.attempts} + 1`,
        lastStatusCode: result.statusCode,
        lastError: result.error,
        status: ok ? 'succeeded' : gone ? 'failed' : 'pending',
        deliveredAt: ok ? now : null,
        updatedAt: now,
      })
      .where(eq(webhookDeliveries.id, deliveryId)),
  ])
  if (gone && delivery.endpointId) {
    await db
      .update(webhookEndpoints)
      .set({
        status: 'disabled',
        disabledReason: refused ? 'the URL is not allowed' : 'receiver answered 410 Gone',
        updatedAt: now,
      })
      .where(eq(webhookEndpoints.id, delivery.endpointId))
  }
  return ok ? 'delivered' : gone ? 'gone' : 'retry'
}

/** Marks a delivery finished without another attempt (dead-lettered, endpoint gone). */
export async function finish(env: Env, deliveryId: string, status: 'failed', reason: string): Promise<void> {
  await getDb(env.DB)
    .update(webhookDeliveries)
    .set({ status, lastError: reason, updatedAt: new Date().toISOString() })
    .where(eq(webhookDeliveries.id, deliveryId))
}

/** A link's webhook_data, else the payment's metadata: passed through untouched. */
async function webhookData(env: Env, payment: PaymentRow): Promise<unknown> {
  if (payment.linkId) {
    const [link] = await getDb(env.DB)
      .select({ webhookData: paymentLinks.webhookData })
      .from(paymentLinks)
      .where(eq(paymentLinks.id, payment.linkId))
    if (link?.webhookData) return JSON.parse(link.webhookData)
  }
  return payment.metadata ? JSON.parse(payment.metadata) : null
}
