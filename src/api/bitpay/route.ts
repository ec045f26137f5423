import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv, AuthContext, BitPayEnv, BitPayToken } from '../../context'
import type { JsonDecimal } from '../../domain/exact-json'
import type { Facade } from '../../services/bitpay/tokens'
import { rateLimit } from '../rate-limit'
import { bitpayAuth, bitpayBody, requestToken, signerSin } from './auth'
import { sendJson } from './json'
import { parse } from './parse'

/**
 * Who may call a BitPay route:
 * - `token`: a facade token (`token` in the body for POST/PUT, else `?token=`; or the path's `{token}`
 *   with `tokenFrom: 'path'`), merchant and payout tokens signed by a linked identity, pos tokens unsigned;
 * - `identity`: signed by a client identity, no token (the signer is the subject);
 * - `optional-identity`: a signature is optional and verified when sent;
 * - `resource-token`: the resource's own token (bill, subscription, settlement, invoice, refund), checked
 *   by the route's `authorize`;
 * - `public`: no credential, signatures ignored.
 */
export type BitPaySigning = 'token' | 'identity' | 'optional-identity' | 'resource-token' | 'public'

type Schema = z.ZodType
type Out<T> = T extends Schema ? z.output<T> : undefined

/** A JSON value the handler may send for a documented schema: numbers may be exact (JsonDecimal, bigint). */
export type ExactJson<T> = T extends number
  ? number | bigint | JsonDecimal
  : T extends readonly (infer U)[]
    ? ExactJson<U>[]
    : T extends object
      ? { [K in keyof T]: ExactJson<T[K]> }
      : T

/** What a BitPay handler reads of its request: the bindings, the request, the response so far. */
export type BitPayRequest =
  | Pick<Context<AppEnv>, 'env' | 'req' | 'res'>
  | Pick<Context<BitPayEnv>, 'env' | 'req' | 'res'>

/** What the route's access rule established about the caller. */
export type BitPayCaller<S extends BitPaySigning, R> = S extends 'token'
  ? { auth: AuthContext; token: BitPayToken }
  : S extends 'identity'
    ? { sin: string }
    : S extends 'optional-identity'
      ? { sin: string | null }
      : S extends 'resource-token'
        ? { resource: R }
        : Record<never, never>

export type BitPayInput<S extends BitPaySigning, R, B, Q, P> = BitPayCaller<S, R> & {
  body: Out<B>
  query: Out<Q>
  params: Out<P>
}

export interface BitPayRouteConfig<S extends BitPaySigning, R, B, Q, P, Res extends Schema> {
  method: 'get' | 'post' | 'put' | 'delete'
  /** OpenAPI style: `/invoices/{id}`. */
  path: string
  summary: string
  description?: string
  signing: S
  /** For `token`: the facades the route accepts. */
  facades?: S extends 'token' ? readonly Facade[] : never
  /** For `token`: where the token is read (default: the body or query). */
  tokenFrom?: S extends 'token' ? 'request' | 'path' : never
  /** For `resource-token`: whether a signature is required (documentation; `authorize` enforces it). */
  signed?: S extends 'resource-token' ? boolean : never
  /** For `resource-token`: finds the resource its token opens (the token from the body or query), or throws. */
  authorize?: S extends 'resource-token' ? (c: BitPayRequest, token: unknown) => Promise<R> : never
  request?: { body?: B; query?: Q; params?: P }
  responses: { 200: Res }
  handler: (
    c: BitPayRequest,
    input: BitPayInput<S, R, B, Q, P>,
  ) => Promise<ExactJson<z.input<Res>>> | ExactJson<z.input<Res>>
}

const bitpayError = z
  .object({
    status: z.literal('error'),
    code: z.string().openapi({
      description: '6 digits: method (01 POST … 04 DELETE) + resource + error (seed 003)',
      example: '010207',
    }),
    data: z.null(),
    error: z.string(),
  })
  .openapi('BitPayError')

const json = (schema: Schema, description: string) => ({ description, content: { 'application/json': { schema } } })
const errors = {
  400: json(bitpayError, 'Invalid or missing parameters'),
  401: json(bitpayError, 'Bad or missing token or signature'),
  403: json(bitpayError, "The token's facade is not accepted here"),
  404: json(bitpayError, 'Not found'),
  409: json(bitpayError, 'API session: out of order or a different request'),
  429: json(bitpayError, 'Rate limit exceeded'),
} as const

const SIGNED: Record<string, string[]>[] = [{ bitpayIdentity: [] }]
/** `{}` = anonymous allowed: a pos token, an unbound session, a resource token used unsigned. */
const SIGNED_OR_NOT: Record<string, string[]>[] = [{}, { bitpayIdentity: [] }]

function securityOf(config: { signing: BitPaySigning; facades?: readonly Facade[]; signed?: boolean }) {
  switch (config.signing) {
    case 'token':
      return config.facades?.includes('pos') ? SIGNED_OR_NOT : SIGNED
    case 'identity':
      return SIGNED
    case 'optional-identity':
      return SIGNED_OR_NOT
    case 'resource-token':
      return config.signed ? SIGNED : SIGNED_OR_NOT
    case 'public':
      return undefined
  }
}

