import { and, desc, eq } from 'drizzle-orm'
import { randomHex } from '../../auth/crypto'
import type { AuthContext } from '../../context'
import type { Db, WebhookEndpointRow } from '../../db/client'
import { webhookEndpoints } from '../../db/schema'
import type { WebhookEventType as EventType } from '../../domain/events'
import { checkUrls } from '../../domain/url-policy'
import { notFound } from '../../errors'
import { newEndpointSecret } from '../../webhooks/signing'

export { endpointWants } from '../../webhooks/fanout'

export type { WebhookEndpointRow } from '../../db/client'

/** Refuses endpoint URLs the callback policy does not allow in this environment, naming `url`. */
export function checkEndpointUrl(url: string | undefined, environment: string): void {
  checkUrls(environment, [{ field: 'url', kind: 'callback', value: url }])
}

export async function createEndpoint(
  db: Db,
  auth: AuthContext,
  environment: string,
  input: { url: string; description?: string; enabledEvents?: EventType[] },
): Promise<WebhookEndpointRow> {
  checkEndpointUrl(input.url, environment)
  const now = new Date().toISOString()
  const row: WebhookEndpointRow = {
    id: `we_${randomHex(12)}`,
    merchantId: auth.merchantId,
    livemode: auth.livemode,
    url: input.url,
    description: input.description ?? null,
    enabledEvents: input.enabledEvents ? JSON.stringify(input.enabledEvents) : null,
    secret: newEndpointSecret(),
    status: 'enabled',
    disabledReason: null,
    createdAt: now,
    updatedAt: now,
  }
  await db.insert(webhookEndpoints).values(row)
  return row
}

const scope = (auth: AuthContext, id: string) =>
  and(
    eq(webhookEndpoints.id, id),
    eq(webhookEndpoints.merchantId, auth.merchantId),
    eq(webhookEndpoints.livemode, auth.livemode),
  )

export async function listEndpoints(db: Db, auth: AuthContext) {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.merchantId, auth.merchantId), eq(webhookEndpoints.livemode, auth.livemode)))
    .orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id))
}

export async function getEndpoint(db: Db, auth: AuthContext, id: string): Promise<WebhookEndpointRow> {
  const [row] = await db.select().from(webhookEndpoints).where(scope(auth, id))
  if (!row) throw notFound('Webhook endpoint')
  return row
}

export async function updateEndpoint(
  db: Db,
  auth: AuthContext,
  environment: string,
  id: string,
  changes: {
    url?: string
    description?: string | null
    enabledEvents?: EventType[] | null
    status?: 'enabled' | 'disabled'
  },
): Promise<WebhookEndpointRow> {
  checkEndpointUrl(changes.url, environment)
  const set: Partial<WebhookEndpointRow> = { updatedAt: new Date().toISOString() }
  if (changes.url !== undefined) set.url = changes.url
  if (changes.description !== undefined) set.description = changes.description
  if (changes.enabledEvents !== undefined)
    set.enabledEvents = changes.enabledEvents === null ? null : JSON.stringify(changes.enabledEvents)
  if (changes.status !== undefined) {
    set.status = changes.status
    set.disabledReason = changes.status === 'disabled' ? 'disabled by merchant' : null
  }
  const [row] = await db.update(webhookEndpoints).set(set).where(scope(auth, id)).returning()
  if (!row) throw notFound('Webhook endpoint')
  return row
}

export async function rotateEndpointSecret(db: Db, auth: AuthContext, id: string): Promise<WebhookEndpointRow> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({ secret: newEndpointSecret(), updatedAt: new Date().toISOString() })
    .where(scope(auth, id))
    .returning()
  if (!row) throw notFound('Webhook endpoint')
  return row
}

export async function deleteEndpoint(db: Db, auth: AuthContext, id: string): Promise<WebhookEndpointRow> {
  const [row] = await db.delete(webhookEndpoints).where(scope(auth, id)).returning()
  if (!row) throw notFound('Webhook endpoint')
  return row
}
