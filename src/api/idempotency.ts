import { and, eq, isNull } from 'drizzle-orm'
import { createMiddleware } from 'hono/factory'
import { sha256Hex } from '../auth/crypto'
import type { AuthedEnv } from '../context'
import { getDb } from '../db/client'
import { idempotencyKeys } from '../db/schema'
import { ApiError } from '../errors'

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_HOURS = 24

/**
 * `Idempotency-Key` on POST: the first request claims the key, its response is stored; a retry
 * with the same body replays that response, a different body is 422 IDEMPOTENCY_CONFLICT, and a
 * retry while the first is still running is 409 IDEMPOTENCY_IN_PROGRESS. 5xx responses release
 * the key so the client can retry. Runs behind a surface's merchant guard: keys are the merchant's.
 */
export const idempotency = createMiddleware<AuthedEnv>(async (c, next) => {
  const key = c.req.header('idempotency-key')
  const auth = c.get('auth')
  if (key === undefined) return next()
  if (key.length === 0 || key.length > 255)
    throw new ApiError('VALIDATION_ERROR', 'Idempotency-Key must be 1 to 255 characters', 'Idempotency-Key')

  const db = getDb(c.env.DB)
  const route = `${c.req.method} ${new URL(c.req.url).pathname}`
  const bodyHash = sha256Hex(await c.req.text())
  const scope = and(eq(idempotencyKeys.merchantId, auth.merchantId), eq(idempotencyKeys.key, `${auth.mode}:${key}`))

  const claimed = await db
    .insert(idempotencyKeys)
    .values({ merchantId: auth.merchantId, key: `${auth.mode}:${key}`, route, bodyHash })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key })

  if (claimed.length === 0) {
    const [stored] = await db.select().from(idempotencyKeys).where(scope)
    if (!stored)
      throw new ApiError(
        'IDEMPOTENCY_IN_PROGRESS',
        'A request with this Idempotency-Key is being processed',
        'Idempotency-Key',
      )
    const expired = Date.parse(stored.createdAt) < Date.now() - IDEMPOTENCY_TTL_HOURS * 3600_000
    if (!expired) {
      if (stored.route !== route || stored.bodyHash !== bodyHash) {
        throw new ApiError(
          'IDEMPOTENCY_CONFLICT',
          'This Idempotency-Key was used with a different request body or path',
          'Idempotency-Key',
        )
      }
      if (stored.statusCode === null) {
        throw new ApiError(
          'IDEMPOTENCY_IN_PROGRESS',
          'A request with this Idempotency-Key is being processed',
          'Idempotency-Key',
        )
      }
      return c.body(stored.responseBody ?? '', stored.statusCode as 200, {
        'Content-Type': 'application/json',
        'Idempotent-Replayed': 'true',
      })
    }
    await db
      .update(idempotencyKeys)
      .set({ route, bodyHash, statusCode: null, responseBody: null, createdAt: new Date().toISOString() })
      .where(scope)
  }

  await next()

  if (c.res.status >= 500) {
    await db.delete(idempotencyKeys).where(and(scope, isNull(idempotencyKeys.statusCode)))
    return
  }
  const body = await c.res.clone().text()
  await db.update(idempotencyKeys).set({ statusCode: c.res.status, responseBody: body }).where(scope)
})