function accessNote(config: { signing: BitPaySigning; facades?: readonly Facade[] }): string | undefined {
  if (config.signing !== 'token') return undefined
  const facades = config.facades ?? []
  const how = facades.map((f) => (f === 'pos' ? 'pos (unsigned)' : `${f} (signed)`))
  return `Token facades: ${how.join(', ')}.`
}

/** The official client sends unset filters as empty parameters (`status=`): they count as absent. */
function presentQuery(c: Pick<BitPayRequest, 'req'>): Record<string, string> {
  return Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''))
}

const tokenQuery = z.object({
  token: z.string().openapi({ description: 'The API token (GET and DELETE carry it in the query)' }),
})

/** A token route's query documents (and requires) `token`, whether or not its own schema names it. */
function withToken(query: Schema | undefined): Schema {
  if (query === undefined) return tokenQuery
  if (query instanceof z.ZodObject && !('token' in query.shape)) return query.extend(tokenQuery.shape)
  return query
}

/** A router of BitPay routes; mount it with `app.route('/', router)` (its operations join /openapi.json). */
export function bitpayRouter() {
  return new OpenAPIHono<AppEnv>()
}

/**
 * One BitPay route: its access rule (auth and the per-minute limit for tokens), the validation of
 * body/query/params in BitPay's error shape (6-digit codes from the error's reason), the OpenAPI
 * operation with its security and 200 schema, and the handler, whose return value is sent as exact JSON.
 */
export function bitpayRoute<
  S extends BitPaySigning,
  Res extends Schema,
  R = never,
  B extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  P extends Schema | undefined = undefined,
>(router: OpenAPIHono<AppEnv>, config: BitPayRouteConfig<S, R, B, Q, P, Res>): void {
  // Definition errors, caught when the module loads (every test imports the app).
  if (config.signing === 'token' && !config.facades?.length)
    throw new Error(`${config.method} ${config.path}: a token route names its facades`)
  if (config.signing === 'resource-token' && !config.authorize)
    throw new Error(`${config.method} ${config.path}: a resource-token route needs authorize`)
  const { body, params } = config.request ?? {}
  const addTokenQuery =
    config.signing === 'token' && config.tokenFrom !== 'path' && (config.method === 'get' || config.method === 'delete')
  const given = config.request?.query
  const query: Schema | undefined = addTokenQuery ? withToken(given) : given
  const description = [config.description, accessNote(config)].filter(Boolean).join('\n\n')
  const security = securityOf(config)
  const route = createRoute({
    method: config.method,
    path: config.path,
    tags: ['BitPay'],
    summary: config.summary,
    ...(description ? { description } : {}),
    ...(security ? { security } : {}),
    request: {
      ...(params ? { params: params as z.ZodObject } : {}),
      ...(query ? { query: query as z.ZodObject } : {}),
      ...(body ? { body: { content: { 'application/json': { schema: body } } } } : {}),
    },
    responses: { 200: json(config.responses[200], 'BitPay `{data}` envelope'), ...errors },
  })
  router.openAPIRegistry.registerPath(route)

  const respond = async (c: BitPayRequest & Pick<Context, 'body'>, caller: object) => {
    const input = {
      ...caller,
      body: body ? parse(body, await bitpayBody(c)) : undefined,
      query: query ? parse(query, presentQuery(c), 'query') : undefined,
      params: params ? parse(params, c.req.param(), 'param') : undefined,
    } as BitPayInput<S, R, B, Q, P>
    return sendJson(c, await config.handler(c, input))
  }
  const method = config.method.toUpperCase()
  if (config.signing === 'token') {
    // bitpayAuth types `auth` and `bitpay` for the handler behind it.
    const auth = bitpayAuth(config.facades ?? [], config.tokenFrom === 'path' ? { tokenFromPath: 'token' } : {})
    router.on(method, route.getRoutingPath(), auth, rateLimit, (c) =>
      respond(c, { auth: c.get('auth'), token: c.get('bitpay') }),
    )
  } else {
    router.on(method, route.getRoutingPath(), async (c) => respond(c, await callerOf(c, config)))
  }
}

/** The caller as a route's own access rule establishes it (token routes get theirs from bitpayAuth). */
async function callerOf<S extends BitPaySigning, R>(
  c: Context<AppEnv>,
  config: { signing: S; authorize?: unknown },
): Promise<object> {
  switch (config.signing) {
    case 'identity':
      return { sin: await signerSin(c) }
    case 'optional-identity':
      return { sin: c.req.header('x-signature') ? await signerSin(c) : null }
    case 'resource-token': {
      const authorize = config.authorize as (c: BitPayRequest, token: unknown) => Promise<R>
      return { resource: await authorize(c, await rawToken(c)) }
    }
    default:
      return {}
  }
}

/** The token as sent, before validation (a resource token's lookup decides what a bad one means). */
async function rawToken(c: Context<AppEnv>): Promise<unknown> {
  if (['POST', 'PUT'].includes(c.req.method)) return (await bitpayBody(c)).token
  return requestToken(c)
}

/** Registers the BitPay identity security scheme the routes name. */
export function registerBitPaySecurity(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bitpayIdentity', {
    type: 'apiKey',
    in: 'header',
    name: 'x-signature',
    description:
      'Hex DER ECDSA over SHA-256(full URL + body) by the key in x-identity; the token goes in the body or ?token=',
  })
}
