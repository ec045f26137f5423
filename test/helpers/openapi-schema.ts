/**
 * A small JSON Schema check for responses against /openapi.json (OpenAPI 3.1): the keywords zod-to-openapi
 * emits. Stricter than JSON Schema in one way, on purpose: an object property the schema does not
 * list is an error unless `additionalProperties` allows it, so a field the handler sends but the
 * document forgets is caught.
 */
export type JsonSchema = {
  $ref?: string
  type?: string | string[]
  const?: unknown
  enum?: unknown[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  items?: JsonSchema
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  nullable?: boolean
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  pattern?: string
}

export type OpenApiDoc = {
  paths: Record<
    string,
    Record<string, { tags?: string[]; responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }> }>
  >
  components?: { schemas?: Record<string, JsonSchema> }
}

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

function typeMatches(expected: string, actual: string): boolean {
  return expected === actual || (expected === 'number' && actual === 'integer')
}

function resolve(schema: JsonSchema, doc: OpenApiDoc): JsonSchema {
  const name = schema.$ref?.split('/').pop()
  return name === undefined ? schema : (doc.components?.schemas?.[name] ?? schema)
}

/** The problems of `value` against `schema`, each with its JSON path; empty when it conforms. */
export function schemaErrors(value: unknown, schema: JsonSchema, doc: OpenApiDoc, path = '$'): string[] {
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop() ?? ''
    const target = doc.components?.schemas?.[name]
    if (!target) return [`${path}: unresolved ${schema.$ref}`]
    return schemaErrors(value, target, doc, path)
  }
  if (schema.allOf) {
    // zod's .extend() of a named schema: one object whose properties are all the parts' properties.
    const parts = schema.allOf.map((s) => resolve(s, doc))
    const { allOf: _allOf, ...rest } = schema
    const merged: JsonSchema = {
      ...rest,
      type: 'object',
      properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
      required: parts.flatMap((p) => p.required ?? []),
    }
    return schemaErrors(value, merged, doc, path)
  }
  const alternatives = schema.anyOf ?? schema.oneOf
  if (alternatives) {
    const results = alternatives.map((s) => schemaErrors(value, s, doc, path))
    if (!results.some((r) => r.length === 0))
      return [`${path}: matches none of ${alternatives.length} alternatives (${results.map((r) => r[0]).join(' | ')})`]
  }
  if (value === null && schema.nullable) return []
  const actual = typeOf(value)
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type]
    if (!types.some((t) => typeMatches(t, actual)))
      return [`${path}: expected ${types.join('|')}, got ${actual} (${JSON.stringify(value)?.slice(0, 60)})`]
  }
  if ('const' in schema && value !== schema.const)
    return [`${path}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`]
  if (schema.enum && !schema.enum.includes(value))
    return [`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`]
  const errors: string[] = []
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`)
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: above ${schema.maximum}`)
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      errors.push(`${path}: shorter than ${schema.minLength}`)
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      errors.push(`${path}: longer than ${schema.maxLength}`)
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value))
      errors.push(`${path}: does not match ${schema.pattern}`)
  }
  if (Array.isArray(value) && schema.items) {
    for (const [i, item] of value.entries())
      errors.push(...schemaErrors(item, schema.items as JsonSchema, doc, `${path}[${i}]`))
  }
  if (actual === 'object' && (schema.properties || schema.additionalProperties !== undefined)) {
    const object = value as Record<string, unknown>
    for (const key of schema.required ?? []) if (!(key in object)) errors.push(`${path}.${key}: required but absent`)
    for (const [key, v] of Object.entries(object)) {
      const property = schema.properties?.[key]
      if (property) errors.push(...schemaErrors(v, property, doc, `${path}.${key}`))
      else if (typeof schema.additionalProperties === 'object')
        errors.push(...schemaErrors(v, schema.additionalProperties, doc, `${path}.${key}`))
      else if (schema.additionalProperties !== true) errors.push(`${path}.${key}: sent but not documented`)
    }
  }
  return errors
}

/** The documented JSON schema of an operation's response, by OpenAPI path and status. */
export function responseSchema(doc: OpenApiDoc, method: string, path: string, status: number): JsonSchema | undefined {
  return doc.paths[path]?.[method.toLowerCase()]?.responses[String(status)]?.content?.['application/json']?.schema
}
