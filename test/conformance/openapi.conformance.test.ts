import fc from 'fast-check'
import type {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  RequestBodyObject,
  ResponseObject,
  SchemaObject,
} from 'openapi3-ts/oas31'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, call, createMerchant, merchantWithWallet, merchantWithWallets } from '../helpers/api'
import { resolveRef, type Schema, unsupportedKeywords, validate } from '../helpers/json-schema'
import {
  bitpayCall,
  expectErrorShape,
  freshIp,
  openapiDoc,
  ROUTES,
  type RouteEntry,
  withToken,
} from '../helpers/security'
import {
  BITPAY_FIXTURES,
  bitpayParty,
  bitpayWorld,
  FIXTURES,
  keyWorld,
  made,
  OPERATOR_FIXTURES,
  PAGE_FIXTURES,
  pageWorld,
} from '../security/fixtures'
import { arbitraryOf, coerceQuery, invalidArbitraryOf, invalidQueryValue, sampleWhere } from './arbitraries'

/**
 * The document and the server agree, both ways (issue 16 item 5): every operation of /openapi.json is
 * driven with the route's fixture (a valid request on real resources), with requests generated from its
 * schemas by fast-check (valid ones, and ones with one rule broken), and every response is checked: its
 * status is declared for the operation and its body is valid against the declared schema; a request
 * the document refuses gets a declared 4xx in the surface's error shape, never a 2xx or a 5xx.
 */

const SEED = 16
const RUNS = 5
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

const deref = <T extends object>(doc: unknown, v: T | ReferenceObject): T =>
  '$ref' in v ? (resolveRef(doc, v.$ref) as unknown as T) : v

interface Operation {
  method: string
  path: string
  op: OperationObject
}
const OPERATIONS: Operation[] = Object.entries(openapiDoc.paths ?? {}).flatMap(([path, item]) =>
  METHODS.flatMap((m) => (item[m] ? [{ method: m.toUpperCase(), path, op: item[m] as OperationObject }] : [])),
)

let doc: OpenAPIObject
beforeAll(async () => {
  const res = await call('GET', '/openapi.json')
  expect(res.status).toBe(200)
  doc = res.json as OpenAPIObject
})

describe('/openapi.json', () => {
  it('is the document the operations below are enumerated from', () => {
    expect(doc).toEqual(JSON.parse(JSON.stringify(openapiDoc)))
  })

  it('uses only JSON schema keywords the validator checks or knows to be annotations', () => {
    const schemas: [string, Schema][] = Object.entries(doc.components?.schemas ?? {}).map(([name, s]) => [
      `#/components/schemas/${name}`,
      s as Schema,
    ])
    for (const { method, path, op } of OPERATIONS) {
      for (const p of op.parameters ?? [])
        schemas.push([`${method} ${path} parameter`, (deref<ParameterObject>(doc, p).schema ?? true) as Schema])
      for (const c of Object.values(op.requestBody ? deref<RequestBodyObject>(doc, op.requestBody).content : {}))
        schemas.push([`${method} ${path} body`, (c.schema ?? true) as Schema])
      for (const [status, r] of Object.entries(op.responses ?? {})) {
        for (const c of Object.values(deref<ResponseObject>(doc, r as ResponseObject).content ?? {}))
          schemas.push([`${method} ${path} ${status}`, (c.schema ?? true) as Schema])
      }
    }
    expect(schemas.flatMap(([where, s]) => unsupportedKeywords(s, where))).toEqual([])
  })
})

/** A valid request for an operation with its credentials, and a way to send variations of it. */
interface Driver {
  entry: RouteEntry
  path: string
  body?: unknown
  /** Body fields that carry the credential or the account, as they go out (set in generated bodies). */
  credentialFields: Record<string, unknown>
  /** Query parameters that carry the credential (left out of generated queries). */
  credentialQuery: string[]
  send(path: string, body: unknown, raw?: string): ReturnType<typeof call>
}

