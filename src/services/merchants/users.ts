import { and, desc, eq, sql } from 'drizzle-orm'
import { ACCESS_TOKEN_TTL_SECONDS, issueAccessToken, readAccessToken } from '../../auth/access-tokens'
import { randomHex } from '../../auth/crypto'
import { hashPassword, verifyPassword } from '../../auth/passwords'
import type { AuthContext } from '../../context'
import type { Db } from '../../db/client'
import { merchants, users } from '../../db/schema'
import { ApiError, notFound } from '../../errors'

export type UserRow = typeof users.$inferSelect

export async function createUser(db: Db, auth: AuthContext, username: string, password: string): Promise<UserRow> {
  const now = new Date().toISOString()
  const row: UserRow = {
    id: `usr_${randomHex(12)}`,
    merchantId: auth.merchantId,
    livemode: auth.livemode,
    username,
    passwordHash: await hashPassword(password),
    tokenVersion: 0,
    createdAt: now,
    updatedAt: now,
  }
  const inserted = await db.insert(users).values(row).onConflictDoNothing().returning({ id: users.id })
  if (inserted.length === 0) throw new ApiError('CONFLICT', `Username ${username} is taken`, 'username')
  return row
}

const scope = (auth: AuthContext) => and(eq(users.merchantId, auth.merchantId), eq(users.livemode, auth.livemode))

export async function listUsers(db: Db, auth: AuthContext) {
  return db.select().from(users).where(scope(auth)).orderBy(desc(users.createdAt), desc(users.id))
}

/** Sets a new password and revokes every token issued before. */
export async function changePassword(db: Db, auth: AuthContext, id: string, password: string): Promise<UserRow> {
  const passwordHash = await hashPassword(password)
  const [row] = await db
    .update(users)
    .set({ passwordHash, tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: new Date().toISOString() })
    .where(and(scope(auth), eq(users.id, id)))
    .returning()
  if (!row) throw notFound('User')
  return row
}

export async function deleteUser(db: Db, auth: AuthContext, id: string): Promise<UserRow> {
  const [row] = await db
    .delete(users)
    .where(and(scope(auth), eq(users.id, id)))
    .returning()
  if (!row) throw notFound('User')
  return row
}

/** Checks a username and password; returns a token or null (without saying which part was wrong). */
export async function login(db: Db, serverSecret: string, username: string, password: string, nowSeconds: number) {
  const [user] = await db.select().from(users).where(eq(users.username, username))
  // Hash anyway for unknown users so timing does not reveal which usernames exist.
  const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH)
  if (!user || !valid) return null
  const exp = nowSeconds + ACCESS_TOKEN_TTL_SECONDS
  return {
    user,
    token: issueAccessToken(serverSecret, { sub: user.id, ver: user.tokenVersion, exp }),
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
  }
}

const DUMMY_HASH = 'pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='

/** The user and merchant behind a valid, unrevoked access token. */
export async function userForToken(db: Db, serverSecret: string, token: string, nowSeconds: number) {
  const claims = readAccessToken(serverSecret, token, nowSeconds)
  if (!claims) return undefined
  const [row] = await db
    .select({ user: users, merchant: merchants })
    .from(users)
    .innerJoin(merchants, eq(merchants.id, users.merchantId))
    .where(eq(users.id, claims.sub))
  if (!row || row.user.tokenVersion !== claims.ver) return undefined
  return row
}
