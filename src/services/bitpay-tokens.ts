import { and, eq, gt } from 'drizzle-orm'
import { base58 } from '@scure/base'
import type { AuthContext } from '../context'
import type { Db } from '../db/client'
import { bitpayTokens, merchants } from '../db/schema'
import { ApiError, notFound } from '../errors'
import { randomAlphanumeric } from '../auth/crypto'

export type BitPayTokenRow = typeof bitpayTokens.$inferSelect
export type Facade = BitPayTokenRow['facade']

/** Pairing codes expire after 24 hours (004). */
export const PAIRING_TTL_MS = 24 * 60 * 60 * 1000

const newToken = () => base58.encode(crypto.getRandomValues(new Uint8Array(32)))
const newPairingCode = () => randomAlphanumeric(7, 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789')

/** A pending token with a fresh pairing code, valid for 24 hours. */
function pendingToken(fields: Pick<BitPayTokenRow, 'merchantId' | 'livemode' | 'facade' | 'sin' | 'label'>, now: number): BitPayTokenRow {
  return {
    ...fields,
    token: newToken(),
    pairingCode: newPairingCode(),
    pairingExpiresAt: new Date(now + PAIRING_TTL_MS).toISOString(),
    status: 'pending',
    createdAt: new Date(now).toISOString(),
    approvedAt: null,
  }
}

/** A client asks for a token for its SIN; it stays pending until the merchant approves the pairing code. */
export async function requestToken(db: Db, sin: string, facade: Facade, label: string | null, now = Date.now()): Promise<BitPayTokenRow> {
  const row = pendingToken({ merchantId: null, livemode: false, facade, sin, label }, now)
  await db.insert(bitpayTokens).values(row)
  return row
}

/** The merchant makes a pairing code for a facade; a client claims it with its SIN. */
export async function createPairingCode(db: Db, auth: AuthContext, facade: Facade, label: string | null, now = Date.now()): Promise<BitPayTokenRow> {
  const row = pendingToken({ merchantId: auth.merchantId, livemode: auth.livemode, facade, sin: null, label }, now)
  await db.insert(bitpayTokens).values(row)
  return row
}

async function pendingByCode(db: Db, code: string, now: number) {
  const [row] = await db
    .select()
    .from(bitpayTokens)
    .where(and(eq(bitpayTokens.pairingCode, code), eq(bitpayTokens.status, 'pending'), gt(bitpayTokens.pairingExpiresAt, new Date(now).toISOString())))
  return row
}

/** Approves a client-requested token for the calling merchant (and its mode). */
export async function approvePairingCode(db: Db, auth: AuthContext, code: string, now = Date.now()): Promise<BitPayTokenRow> {
  const row = await pendingByCode(db, code, now)
  if (!row || row.merchantId !== null) throw notFound('Pairing code')
  const [approved] = await db
    .update(bitpayTokens)
    .set({ merchantId: auth.merchantId, livemode: auth.livemode, status: 'active', approvedAt: new Date(now).toISOString(), pairingExpiresAt: null })
    .where(and(eq(bitpayTokens.token, row.token), eq(bitpayTokens.status, 'pending')))
    .returning()
  if (!approved) throw notFound('Pairing code')
  return approved
}

/** A client claims a merchant-made pairing code with its SIN; the token becomes active and bound to it. */
export async function claimPairingCode(db: Db, code: string, sin: string, now = Date.now()): Promise<BitPayTokenRow> {
  const row = await pendingByCode(db, code, now)
  if (!row || row.merchantId === null) throw new ApiError('VALIDATION_ERROR', 'Unknown or expired pairing code', 'pairingCode')
  const [claimed] = await db
    .update(bitpayTokens)
    .set({ sin, status: 'active', approvedAt: new Date(now).toISOString(), pairingExpiresAt: null })
    .where(and(eq(bitpayTokens.token, row.token), eq(bitpayTokens.status, 'pending')))
    .returning()
  if (!claimed) throw new ApiError('VALIDATION_ERROR', 'Unknown or expired pairing code', 'pairingCode')
  return claimed
}

/** Active tokens bound to a SIN (GET /tokens). */
export async function tokensForSin(db: Db, sin: string) {
  return db.select().from(bitpayTokens).where(and(eq(bitpayTokens.sin, sin), eq(bitpayTokens.status, 'active')))
}

/** The active token and its merchant. */
export async function activeToken(db: Db, token: string) {
  const [row] = await db
    .select({ token: bitpayTokens, merchant: merchants })
    .from(bitpayTokens)
    .innerJoin(merchants, eq(merchants.id, bitpayTokens.merchantId))
    .where(and(eq(bitpayTokens.token, token), eq(bitpayTokens.status, 'active')))
  return row
}

export async function listMerchantTokens(db: Db, auth: AuthContext) {
  return db.select().from(bitpayTokens).where(and(eq(bitpayTokens.merchantId, auth.merchantId), eq(bitpayTokens.livemode, auth.livemode)))
}

export async function revokeToken(db: Db, auth: AuthContext, token: string): Promise<BitPayTokenRow> {
  const [row] = await db
    .update(bitpayTokens)
    .set({ status: 'revoked' })
    .where(and(eq(bitpayTokens.token, token), eq(bitpayTokens.merchantId, auth.merchantId), eq(bitpayTokens.livemode, auth.livemode)))
    .returning()
  if (!row) throw notFound('Token')
  return row
}
