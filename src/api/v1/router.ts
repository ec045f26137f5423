import { OpenAPIHono, createRoute } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { requireMerchant } from '../../auth/middleware'
import type { AppEnv, AuthedEnv } from '../../context'
import { validationHook } from '../validation'
import { idempotency } from '../idempotency'

/** A router for one v1 resource; validation failures are rendered in the 000 error shape. */
export function v1Router() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
}

type RouteConfig = Parameters<typeof createRoute>[0]

/**
 * A route that needs a merchant API key: the key was looked up, rate-limited and its signature checked
 * by `authenticateMerchant` on /v1/*; `requireMerchant` refuses the request without one before
 * validation (so handlers see `c.get('auth')` set), and POSTs honour Idempotency-Key.
 */
export function merchantRoute<const R extends RouteConfig>(config: R) {
  const middleware: MiddlewareHandler<AuthedEnv>[] = [requireMerchant]
  if (config.method === 'post') middleware.push(idempotency)
  const security: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKeyHeader: [] }]
  return createRoute({
    ...config,
    security,
    middleware: middleware as [MiddlewareHandler<AuthedEnv>],
  })
}
