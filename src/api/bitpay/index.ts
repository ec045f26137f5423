import type { OpenAPIHono } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../../context'
import { billsRouter } from './bills'
import { invoicesRouter } from './invoices'
import { registerBitPaySecurity } from './route'
import { bitpayPublicRouter } from './public'
import { refundsRouter } from './refunds'
import { subscriptionsRouter } from './subscriptions'
import { apiSession, sessionsRouter } from './sessions'
import { tokenSinsRouter, tokensRouter } from './tokens'
import { ledgersRouter } from './ledgers'
import { settlementsRouter } from './settlements'
import { bitpayRecipientsRouter, limitRecipientsBody } from './recipients'
import { bitpayPayoutsRouter } from './payouts'

/** BitPay's root paths (seed 003) this gateway serves. */
export const BITPAY_PREFIXES = [
  '/tokens',
  '/invoices',
  '/refunds',
  '/rates',
  '/currencies',
  '/supportedwallets',
  '/sessions',
  '/bills',
  '/subscriptions',
  '/ledgers',
  '/settlements',
  '/recipients',
  '/payouts',
] as const

export function isBitPayPath(path: string): boolean {
  return BITPAY_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))
}

/** Mounts the BitPay dialect at the root, like BitPay, so clients only change the host. */
export function mountBitPay(app: OpenAPIHono<AppEnv>, limitBody: MiddlewareHandler<AppEnv>): void {
  registerBitPaySecurity(app)
  // Hono's `/x/*` also matches `/x`, so one pattern per prefix covers both.
  for (const prefix of BITPAY_PREFIXES)
    app.use(`${prefix}/*`, prefix === '/recipients' ? limitRecipientsBody : limitBody, apiSession)
  app.route('/', tokensRouter)
  app.route('/', tokenSinsRouter)
  app.route('/', ledgersRouter)
  app.route('/', settlementsRouter)
  app.route('/', sessionsRouter)
  app.route('/', invoicesRouter)
  app.route('/', refundsRouter)
  app.route('/', billsRouter)
  app.route('/', subscriptionsRouter)
  app.route('/', bitpayRecipientsRouter)
  app.route('/', bitpayPayoutsRouter)
  app.route('/', bitpayPublicRouter)
}
