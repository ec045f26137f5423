import type { OpenAPIHono } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../../context'
import { cryptoPayCredentials } from './auth'
import { loginRouter } from './login'
import { merchantWalletsRouter } from './merchant-wallets'
import { paymentOrdersRouter } from './payment-orders'
import { transactionsRouter } from './transactions'
import { cryptoPayWebhooksRouter } from './webhook-endpoints'

/** Path prefixes served by the CryptoPay dialect (seed 001). */
export const CRYPTOPAY_PREFIXES = [
  '/api/auth/',
  '/api/payment-orders',
  '/api/transactions',
  '/api/merchant-wallets',
  '/api/webhook-endpoints',
] as const

export function isCryptoPayPath(path: string): boolean {
  return CRYPTOPAY_PREFIXES.some((p) => path.startsWith(p))
}

/** Mounts the CryptoPay dialect: merchant credentials (API keys, login tokens) go through the one pipeline. */
export function mountCryptoPay(app: OpenAPIHono<AppEnv>, limitBody: MiddlewareHandler<AppEnv>): void {
  app.use('/api/auth/*', limitBody)
  // Hono's `/x/*` also matches `/x`, so one pattern per prefix covers both.
  for (const prefix of CRYPTOPAY_PREFIXES.slice(1)) app.use(`${prefix}/*`, limitBody, cryptoPayCredentials)
  app.route('/', loginRouter)
  app.route('/', paymentOrdersRouter)
  app.route('/', transactionsRouter)
  app.route('/', merchantWalletsRouter)
  app.route('/', cryptoPayWebhooksRouter)
}
