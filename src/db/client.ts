import { drizzle } from 'drizzle-orm/d1'
import * as schema from './schema'

export type Db = ReturnType<typeof getDb>

export function getDb(d1: D1Database) {
  return drizzle(d1, { schema })
}

export type MerchantRow = typeof schema.merchants.$inferSelect
export type ApiKeyRow = typeof schema.apiKeys.$inferSelect
export type WalletRow = typeof schema.wallets.$inferSelect
export type PaymentRow = typeof schema.payments.$inferSelect
export type EventRow = typeof schema.events.$inferSelect
export type ObservationRow = typeof schema.observations.$inferSelect
export type WebhookEndpointRow = typeof schema.webhookEndpoints.$inferSelect