let bitpayOther: Awaited<ReturnType<typeof bitpayParty>>
beforeAll(async () => {
  bitpayOther = await bitpayParty(await merchantWithWallet())
})

async function driverFor(entry: RouteEntry): Promise<Driver> {
  const { method, route } = entry
  const rawOrJson = (body: unknown, raw?: string) =>
    raw !== undefined ? { body: raw, raw: true } : body === undefined ? {} : { body }
  if (entry.kind === 'merchant-key') {
    const fixture = FIXTURES[route]
    if (!fixture) throw new Error(`no fixture for ${route} in test/security/fixtures.ts`)
    const w = await keyWorld(await merchantWithWallet())
    const req = await fixture(w)
    return {
      entry,
      ...req,
      credentialFields:
        typeof req.body === 'object' && req.body !== null && 'merchant_key' in req.body
          ? { merchant_key: (req.body as { merchant_key: unknown }).merchant_key }
          : {},
      credentialQuery: [],
      send: (path, body, raw) => call(method, path, { key: w.m.testKey, ...rawOrJson(body, raw) }),
    }
  }
  if (entry.kind === 'bitpay') {
    const fixture = BITPAY_FIXTURES[route]
    if (!fixture) throw new Error(`no fixture for ${route} in test/security/fixtures.ts`)
    const w = await bitpayWorld(await merchantWithWallets(), bitpayOther)
    const req = await fixture(w)
    // Payout-facade routes take the payout token (and its identity); the others the merchant token.
    const party = req.auth === 'payout' ? w.payout : w.merchant
    const token =
      req.auth === 'resource'
        ? req.resourceToken
        : req.auth === 'public' || req.auth === 'identity'
          ? undefined
          : party.token
    const signer = req.auth === 'public' ? undefined : party.identity
    return {
      entry,
      ...req,
      credentialFields: token !== undefined && (method === 'POST' || method === 'PUT') ? { token } : {},
      credentialQuery: ['token'],
      send: (path, body, raw) => {
        // A body that is not an object cannot carry the token: it goes as it is.
        const notAnObject = body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))
        if (raw !== undefined || notAnObject)
          return call(method, path, { headers: freshIp(), body: raw ?? JSON.stringify(body), raw: true })
        const r = withToken(method, path, body as Record<string, unknown> | undefined, token)
        return bitpayCall(method, r.path, r.body, signer)
      },
    }
  }
  if (entry.kind === 'operator') {
    const fixture = OPERATOR_FIXTURES[route]
    if (!fixture) throw new Error(`no fixture for ${route} in test/security/fixtures.ts`)
    const req = fixture(await createMerchant())
    return {
      entry,
      ...req,
      credentialFields: {},
      credentialQuery: [],
      send: (path, body, raw) => call(method, path, { key: ADMIN_TOKEN, headers: freshIp(), ...rawOrJson(body, raw) }),
    }
  }
  if (route === 'POST /api/auth/login') {
    const m = await createMerchant()
    const username = `conf${Math.random().toString(36).slice(2, 8)}`
    await made('POST', '/v1/users', m.testKey, { username, password: 'correct horse battery staple' })
    return {
      entry,
      path: '/api/auth/login',
      body: { username, password: 'correct horse battery staple' },
      credentialFields: {},
      credentialQuery: [],
      send: (path, body, raw) => call(method, path, { headers: freshIp(), ...rawOrJson(body, raw) }),
    }
  }
  if (entry.kind === 'page') {
    // The pages' JSON endpoints, once documented: the reference in the path is the credential.
    const fixture = PAGE_FIXTURES[route]
    if (!fixture) throw new Error(`no fixture for ${route} in test/security/fixtures.ts`)
    const req = await fixture(await pageWorld(await merchantWithWallet()))
    const body = req.body === undefined ? undefined : req.json ? JSON.parse(req.body) : req.body
    return {
      entry,
      path: req.path(req.reference),
      body,
      credentialFields: {},
      credentialQuery: [],
      // Form posts go as the form string they are; JSON endpoints as JSON.
      send: (path, b, raw) =>
        call(method, path, {
          headers: { ...freshIp(), ...req.headers },
          ...rawOrJson(b, raw ?? (typeof b === 'string' ? b : undefined)),
        }),
    }
  }
  if (entry.kind === 'public')
    return {
      entry,
      path: entry.pattern,
      credentialFields: {},
      credentialQuery: [],
      send: (path) => call(method, path, { headers: freshIp() }),
    }
  throw new Error(`${route} (${entry.kind}) is in the document but the conformance test cannot drive it: add a driver`)
}

