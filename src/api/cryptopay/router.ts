import { OpenAPIHono, createRoute } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv, AuthedEnv } from '../../context'
import { validationHook } from '../validation'
import { cryptoPayAuth } from './auth'

export function cryptoPayRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
}

type RouteConfig = Parameters<typeof createRoute>[0]

/** A CryptoPay route behind a login token or API key and the hourly plan limit. */
export function cryptoPayRoute<const R extends RouteConfig>(config: R) {
  const security: Record<string, string[]>[] = [{ bearerAuth: [] }]
  return createRoute({ ...config, security, middleware: [cryptoPayAuth] as [MiddlewareHandler<AuthedEnv>] })
}
