import { and, asc, eq, gt, ne, sql } from 'drizzle-orm'
import { base58 } from '@scure/base'
import type { AuthContext } from '../../context'
import type { Db } from '../../db/client'
import { bitpayTokenSins, bitpayTokens, merchants } from '../../db/schema'
import { ApiError, notFound } from '../../errors'
import { randomAlphanumeric } from '../../auth/crypto'

export type BitPayTokenRow = typeof bitpayTokens.$inferSelect
export type Facade = BitPayTokenRow['facade']

/** Pairing codes expire after 24 hours (004). */
export const PAIRING_TTL_MS = 24 * 60 * 60 * 1000

const newToken = () => base58.encode(crypto.getRandomValues(new Uint8Array(32)))
const newPairingCode = () => randomAlphanumeric(7, 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789')

/** A pending token with a fresh pairing code, valid for 24 hours. */
function pendingToken(
  fields: Pick<BitPayTokenRow, 'merchantId' | 'livemode' | 'facade' | 'sin' | 'label'>,
  now: number,
): BitPayTokenRow {
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
export async function requestToken(
  db: Db,
  sin: string,
  facade: Facade,
  label: string | null,
  now = Date.now(),
): Promise<BitPayTokenRow> {
  const row = pendingToken({ merchantId: null, livemode: false, facade, sin, label }, now)
  await db.batch([
    db.insert(bitpayTokens).values(row),
    db.insert(bitpayTokenSins).values({ token: row.token, sin, createdAt: row.createdAt }),
  ])
  return row
}

/** The merchant makes a pairing code for a facade; a client claims it with its SIN. */
export async function createPairingCode(
  db: Db,
  auth: AuthContext,
  facade: Facade,
  label: string | null,
  now = Date.now(),
): Promise<BitPayTokenRow> {
  const row = pendingToken({ merchantId: auth.merchantId, livemode: auth.livemode, facade, sin: null, label }, now)
  await db.insert(bitpayTokens).values(row)
  return row
}

async function pendingByCode(db: Db, code: string, now: number) {
  const [row] = await db
    .select()
    .from(bitpayTokens)
    .where(
      and(
        eq(bitpayTokens.pairingCode, code),
        eq(bitpayTokens.status, 'pending'),
        gt(bitpayTokens.pairingExpiresAt, new Date(now).toISOString()),
      ),
    )
  return row
}

/** Approves a client-requested token for the calling merchant (and its mode). */
export async function approvePairingCode(
  db: Db,
  auth: AuthContext,
  code: string,
  now = Date.now(),
): Promise<BitPayTokenRow> {
  const row = await pendingByCode(db, code, now)
  if (!row || row.merchantId !== null) throw notFound('Pairing code')
  const [approved] = await db
    .update(bitpayTokens)
    .set({
      merchantId: auth.merchantId,
      livemode: auth.livemode,
      status: 'active',
      approvedAt: new Date(now).toISOString(),
      pairingExpiresAt: null,
    })
    .where(and(eq(bitpayTokens.token, row.token), eq(bitpayTokens.status, 'pending')))
    .returning()
  if (!approved) throw notFound('Pairing code')
  return approved
}

/** A client claims a merchant-made pairing code with its SIN; the token becomes active and bound to it. */
export async function claimPairingCode(db: Db, code: string, sin: string, now = Date.now()): Promise<BitPayTokenRow> {
  const row = await pendingByCode(db, code, now)
  if (!row || row.merchantId === null)
    throw new ApiError('VALIDATION_ERROR', 'Unknown or expired pairing code', 'pairingCode')
  const at = new Date(now).toISOString()
  const claim = db
    .update(bitpayTokens)
    .set({ sin, status: 'active', approvedAt: at, pairingExpiresAt: null })
    .where(and(eq(bitpayTokens.token, row.token), eq(bitpayTokens.status, 'pending')))
    .returning()
  // The SIN is linked only if this claim won (a raced claim by another SIN must not link this one).
  const link = db
    .insert(bitpayTokenSins)
    .select(
      sql`SELECT ${row.token}, ${sin}, ${at} WHERE EXISTS (SELECT 1 FROM bitpay_tokens WHERE token = ${row.token} AND sin = ${sin} AND approved_at = ${at})`,
    )
    .onConflictDoNothing()
  const [[claimed]] = await db.batch([claim, link])
  if (!claimed) throw new ApiError('VALIDATION_ERROR', 'Unknown or expired pairing code', 'pairingCode')
  return claimed
}

/** Active tokens a SIN is linked to (GET /tokens). */
export async function tokensForSin(db: Db, sin: string) {
  const rows = await db
    .select({ token: bitpayTokens })
    .from(bitpayTokenSins)
    .innerJoin(bitpayTokens, eq(bitpayTokens.token, bitpayTokenSins.token))
    .where(and(eq(bitpayTokenSins.sin, sin), eq(bitpayTokens.status, 'active')))
  return rows.map((r) => r.token)
}

/** The active token, its merchant, and whether `signer` (if given) is one of its linked SINs. */
export async function activeToken(db: Db, token: string, signer: string | null = null) {
  const [row] = await db
    .select({ token: bitpayTokens, merchant: merchants, linkedSin: bitpayTokenSins.sin })
    .from(bitpayTokens)
    .innerJoin(merchants, eq(merchants.id, bitpayTokens.merchantId))
    .leftJoin(
      bitpayTokenSins,
      and(eq(bitpayTokenSins.token, bitpayTokens.token), eq(bitpayTokenSins.sin, signer ?? '')),
    )
    .where(and(eq(bitpayTokens.token, token), eq(bitpayTokens.status, 'active')))
  return row
    ? { token: row.token, merchant: row.merchant, signerLinked: signer !== null && row.linkedSin === signer }
    : undefined
}

/** The SINs linked to a token, oldest first. */
export async function linkedSins(db: Db, token: string): Promise<string[]> {
  const rows = await db
    .select({ sin: bitpayTokenSins.sin })
    .from(bitpayTokenSins)
    .where(eq(bitpayTokenSins.token, token))
    .orderBy(asc(bitpayTokenSins.createdAt), asc(bitpayTokenSins.sin))
  return rows.map((r) => r.sin)
}

/** Links another SIN (key pair) to a token; linking one already linked changes nothing. */
export async function linkSin(db: Db, token: string, sin: string): Promise<string[]> {
  await db.insert(bitpayTokenSins).values({ token, sin, createdAt: new Date().toISOString() }).onConflictDoNothing()
  return linkedSins(db, token)
}

/**
 * Unlinks `sin` from a token, signed by `signer`, a linked SIN that stays: a token never loses its
 * last SIN. The delete is guarded in SQL, so two keys unlinking each other at once leave one.
 */
export async function unlinkSin(db: Db, token: string, sin: string, signer: string): Promise<void> {
  const sins = await linkedSins(db, token)
  if (!sins.includes(sin)) throw notFound('SIN')
  if (sins.length === 1)
    throw new ApiError('VALIDATION_ERROR', 'Cannot unlink the last SIN of a token: link another one first', 'sin')
  if (sin === signer)
    throw new ApiError(
      'FORBIDDEN',
      'Unlink a SIN with the signature of another SIN linked to the token, one that stays',
      'x-identity',
    )
  const [deleted] = await db.batch([
    db
      .delete(bitpayTokenSins)
      .where(
        and(
          eq(bitpayTokenSins.token, token),
          eq(bitpayTokenSins.sin, sin),
          sql`EXISTS (SELECT 1 FROM bitpay_token_sins AS other WHERE other.token = ${token} AND other.sin = ${signer})`,
        ),
      )
      .returning({ sin: bitpayTokenSins.sin }),
    // The token's own SIN column names a SIN that is still linked.
    db
      .update(bitpayTokens)
      .set({ sin: signer })
      .where(and(eq(bitpayTokens.token, token), eq(bitpayTokens.sin, sin), ne(bitpayTokens.sin, signer))),
  ])
  if (deleted.length === 0)
    throw new ApiError('VALIDATION_ERROR', 'Cannot unlink the last SIN of a token: link another one first', 'sin')
}

export async function listMerchantTokens(db: Db, auth: AuthContext) {
  return db
    .select()
    .from(bitpayTokens)
    .where(and(eq(bitpayTokens.merchantId, auth.merchantId), eq(bitpayTokens.livemode, auth.livemode)))
}

export async function revokeToken(db: Db, auth: AuthContext, token: string): Promise<BitPayTokenRow> {
  const [row] = await db
    .update(bitpayTokens)
    .set({ status: 'revoked' })
    .where(
      and(
        eq(bitpayTokens.token, token),
        eq(bitpayTokens.merchantId, auth.merchantId),
        eq(bitpayTokens.livemode, auth.livemode),
      ),
    )
    .returning()
  if (!row) throw notFound('Token')
  return row
}

/** Whether `sin` is linked to an active merchant-facade token of this merchant and mode. */
export async function sinActsForMerchant(db: Db, sin: string, merchantId: string, livemode: boolean): Promise<boolean> {
  const [row] = await db
    .select({ token: bitpayTokens.token })
    .from(bitpayTokenSins)
    .innerJoin(bitpayTokens, eq(bitpayTokens.token, bitpayTokenSins.token))
    .where(
      and(
        eq(bitpayTokenSins.sin, sin),
        eq(bitpayTokens.merchantId, merchantId),
        eq(bitpayTokens.livemode, livemode),
        eq(bitpayTokens.facade, 'merchant'),
        eq(bitpayTokens.status, 'active'),
      ),
    )
    .limit(1)
  return row !== undefined
}