type Res = Awaited<ReturnType<typeof call>>

/** Responses whose body was checked against a declared schema: a guard that the checks really ran. */
const checked = { bodies: 0, responses: 0 }
/**
 * Operations where a request valid by the document got 400: the document is looser than the server
 * there (allowed: 400 is declared). Logged, so the schemas can be tightened; not a failure.
 */
const looser = new Map<string, string>()
afterAll(() => {
  // biome-ignore lint/suspicious/noConsole: the run's summary is this test's report
  console.log(
    `conformance: ${OPERATIONS.length} operations, ${checked.responses} responses, ${checked.bodies} bodies validated`,
  )
  // biome-ignore lint/suspicious/noConsole: the loose spots are listed for tightening, not failed
  console.log(
    `document looser than the server (valid by it, refused with 400) at ${looser.size} operations:\n${[...looser].map(([op, why]) => `  ${op}: ${why}`).join('\n')}`,
  )
  if (checked.responses > 0) expect(checked.bodies).toBeGreaterThan(checked.responses / 2)
})

/** What is wrong with a response by the document: an undeclared status, a body off its schema, a 5xx. */
function responseProblems(op: OperationObject, res: Res, what: string): string[] {
  const problems: string[] = []
  checked.responses += 1
  const where = `${what} → ${res.status} ${res.text.slice(0, 200)}`
  if (res.status >= 500) problems.push(`${where}: a 5xx`)
  const responses = op.responses ?? {}
  const declaredRaw = responses[String(res.status)] ?? responses[`${String(res.status)[0]}XX`] ?? responses.default
  if (!declaredRaw) {
    problems.push(`${where}: status ${res.status} is not declared (declared: ${Object.keys(responses).join(', ')})`)
    return problems
  }
  const declared = deref<ResponseObject>(doc, declaredRaw as ResponseObject)
  const type = res.headers.get('content-type') ?? ''
  if (!type.includes('application/json')) return problems
  const schema = declared.content?.['application/json']?.schema as SchemaObject | undefined
  if (!schema) {
    if (res.text !== '')
      problems.push(
        `${where}: a JSON body where the document declares ${Object.keys(declared.content ?? {}).join(', ') || 'none'}`,
      )
    return problems
  }
  checked.bodies += 1
  const issues = validate(schema as Schema, res.json, doc)
  if (issues.length)
    problems.push(
      `${where}: body off its schema: ${issues
        .slice(0, 5)
        .map((i) => `${i.path} ${i.message}`)
        .join('; ')}`,
    )
  return problems
}

/** The fixture's path with some query parameters set (and the rest of its own kept). */
function withQuery(path: string, params: Record<string, string>): string {
  const url = new URL(path, 'http://gateway.test')
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
  return url.pathname + url.search
}

