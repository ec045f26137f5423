/** Queue names, as in wrangler.toml. */
export const WEBHOOKS_QUEUE = 'bitxpay-webhooks'
export const WEBHOOKS_DLQ = 'bitxpay-webhooks-dlq'

/**
 * Messages on the webhooks queue. `event`: fan an outbox row out to its targets and deliver to each
 * at once (one queue hop from the transition to the receiver). `delivery`: send one event to one
 * target again; `prior` counts the attempts made before the message was sent (1 after the first,
 * in-line attempt of a fan-out; absent for a resend). The rows in D1 hold everything else.
 */
export type WebhookMessage =
  | { type: 'event'; eventId: string }
  | { type: 'delivery'; eventId: string; deliveryId: string; prior?: number }

/** Delivery target id for a payment's own notification_url (endpoints use their id). */
export const NOTIFICATION_URL_TARGET = 'notification_url'
