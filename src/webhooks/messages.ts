/** Queue names, as in wrangler.toml. */
export const WEBHOOKS_QUEUE = 'bitxpay-webhooks'
export const WEBHOOKS_DLQ = 'bitxpay-webhooks-dlq'

/**
 * Messages on the webhooks queue. `event`: fan an outbox row out to its targets. `delivery`: send
 * one event to one target. Both carry the event id; the rows in D1 hold everything else.
 */
export type WebhookMessage = { type: 'event'; eventId: string } | { type: 'delivery'; eventId: string; deliveryId: string }

/** Delivery target id for a payment's own notification_url (endpoints use their id). */
export const NOTIFICATION_URL_TARGET = 'notification_url'
