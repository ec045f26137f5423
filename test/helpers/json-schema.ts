/**
 * A small JSON Schema validator for the subset /openapi.json uses (OpenAPI 3.1 schemas, with the 3.0
 * spellings `nullable` and boolean `exclusiveMinimum` too). A keyword outside the subset is reported
 * by `unsupportedKeywords`, so the document cannot grow past the validator unnoticed.
 */

export type Schema = boolean | { [keyword: string]: unknown }

export interface Issue {
  /** JSON path of the value, `$` for the root. */
  path: string
  message: string
}

/** Keywords that constrain a value; the validator checks each of them. */
export const ASSERTION_KEYWORDS = [
  '$ref',
  'type',
  'nullable',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
] as const

/** Keywords that only describe (or name a discriminator for documentation). */
export const ANNOTATION_KEYWORDS = [
  'description',
  'title',
  'example',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  'discriminator',
  '$schema',
  'externalDocs',
  'xml',
]

/** Formats the validator asserts; any other format is an annotation, as JSON Schema says by default. */
const FORMATS: Record<string, (s: string) => boolean> = {
  email: (s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s),
  uuid: (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s),
  'date-time': (s) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s)),
  uri: (s) => {
    try {
      return Boolean(new URL(s))
    } catch {
      return false
    }
  },
}

type Obj = { [keyword: string]: unknown }
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The JSON type of a value, as JSON Schema names it ('integer' for whole numbers). */
export function jsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

const typeMatches = (type: string, value: unknown) => {
  const actual = jsonType(value)
  return type === actual || (type === 'number' && actual === 'integer')
}

/** Resolves a local `$ref` (`#/components/schemas/Name`) against the root document. */
export function resolveRef(root: unknown, ref: string): Schema {
  if (!ref.startsWith('#')) throw new Error(`only local $refs are supported: ${ref}`)
  let node: unknown = root
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~')
    if (!isObject(node) || !(key in node)) throw new Error(`$ref does not resolve: ${ref}`)
    node = node[key]
  }
  if (typeof node !== 'boolean' && !isObject(node)) throw new Error(`$ref is not a schema: ${ref}`)
  return node
}

/** A schema with its `$ref` followed (siblings of a `$ref` are checked too, as in 3.1). */
export function deref(root: unknown, schema: Schema): Schema {
  let s = schema
  for (let i = 0; isObject(s) && typeof s.$ref === 'string' && i < 32; i++) {
    const { $ref, ...rest } = s
    const target = resolveRef(root, $ref as string)
    s = Object.keys(rest).length === 0 ? target : { allOf: [target], ...rest }
  }
  return s
}

const length = (s: string) => [...s].length

function patternOf(p: string): RegExp {
  try {
    return new RegExp(p, 'u')
  } catch {
    return new RegExp(p)
  }
}

/** Every way `value` breaks `schema`; empty when it is valid. `root` resolves `$ref`s. */
export function validate(schema: Schema, value: unknown, root: unknown = {}, path = '$'): Issue[] {
  if (schema === true) return []
  if (schema === false) return [{ path, message: 'no value is allowed here' }]
  const s = schema
  const issues: Issue[] = []
  const fail = (message: string, at = path) => issues.push({ path: at, message })

  if (typeof s.$ref === 'string') issues.push(...validate(resolveRef(root, s.$ref), value, root, path))

  if (value === null && s.nullable === true) return issues
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string]
    if (!types.some((t) => typeMatches(t, value))) {
      fail(`expected ${types.join(' or ')}, got ${jsonType(value)}`)
      return issues
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, value)))
    fail(`expected one of ${JSON.stringify(s.enum)}`)
  if ('const' in s && !deepEqual(s.const, value)) fail(`expected ${JSON.stringify(s.const)}`)

  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && length(value) < s.minLength) fail(`shorter than ${s.minLength}`)
    if (typeof s.maxLength === 'number' && length(value) > s.maxLength) fail(`longer than ${s.maxLength}`)
    if (typeof s.pattern === 'string' && !patternOf(s.pattern).test(value)) fail(`does not match ${s.pattern}`)
    const format = typeof s.format === 'string' ? FORMATS[s.format] : undefined
    if (format && !format(value)) fail(`is not a valid ${s.format}`)
  }

  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && (value < s.minimum || (s.exclusiveMinimum === true && value === s.minimum)))
      fail(`less than the minimum ${s.minimum}`)
    if (typeof s.maximum === 'number' && (value > s.maximum || (s.exclusiveMaximum === true && value === s.maximum)))
      fail(`more than the maximum ${s.maximum}`)
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum)
      fail(`not more than ${s.exclusiveMinimum}`)
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum)
      fail(`not less than ${s.exclusiveMaximum}`)
  }

  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) fail(`fewer than ${s.minItems} items`)
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) fail(`more than ${s.maxItems} items`)
    if (s.items !== undefined && !Array.isArray(s.items)) {
      for (const [i, item] of value.entries()) issues.push(...validate(s.items as Schema, item, root, `${path}[${i}]`))
    }
  }

  if (isObject(value)) {
    const properties = isObject(s.properties) ? (s.properties as Record<string, Schema>) : {}
    if (Array.isArray(s.required))
      for (const key of s.required as string[]) if (!(key in value)) fail(`${key} is required`)
    for (const [key, v] of Object.entries(value)) {
      const at = `${path}.${key}`
      const declared = properties[key]
      if (declared !== undefined) issues.push(...validate(declared, v, root, at))
      else if (s.additionalProperties === false) fail(`${key} is not allowed`, at)
      else if (s.additionalProperties !== undefined && s.additionalProperties !== true)
        issues.push(...validate(s.additionalProperties as Schema, v, root, at))
    }
  }

  if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) issues.push(...validate(sub, value, root, path))
  if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some((sub) => validate(sub, value, root, path).length === 0))
    fail('matches none of anyOf')
  if (Array.isArray(s.oneOf)) {
    const matching = (s.oneOf as Schema[]).filter((sub) => validate(sub, value, root, path).length === 0).length
    if (matching !== 1) fail(`matches ${matching} of oneOf, not exactly one`)
  }
  if (s.not !== undefined && validate(s.not as Schema, value, root, path).length === 0)
    fail('matches the schema under not')
  return issues
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]))
  }
  return false
}

/**
 * Keywords in `schema` (and the schemas under it) that the validator neither checks nor treats as an
 * annotation, with where they occur. Property names are names, not keywords, so they are not reported.
 */
export function unsupportedKeywords(schema: Schema, path = '$'): string[] {
  if (typeof schema === 'boolean') return []
  const known = new Set<string>([...ASSERTION_KEYWORDS, ...ANNOTATION_KEYWORDS])
  const found: string[] = []
  for (const [keyword, v] of Object.entries(schema)) {
    if (!known.has(keyword) && !keyword.startsWith('x-')) found.push(`${path}: ${keyword}`)
    if (keyword === 'properties' && isObject(v))
      for (const [name, sub] of Object.entries(v)) found.push(...unsupportedKeywords(sub as Schema, `${path}.${name}`))
    else if (['items', 'additionalProperties', 'not'].includes(keyword) && (isObject(v) || typeof v === 'boolean'))
      found.push(...unsupportedKeywords(v as Schema, `${path}/${keyword}`))
    else if (['allOf', 'anyOf', 'oneOf'].includes(keyword) && Array.isArray(v)) {
      for (const [i, sub] of v.entries()) found.push(...unsupportedKeywords(sub as Schema, `${path}/${keyword}/${i}`))
    }
  }
  return found
}
