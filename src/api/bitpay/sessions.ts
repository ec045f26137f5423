import { z } from '@hono/zod-openapi'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../../context'
import { ApiError } from '../../errors'
import { sha256Hex } from '../../auth/crypto'
import { SESSION_IDLE_MS, type SessionRequest, type SessionStep } from '../../objects/api-session'
import { bitpayBody, requestToken, signerSin } from './auth'
import { bitpayRoute, bitpayRouter } from './route'

type SessionContext = Parameters<Parameters<typeof createMiddleware<AppEnv>>[0]>[0]

function session(env: Env, id: string) {
  return env.API_SESSION.get(env.API_SESSION.idFromName(id))
}

/** POST /sessions: opens an API session bound to the signing identity (or unbound when unsigned). */
export const sessionsRouter = bitpayRouter()
bitpayRoute(sessionsRouter, {
  method: 'post',
  path: '/sessions',
  summary: 'Open an API session (request numbers from 1)',
  description:
    'x-identity/x-signature are optional: a signed session is bound to that identity, an unsigned one is not. Later requests send `x-session-id` and `x-request-number` (or sessionId/requestNumber in the body or query): 1, 2, 3…. Resending the last number with the same method, URL, body and token (signed by the same identity, if it was signed) returns the cached response; anything else with that number, or any other number, is refused (409; 401 for another token or identity) and does not run. 15 minutes of inactivity end the session.',
  signing: 'optional-identity',
  responses: {
    200: z.object({
      data: z.object({
        id: z.string(),
        sin: z.string().nullable(),
        requestNumber: z.literal(0),
        timeout: z.number().int().openapi({ description: 'Idle seconds before the session ends' }),
      }),
    }),
  },
  handler: async (c, { sin }) => {
    const id = crypto.randomUUID()
    await session(c.env, id).open(sin)
    return { data: { id, sin, requestNumber: 0 as const, timeout: SESSION_IDLE_MS / 1000 } }
  },
})

/** Reads sessionId/requestNumber from the x-session-id/x-request-number headers, or the body or query. */
async function sessionParams(c: SessionContext) {
  const body = ['POST', 'PUT'].includes(c.req.method)
    ? await bitpayBody(c).catch(() => ({}) as Record<string, unknown>)
    : {}
  const id =
    c.req.header('x-session-id') ??
    c.req.query('sessionId') ??
    (typeof body.sessionId === 'string' ? body.sessionId : undefined)
  const raw =
    c.req.header('x-request-number') ??
    c.req.query('requestNumber') ??
    (body.requestNumber === undefined ? undefined : String(body.requestNumber))
  return { id, raw }
}

/** What makes a retry a retry: the method, full URL and body, and the token the request carries. */
async function sessionRequest(c: SessionContext): Promise<SessionRequest> {
  const body = ['GET', 'HEAD'].includes(c.req.method) ? '' : await c.req.text()
  const token = await requestToken(c).catch(() => undefined)
  return {
    hash: sha256Hex(`${c.req.method}\n${c.req.url}\n${body}`),
    tokenHash: token === undefined ? null : sha256Hex(token),
  }
}

const STEP_ERRORS: Record<
  Extract<SessionStep, { kind: 'error' }>['reason'],
  'NOT_FOUND' | 'UNAUTHORIZED' | 'CONFLICT'
> = {
  unknown: 'NOT_FOUND',
  expired: 'CONFLICT',
  out_of_order: 'CONFLICT',
  in_progress: 'CONFLICT',
  different_request: 'CONFLICT',
  wrong_identity: 'UNAUTHORIZED',
  wrong_token: 'UNAUTHORIZED',
}

/**
 * Serializes requests that name an API session: request numbers 1, 2, 3…; a retry of the last
 * number (the same method, URL, body and token, signed by the same identity) gets the cached
 * response without running again; anything else is refused and does not run.
 */
export const apiSession = createMiddleware<AppEnv>(async (c, next) => {
  const { id, raw } = await sessionParams(c)
  if (id === undefined) return next()
  const n = Number(raw)
  if (raw === undefined || !Number.isInteger(n) || n < 1)
    throw new ApiError('VALIDATION_ERROR', 'requestNumber must be a positive integer', 'requestNumber')
  const sin = c.req.header('x-signature') ? await signerSin(c) : null
  const stub = session(c.env, id)
  const step = await stub.begin(n, sin, await sessionRequest(c))
  if (step.kind === 'error') throw new ApiError(STEP_ERRORS[step.reason], step.message, 'requestNumber')
  if (step.kind === 'replay') {
    return c.body(step.response.body, step.response.status as 200, {
      'Content-Type': 'application/json; charset=utf-8',
      'X-Session-Replayed': 'true',
    })
  }
  try {
    await next()
  } finally {
    const ok = c.res.status < 500
    await stub.finish(n, ok ? { status: c.res.status, body: await c.res.clone().text() } : null)
  }
})
