import { and, desc, eq, isNull } from 'drizzle-orm'
import type { KeyMode } from '../context'
import type { Db, MerchantRow } from '../db/client'
import { apiKeys, merchants } from '../db/schema'
import { randomHex, sha256Hex } from './crypto'

/** Default requests per minute per key (seed 000: sandbox 100, production 1000). */
export const DEFAULT_RATE_LIMITS: Record<KeyMode, number> = { test: 100, live: 1000 }

/** A merchant's requests per minute per credential in a mode: its override, else the default. */
export function perMinuteLimit(m: Pick<MerchantRow, 'rateLimitTest' | 'rateLimitLive'>, mode: KeyMode): number {
  return (mode === 'live' ? m.rateLimitLive : m.rateLimitTest) ?? DEFAULT_RATE_LIMITS[mode]
}

export interface IssuedKey {
  id: string
  mode: KeyMode
  name: string | null
  /** The full key: returned once, never stored. */
  key: string
  signingSecret: string
  keyPrefix: string
  requireSignature: boolean
  createdAt: string
}

/** Generates a key with 256 random bits and its signing secret. */
export function newApiKey(
  mode: KeyMode,
  options: { name?: string | null; requireSignature?: boolean } = {},
): IssuedKey {
  const key = `${mode}_${randomHex(32)}`
  return {
    id: `key_${randomHex(12)}`,
    mode,
    name: options.name ?? null,
    key,
    signingSecret: `sig_${randomHex(32)}`,
    keyPrefix: key.slice(0, mode.length + 9),
    requireSignature: options.requireSignature ?? false,
    createdAt: new Date().toISOString(),
  }
}

/** Creates and stores a key; only its SHA-256 is stored. */
export async function issueApiKey(
  db: Db,
  merchantId: string,
  mode: KeyMode,
  options: { name?: string | null; requireSignature?: boolean } = {},
): Promise<IssuedKey> {
  const issued = newApiKey(mode, options)
  await db.insert(apiKeys).values(keyRow(merchantId, issued))
  return issued
}

/** The stored row for an issued key. */
export function keyRow(merchantId: string, k: IssuedKey): typeof apiKeys.$inferInsert {
  return {
    id: k.id,
    merchantId,
    mode: k.mode,
    name: k.name,
    keyHash: sha256Hex(k.key),
    keyPrefix: k.keyPrefix,
    signingSecret: k.signingSecret,
    requireSignature: k.requireSignature,
    createdAt: k.createdAt,
  }
}

/** Finds the active key and its merchant for a presented key string (always asks D1). */
export async function findActiveKey(db: Db, presented: string) {
  const [row] = await db
    .select({ key: apiKeys, merchant: merchants })
    .from(apiKeys)
    .innerJoin(merchants, eq(merchants.id, apiKeys.merchantId))
    .where(and(eq(apiKeys.keyHash, sha256Hex(presented)), isNull(apiKeys.revokedAt)))
    .limit(1)
  return row
}

type ActiveKey = NonNullable<Awaited<ReturnType<typeof findActiveKey>>>

/**
 * The isolate's cache of found keys, by key hash. A hit is served for at most `ttlMs` after it was
 * read from D1, so a key revoked (or a merchant's limits changed) in another isolate stops applying
 * there within `ttlMs`; in this isolate `forgetCachedKeys` (called by revokeApiKey and by
 * updateMerchantLimits) makes it immediate. Misses are not cached: a new key works at once.
 * `ttlMs` and `now` are settable for tests.
 */
export const apiKeyCache = {
  ttlMs: 10_000,
  maxEntries: 10_000,
  now: (): number => Date.now(),
  entries: new Map<string, { found: ActiveKey; until: number }>(),
}

/** Forgets every cached key in this isolate (after a revocation or a change of a merchant's limits). */
export function forgetCachedKeys(): void {
  apiKeyCache.entries.clear()
}

/** `findActiveKey` through the isolate's cache (see `apiKeyCache` for the bound on staleness). */
export async function findActiveKeyCached(db: Db, presented: string): Promise<ActiveKey | undefined> {
  const hash = sha256Hex(presented)
  const now = apiKeyCache.now()
  const hit = apiKeyCache.entries.get(hash)
  if (hit && hit.until > now) return hit.found
  if (hit) apiKeyCache.entries.delete(hash)
  const found = await findActiveKey(db, presented)
  if (!found) return undefined
  if (apiKeyCache.entries.size >= apiKeyCache.maxEntries) apiKeyCache.entries.clear()
  apiKeyCache.entries.set(hash, { found, until: now + apiKeyCache.ttlMs })
  return found
}

export async function listApiKeys(db: Db, merchantId: string) {
  return db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.merchantId, merchantId))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
}

export async function findApiKey(db: Db, merchantId: string, id: string) {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.merchantId, merchantId), eq(apiKeys.id, id)))
  return row
}

/** Revokes a key; returns the row, or undefined when the merchant has no such key. */
export async function revokeApiKey(db: Db, merchantId: string, id: string) {
  forgetCachedKeys()
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date().toISOString() })
    .where(and(eq(apiKeys.merchantId, merchantId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning()
  // Again after the write: a lookup that raced the update must not keep the key cached.
  forgetCachedKeys()
  return row ?? (await findApiKey(db, merchantId, id))
}
