import { OpenAPIHono } from '@hono/zod-openapi'
import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { authenticateMerchant } from './auth/middleware'
import { LIMITS } from './config'
import type { AppEnv } from './context'
import { ApiError } from './errors'
import { docsPage, type DocsInput } from './pages/docs'
import { PAGE_PREFIXES, pagesRouter, renderPageError } from './pages/routes'
import { pagesJsonRouter } from './pages/json-routes'
import { LINKS_PREFIX, renderLinksError } from './api/links/errors'
import { linksRouter } from './api/links/links'
import { isBitPayPath, mountBitPay } from './api/bitpay'
import { limitRecipientsBody } from './api/bitpay/recipients'
import { renderBitPayError } from './api/bitpay/envelope'
import { isCryptoPayPath, mountCryptoPay } from './api/cryptopay'
import { renderCryptoPayError } from './api/cryptopay/envelope'
import { requestContext } from './api/request-context'
import { apiKeysRouter } from './api/v1/api-keys'
import { renderV1Error } from './api/v1/envelope'
import { merchantsRouter } from './api/v1/merchants'
import { paymentsRouter } from './api/v1/payments'
import { sandboxRouter } from './api/v1/sandbox'
import { walletsRouter } from './api/v1/wallets'
import { webhookEndpointsRouter } from './api/v1/webhook-endpoints'
import { eventsRouter } from './api/v1/events'
import { usersRouter } from './api/v1/users'
import { bitpayPairingRouter } from './api/v1/bitpay'
import { billsRouter } from './api/v1/bills'
import { subscriptionsRouter } from './api/v1/subscriptions'
import { ledgerRouter } from './api/v1/ledger'
import { settlementsRouter } from './api/v1/settlements'
import { payoutWalletsRouter } from './api/v1/payout-wallets'
import { recipientsRouter } from './api/v1/recipients'
import { payoutsRouter } from './api/v1/payouts'
import { payoutGroupsRouter } from './api/v1/payout-groups'
import { fromHttpException, validationHook } from './api/validation'
import { log } from './log'

export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'BitXPay gateway API',
    version: '1.0.0',
    description:
      'Native v1 API (seed 000): `{success,data,meta}` envelope, errors `{success:false,error:{code,message,field}}`. Authenticate with `Authorization: Bearer <key>` or `X-API-Key`; optionally sign with `X-Signature` = hex HMAC-SHA256(signing_secret, timestamp + METHOD + path + body) and `X-Timestamp`.',
  },
}

/** Renders any error in the shape of the surface the request was for. */
function renderError(err: Error, c: Context<AppEnv>): Response {
  const known = err instanceof ApiError ? err : fromHttpException(err)
  if (!known)
    log.error('unhandled error', {
      requestId: c.get('requestId'),
      path: c.req.path,
      err: String(err),
      stack: err.stack,
    })
  const error = known ?? new ApiError('INTERNAL_ERROR', 'Internal server error')
  const path = c.req.path
  if (path === LINKS_PREFIX || path.startsWith(`${LINKS_PREFIX}/`)) return renderLinksError(c, error)
  if (PAGE_PREFIXES.some((prefix) => path.startsWith(prefix))) return renderPageError(c, error)
  if (isCryptoPayPath(path)) return renderCryptoPayError(c, error)
  if (isBitPayPath(path)) return renderBitPayError(c, error)
  return renderV1Error(c, error)
}

/** Methods the gateway routes; HEAD is answered by the GET routes. Anything else (OPTIONS, TRACE, CONNECT, custom) is a 405. */
const ROUTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

/** The methods a route (not a middleware) answers at `path`, for the Allow header. */
function routedMethods(app: OpenAPIHono<AppEnv>, path: string): string[] {
  const methods: string[] = ROUTED_METHODS.filter((m) =>
    app.router.match(m, path)[0].some(([[, route]]) => route.method === m),
  )
  return methods.includes('GET') ? ['GET', 'HEAD', ...methods.slice(1)] : methods
}

/**
 * 405 with Allow, in the surface's error shape: a known path asked with a method none of its
 * routes has, or any method the gateway does not route at all. Unknown paths stay 404.
 */
function methodGuard(app: OpenAPIHono<AppEnv>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // After requestContext, so the error carries the request id and the Allow header.
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method
    const allowed = routedMethods(app, c.req.path)
    const routed = (ROUTED_METHODS as readonly string[]).includes(method)
    if (allowed.includes(method) || (routed && allowed.length === 0)) return next()
    const allow = allowed.join(', ')
    c.set('responseHeaders', { ...c.get('responseHeaders'), Allow: allow })
    throw new ApiError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed here${allow ? `; allowed: ${allow}` : ''}`)
  }
}

export function createApp() {
  // strict: false serves seed 001's trailing-slash paths (/api/payment-orders/) and the bare ones alike.
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook, strict: false })

  app.use('*', requestContext, methodGuard(app))
  const limitBody = bodyLimit({
    maxSize: LIMITS.maxBodyBytes,
    onError: () => {
      throw new ApiError('BODY_TOO_LARGE', `Request body exceeds ${LIMITS.maxBodyBytes} bytes`, 'body')
    },
  })
  // One merchant-credential pipeline (key lookup, rate limit, signature, replay) for every merchant
  // surface; CryptoPay mounts it with its login tokens in mountCryptoPay.
  const authenticate = authenticateMerchant()
  // POST /v1/recipients takes up to 1,000 invites: the larger limit of BitPay's /recipients.
  const limitV1Body: MiddlewareHandler<AppEnv> = (c, next) =>
    (c.req.method === 'POST' && c.req.path.replace(/\/$/, '') === '/v1/recipients' ? limitRecipientsBody : limitBody)(
      c,
      next,
    )
  app.use('/v1/*', limitV1Body, authenticate)
  // Payment links (seed 002): the same merchant keys and limits as /v1, errors in 002's shape.
  app.use(`${LINKS_PREFIX}/*`, limitBody, authenticate)

  app.route('/v1', merchantsRouter)
  app.route('/v1', apiKeysRouter)
  app.route('/v1', paymentsRouter)
  app.route('/v1', walletsRouter)
  app.route('/v1', sandboxRouter)
  app.route('/v1', webhookEndpointsRouter)
  app.route('/v1', eventsRouter)
  app.route('/v1', usersRouter)
  app.route('/v1', bitpayPairingRouter)
  app.route('/v1', billsRouter)
  app.route('/v1', subscriptionsRouter)
  app.route('/v1', ledgerRouter)
  app.route('/v1', settlementsRouter)
  app.route('/v1', payoutWalletsRouter)
  app.route('/v1', recipientsRouter)
  app.route('/v1', payoutsRouter)
  app.route('/v1', payoutGroupsRouter)
  app.route('/api/v1', linksRouter)
  mountCryptoPay(app, limitBody)
  mountBitPay(app, limitBody)

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'API key (test_… or live_…)',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKeyHeader', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'ADMIN_TOKEN secret',
  })
  app.doc31('/openapi.json', OPENAPI_INFO)
  app.get('/docs', (c) => docsPage(c, app.getOpenAPI31Document(OPENAPI_INFO) as DocsInput))
  // The hosted pages' forms get the APIs' body limit.
  for (const path of ['/pay/*', '/link/*', '/payment_link', '/recipient/*']) app.use(path, limitBody)
  app.route('/', pagesJsonRouter)
  app.route('/', pagesRouter)
  app.get('/', (c) => c.redirect('/docs'))

  app.notFound((c) => renderError(new ApiError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`), c))
  app.onError(renderError)
  return app
}