describe.each(OPERATIONS.map((o) => [`${o.method} ${o.path}`, o] as const))('%s', (_name, { method, path, op }) => {
  const route = `${method} ${path.replace(/\{([A-Za-z_]+)\}/g, ':$1')}`

  it('answers its fixture, generated valid requests and generated invalid ones as the document says', async () => {
    const entry = ROUTES.find((r) => r.route === route)
    if (!entry) throw new Error(`${route} is documented but not a route of the app`)
    const d = await driverFor(entry)
    const problems: string[] = []

    // 1. The fixture: a valid request on real resources, answered with a 2xx the document describes.
    const served = await d.send(d.path, d.body)
    problems.push(...responseProblems(op, served, `fixture ${method} ${d.path}`))
    if (served.status >= 300) problems.push(`fixture ${method} ${d.path} → ${served.status}: not a 2xx`)

    const query = (op.parameters ?? [])
      .map((p) => deref<ParameterObject>(doc, p))
      .filter((p) => p.in === 'query' && !d.credentialQuery.includes(p.name))
    const bodyRef = op.requestBody
      ? deref<RequestBodyObject>(doc, op.requestBody).content['application/json']?.schema
      : undefined
    const bodySchema = bodyRef as Schema | undefined
    const credentials = (body: unknown) => {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return body
      return { ...body, ...d.credentialFields }
    }

    // 2. Valid requests generated from the schemas: any declared status, with a body valid by the document.
    if (query.length || bodySchema) {
      const queryArb = fc.record(
        Object.fromEntries(query.map((p) => [p.name, arbitraryOf((p.schema ?? true) as Schema, doc).map(String)])),
        {
          requiredKeys: query.filter((p) => p.required).map((p) => p.name),
        },
      )
      const bodyArb = bodySchema ? arbitraryOf(bodySchema, doc) : fc.constant(d.body)
      const fits = ([q, b]: [Record<string, string>, unknown]) =>
        query.every(
          (p) =>
            !(p.name in q) ||
            validate((p.schema ?? true) as Schema, coerceQuery(p.schema as Schema, q[p.name] ?? ''), doc).length === 0,
        ) &&
        (!bodySchema || validate(bodySchema, b, doc).length === 0)
      const valid = sampleWhere(
        fc.tuple(queryArb, bodyArb) as fc.Arbitrary<[Record<string, string>, unknown]>,
        fits,
        RUNS,
        SEED,
      )
      if (valid.length === 0) problems.push(`no valid request could be generated from the schemas of ${method} ${path}`)
      for (const [q, b] of valid) {
        const body = credentials(b)
        const target = withQuery(d.path, q as Record<string, string>)
        const res = await d.send(target, body)
        problems.push(...responseProblems(op, res, `valid ${method} ${target} ${JSON.stringify(body)?.slice(0, 200)}`))
        if (res.status === 400 && !looser.has(`${method} ${path}`))
          looser.set(`${method} ${path}`, res.text.slice(0, 160))
      }
    }

    // 3. Invalid requests: one rule of a query parameter or the body broken, or a body that is not JSON.
    const invalid: { path: string; body?: unknown; raw?: string; what: string }[] = []
    for (const p of query) {
      const bad = invalidQueryValue((p.schema ?? true) as Schema, doc)
      if (
        bad !== undefined &&
        validate((p.schema ?? true) as Schema, coerceQuery(p.schema as Schema, bad), doc).length > 0
      ) {
        invalid.push({ path: withQuery(d.path, { [p.name]: bad }), body: d.body, what: `query ${p.name}=${bad}` })
      }
    }
    if (bodySchema) {
      for (const b of sampleWhere(invalidArbitraryOf(bodySchema, doc), () => true, RUNS, SEED)) {
        const body = credentials(b)
        if (validate(bodySchema, body, doc).length > 0)
          invalid.push({ path: d.path, body, what: `body ${JSON.stringify(body).slice(0, 200)}` })
      }
      invalid.push({ path: d.path, raw: '{"not json', what: 'a body that is not JSON' })
    }
    for (const req of invalid.slice(0, RUNS * 3)) {
      const res = await d.send(req.path, req.body, req.raw)
      const what = `invalid (${req.what}) ${method} ${req.path}`
      problems.push(...responseProblems(op, res, what))
      if (res.status < 400 || res.status >= 500)
        problems.push(`${what} → ${res.status}: not a 4xx ${res.text.slice(0, 200)}`)
      else {
        try {
          expectErrorShape(entry.surface, res)
        } catch (err) {
          problems.push(`${what}: not in the ${entry.surface} error shape: ${(err as Error).message.slice(0, 200)}`)
        }
      }
    }

    expect(problems).toEqual([])
  })
})
