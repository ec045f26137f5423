/** Every event type the outbox carries, by subject. Pure. */
import { EVENT_TYPES } from './payment-status'
import { PAYOUT_EVENT_TYPES, RECIPIENT_EVENT_TYPES } from './payouts'

/** What an event is about; the matching id column of the events row is set. */
export const EVENT_SUBJECTS = ['payment', 'payout', 'recipient'] as const
export type EventSubject = (typeof EVENT_SUBJECTS)[number]

/** Payment, payout and recipient events: what endpoints may filter on. */
export const WEBHOOK_EVENT_TYPES = [...EVENT_TYPES, ...PAYOUT_EVENT_TYPES, ...RECIPIENT_EVENT_TYPES] as const
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]
