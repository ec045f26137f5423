import fc from 'fast-check'
import { deref, jsonType, type Schema, validate } from '../helpers/json-schema'

/**
 * fast-check arbitraries from the document's JSON schemas: values a schema accepts, and values it
 * refuses (a valid value with one rule broken). Both are checked with the validator, so what is sent
 * as valid is valid by the document and what is sent as invalid is invalid by it.
 */

type Obj = { [keyword: string]: unknown }
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const num = (v: unknown) => (typeof v === 'number' ? v : undefined)

function stringArbitrary(s: Obj): fc.Arbitrary<string> {
  const minLength = num(s.minLength) ?? 0
  const maxLength = Math.min(num(s.maxLength) ?? minLength + 24, minLength + 24)
  if (typeof s.pattern === 'string')
    return fc
      .stringMatching(new RegExp(s.pattern))
      .filter((v) => [...v].length >= minLength && [...v].length <= (num(s.maxLength) ?? Infinity))
  if (s.format === 'email')
    return fc
      .emailAddress()
      .filter((v) => v.length <= (num(s.maxLength) ?? 254) && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v))
  if (s.format === 'uuid') return fc.uuid()
  if (s.format === 'date-time')
    return fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString())
  return fc.string({ minLength, maxLength, unit: 'grapheme-ascii' })
}

function numberArbitrary(s: Obj, integer: boolean): fc.Arbitrary<number> {
  const exMin =
    typeof s.exclusiveMinimum === 'number'
      ? s.exclusiveMinimum
      : s.exclusiveMinimum === true
        ? num(s.minimum)
        : undefined
  const exMax =
    typeof s.exclusiveMaximum === 'number'
      ? s.exclusiveMaximum
      : s.exclusiveMaximum === true
        ? num(s.maximum)
        : undefined
  const min = exMin !== undefined ? exMin + (integer ? 1 : 1e-6) : (num(s.minimum) ?? -1_000_000)
  const max = exMax !== undefined ? exMax - (integer ? 1 : 1e-6) : (num(s.maximum) ?? 1_000_000)
  if (integer)
    return fc.integer({
      min: Math.ceil(Math.max(min, Number.MIN_SAFE_INTEGER)),
      max: Math.floor(Math.min(max, Number.MAX_SAFE_INTEGER)),
    })
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
}

function typedArbitrary(type: string, s: Obj, root: unknown, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return stringArbitrary(s)
    case 'integer':
      return numberArbitrary(s, true)
    case 'number':
      return numberArbitrary(s, false)
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array': {
      const minLength = num(s.minItems) ?? 0
      const maxLength = Math.min(num(s.maxItems) ?? minLength + 3, minLength + 3)
      return fc.array(
        s.items === undefined ? fc.jsonValue({ maxDepth: 1 }) : arbitraryOf(s.items as Schema, root, depth + 1),
        { minLength, maxLength },
      )
    }
    case 'object': {
      const properties = isObject(s.properties) ? (s.properties as Record<string, Schema>) : {}
      const required = Array.isArray(s.required) ? (s.required as string[]) : []
      const record = fc.record(
        Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, arbitraryOf(v, root, depth + 1)])),
        { requiredKeys: required.filter((k) => k in properties) },
      )
      return record as fc.Arbitrary<unknown>
    }
    default:
      return fc.jsonValue({ maxDepth: 2 })
  }
}

/**
 * Values built to fit `schema` (types, bounds, enums, required keys). Combinations such as `not` or a
 * pattern with a length can still miss: `sampleWhere` keeps only the values the validator accepts.
 */
export function arbitraryOf(schema: Schema, root: unknown, depth = 0): fc.Arbitrary<unknown> {
  const s = deref(root, schema)
  if (s === true) return fc.jsonValue({ maxDepth: 2 })
  if (s === false) throw new Error('no value satisfies a false schema')
  let arb: fc.Arbitrary<unknown>
  if (Array.isArray(s.enum)) arb = fc.constantFrom(...(s.enum as unknown[]))
  else if ('const' in s) arb = fc.constant(s.const)
  // With a type, anyOf/oneOf/not only combine constraints on it (which keys go together): built from the type.
  else if (s.type === undefined && !isObject(s.properties) && (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)))
    arb = fc.oneof(...((s.anyOf ?? s.oneOf) as Schema[]).map((sub) => arbitraryOf(sub, root, depth + 1)))
  else if (Array.isArray(s.allOf)) arb = arbitraryOf(mergeAllOf(s, root), root, depth + 1)
  else if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string]
    arb = fc.oneof(...types.map((t) => typedArbitrary(t, s, root, depth)))
  } else if (isObject(s.properties)) arb = typedArbitrary('object', s, root, depth)
  else arb = fc.jsonValue({ maxDepth: 2 })
  if (s.nullable === true) arb = fc.option(arb, { nil: null, freq: 5 })
  return arb
}

