import { Hono } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../../context'
import { ApiError } from '../../errors'
import { SESSION_IDLE_MS } from '../../objects/api-session'
import { bitpayBody, signerSin } from './auth'
import { sendJson } from './json'

function session(env: Env, id: string) {
  return env.API_SESSION.get(env.API_SESSION.idFromName(id))
}

/** POST /sessions: opens an API session bound to the signing identity (or unbound when unsigned). */
export const sessionsRouter = new Hono<AppEnv>().post('/sessions', async (c) => {
  const sin = c.req.header('x-signature') ? await signerSin(c) : null
  const id = crypto.randomUUID()
  await session(c.env, id).open(sin)
  return sendJson(c, { data: { id, sin, requestNumber: 0, timeout: SESSION_IDLE_MS / 1000 } })
})

/** Reads sessionId/requestNumber from the x-session-id/x-request-number headers, or the body or query. */
async function sessionParams(c: Parameters<Parameters<typeof createMiddleware<AppEnv>>[0]>[0]) {
  const body = ['POST', 'PUT'].includes(c.req.method) ? await bitpayBody(c).catch(() => ({}) as Record<string, unknown>) : {}
  const id = c.req.header('x-session-id') ?? c.req.query('sessionId') ?? (typeof body.sessionId === 'string' ? body.sessionId : undefined)
  const raw = c.req.header('x-request-number') ?? c.req.query('requestNumber') ?? (body.requestNumber === undefined ? undefined : String(body.requestNumber))
  return { id, raw }
}

/**
 * Serializes requests that name an API session: request numbers 1, 2, 3…; a retry of the last
 * number gets the cached response (after the signature is checked again); anything else is refused.
 */
export const apiSession = createMiddleware<AppEnv>(async (c, next) => {
  const { id, raw } = await sessionParams(c)
  if (id === undefined) return next()
  const n = Number(raw)
  if (raw === undefined || !Number.isInteger(n) || n < 1) throw new ApiError('VALIDATION_ERROR', 'requestNumber must be a positive integer', 'requestNumber')
  const sin = c.req.header('x-signature') ? await signerSin(c) : null
  const stub = session(c.env, id)
  const step = await stub.begin(n, sin)
  if (step.kind === 'error') throw new ApiError(step.reason === 'unknown' ? 'NOT_FOUND' : step.reason === 'wrong_identity' ? 'UNAUTHORIZED' : 'CONFLICT', step.message, 'requestNumber')
  if (step.kind === 'replay') {
    return c.body(step.response.body, step.response.status as 200, { 'Content-Type': 'application/json; charset=utf-8', 'X-Session-Replayed': 'true' })
  }
  try {
    await next()
  } finally {
    const ok = c.res.status < 500
    await stub.finish(n, ok ? { status: c.res.status, body: await c.res.clone().text() } : null)
  }
})