/**
 * Up to `n` values of `arb` that `accept` keeps, out of a bounded number of tries from `seed` (a
 * filtered fc.sample never returns when the filter rarely holds).
 */
export function sampleWhere<T>(
  arb: fc.Arbitrary<T>,
  accept: (v: T) => boolean,
  n: number,
  seed: number,
  tries = 40,
): T[] {
  return fc.sample(arb, { seed, numRuns: tries }).filter(accept).slice(0, n)
}

/** allOf of object schemas as one object schema (properties and required joined), the rest kept. */
function mergeAllOf(s: Obj, root: unknown): Schema {
  const { allOf, ...rest } = s
  const merged: Obj = { ...rest }
  for (const part of allOf as Schema[]) {
    const p = deref(root, part)
    if (!isObject(p)) continue
    const { properties, required, ...others } = p
    Object.assign(merged, others)
    merged.properties = { ...(merged.properties as Obj | undefined), ...(properties as Obj | undefined) }
    merged.required = [
      ...((merged.required as string[] | undefined) ?? []),
      ...((required as string[] | undefined) ?? []),
    ]
  }
  return merged
}

/** A value of another JSON type than `type` allows. */
function wrongTypeValue(s: Obj, root: unknown): unknown {
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : []
  const candidates: unknown[] = [12345, 'not-a-valid-value', true, { unexpected: 1 }, [1, 2], 1.5]
  return (
    candidates.find(
      (c) =>
        !types.some((t) => jsonType(c) === t || (t === 'number' && jsonType(c) === 'integer')) &&
        validate(s, c, root).length > 0,
    ) ?? 'not-a-valid-value'
  )
}

/** Values of one property (or the value itself) that break a rule of `schema`. */
function brokenValues(schema: Schema, root: unknown): unknown[] {
  const s = deref(root, schema)
  if (!isObject(s)) return []
  const out: unknown[] = [wrongTypeValue(s, root)]
  if (Array.isArray(s.enum)) out.push('zz-not-a-member')
  if (typeof s.maxLength === 'number') out.push('x'.repeat(s.maxLength + 1))
  if (typeof s.minLength === 'number' && s.minLength > 0) out.push('')
  if (typeof s.maximum === 'number') out.push(s.maximum + 1)
  if (typeof s.minimum === 'number') out.push(s.minimum - 1)
  if (typeof s.maxItems === 'number') out.push([])
  return out
}

/** One broken rule applied to a valid object: a required key dropped, a property broken, an unknown key (check with the validator). */
export function invalidArbitraryOf(schema: Schema, root: unknown): fc.Arbitrary<unknown> {
  const s = deref(root, schema)
  const valid = arbitraryOf(schema, root)
  const props = isObject(s) && isObject(s.properties) ? (s.properties as Record<string, Schema>) : {}
  const required = isObject(s) && Array.isArray(s.required) ? (s.required as string[]) : []
  const mutations: fc.Arbitrary<(v: unknown) => unknown>[] = [
    fc.constant(() => (isObject(s) ? wrongTypeValue(s, root) : 'x')),
  ]
  if (required.length)
    mutations.push(
      fc
        .constantFrom(...required)
        .map(
          (k) => (v: unknown) => (isObject(v) ? Object.fromEntries(Object.entries(v).filter(([key]) => key !== k)) : v),
        ),
    )
  const broken = Object.entries(props).flatMap(([k, p]) => brokenValues(p, root).map((b) => [k, b] as const))
  if (broken.length)
    mutations.push(
      fc.constantFrom(...broken).map(
        ([k, b]) =>
          (v: unknown) =>
            isObject(v) ? { ...v, [k]: b } : v,
      ),
    )
  if (isObject(s) && s.additionalProperties === false)
    mutations.push(fc.constant((v: unknown) => (isObject(v) ? { ...v, zz_unknown_field: 1 } : v)))
  return fc.tuple(valid, fc.oneof(...mutations)).map(([v, mutate]) => mutate(structuredClone(v)))
}

/** A query parameter value the schema refuses, as the string it is sent as; undefined when any string would do. */
export function invalidQueryValue(schema: Schema, root: unknown): string | undefined {
  const s = deref(root, schema)
  if (!isObject(s)) return undefined
  const candidates = ['not-a-number', 'zz-not-a-member', ...brokenValues(s, root).map(String)]
  return candidates.find((c) => validate(s, coerceQuery(s, c), root).length > 0)
}

/** A query string as the server reads it, for validating it against the parameter's schema. */
export function coerceQuery(schema: Schema, raw: string): unknown {
  if (!isObject(schema)) return raw
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type]
  if (types.includes('integer') || types.includes('number'))
    return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw
  if (types.includes('boolean')) return raw === 'true' ? true : raw === 'false' ? false : raw
  return raw
}
