import { describe, expect, it } from 'vitest'
import { type Schema, unsupportedKeywords, validate } from '../helpers/json-schema'
import { arbitraryOf, coerceQuery, invalidArbitraryOf, invalidQueryValue, sampleWhere } from './arbitraries'

const root = {
  components: {
    schemas: {
      Amount: { type: 'string', pattern: '^\\d+(\\.\\d+)?$' },
      Payment: {
        type: 'object',
        properties: { id: { type: 'string' }, amount: { $ref: '#/components/schemas/Amount' } },
        required: ['id'],
        additionalProperties: false,
      },
    },
  },
}
const ok = (schema: Schema, value: unknown) => expect(validate(schema, value, root), JSON.stringify(value)).toEqual([])
const bad = (schema: Schema, value: unknown, message: RegExp, path = '$') =>
  expect(validate(schema, value, root)).toEqual(
    expect.arrayContaining([{ path, message: expect.stringMatching(message) }]),
  )

describe('the JSON schema validator', () => {
  it('checks types, with integer a kind of number, type lists and 3.0 nullable', () => {
    ok({ type: 'number' }, 3)
    ok({ type: 'number' }, 3.5)
    bad({ type: 'integer' }, 3.5, /expected integer, got number/)
    ok({ type: ['string', 'null'] }, null)
    bad({ type: ['string', 'null'] }, 1, /expected string or null/)
    ok({ type: 'string', nullable: true }, null)
    bad({ type: 'object' }, [], /got array/)
    ok(true, { anything: 1 })
    bad(false, 1, /no value/)
  })

  it('checks enum, const, string length in code points, pattern and the email and uuid formats', () => {
    ok({ enum: ['a', 'b'] }, 'a')
    bad({ enum: ['a', 'b'] }, 'c', /one of/)
    bad({ const: 'x' }, 'y', /expected "x"/)
    ok({ type: 'string', maxLength: 1 }, '😀')
    bad({ type: 'string', minLength: 2 }, 'a', /shorter than 2/)
    bad({ type: 'string', maxLength: 2 }, 'abc', /longer than 2/)
    bad({ type: 'string', pattern: '^\\d+$' }, '12a', /does not match/)
    ok({ type: 'string', format: 'email' }, 'a@b.co')
    bad({ type: 'string', format: 'email' }, 'nobody', /valid email/)
    bad({ type: 'string', format: 'uuid' }, 'f00', /valid uuid/)
    ok({ type: 'string', format: 'unknown-format' }, 'anything')
  })

  it('checks bounds, 3.1 numeric and 3.0 boolean exclusive bounds', () => {
    bad({ type: 'integer', minimum: 1 }, 0, /minimum 1/)
    bad({ type: 'integer', maximum: 100 }, 101, /maximum 100/)
    bad({ type: 'number', exclusiveMinimum: 0 }, 0, /not more than 0/)
    ok({ type: 'number', exclusiveMinimum: 0 }, 0.01)
    bad({ type: 'number', minimum: 0, exclusiveMinimum: true }, 0, /minimum/)
  })

  it('checks arrays: item schemas and item counts, with the item path', () => {
    ok({ type: 'array', items: { type: 'integer' } }, [1, 2])
    bad({ type: 'array', items: { type: 'integer' } }, [1, 'x'], /expected integer/, '$[1]')
    bad({ type: 'array', minItems: 1 }, [], /fewer than 1/)
    bad({ type: 'array', maxItems: 1 }, [1, 2], /more than 1/)
  })

  it('checks objects: required, declared properties, additionalProperties false or a schema, through $refs', () => {
    const payment = { $ref: '#/components/schemas/Payment' }
    ok(payment, { id: 'p1', amount: '1.5' })
    bad(payment, { amount: '1' }, /id is required/)
    bad(payment, { id: 'p1', amount: 'ten' }, /does not match/, '$.amount')
    bad(payment, { id: 'p1', extra: 1 }, /extra is not allowed/, '$.extra')
    bad({ type: 'object', additionalProperties: { type: 'string' } }, { a: 1 }, /expected string/, '$.a')
    expect(() => validate({ $ref: '#/components/schemas/Missing' }, 1, root)).toThrow(/does not resolve/)
  })

  it('checks allOf, anyOf, oneOf (exactly one) and not', () => {
    ok({ allOf: [{ type: 'string' }, { minLength: 1 }] }, 'a')
    bad({ allOf: [{ type: 'string' }, { minLength: 2 }] }, 'a', /shorter/)
    ok({ anyOf: [{ type: 'string' }, { type: 'integer' }] }, 1)
    bad({ anyOf: [{ type: 'string' }, { type: 'integer' }] }, true, /none of anyOf/)
    bad({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 1, /matches 2 of oneOf/)
    bad({ type: 'object', not: { required: ['a', 'b'] } }, { a: 1, b: 2 }, /under not/)
    ok({ type: 'object', not: { required: ['a', 'b'] } }, { a: 1 })
  })

  it('names keywords outside its subset, and not property names', () => {
    expect(
      unsupportedKeywords({ type: 'object', properties: { if: { type: 'string', multipleOf: 2 } }, description: 'x' }),
    ).toEqual(['$.if: multipleOf'])
    expect(unsupportedKeywords({ anyOf: [{ patternProperties: {} }] })).toEqual(['$/anyOf/0: patternProperties'])
  })
})

describe('arbitraries from schemas', () => {
  const payment = { $ref: '#/components/schemas/Payment' }
  const linkish: Schema = {
    type: 'object',
    properties: {
      email: { type: 'string', format: 'email', maxLength: 254 },
      n: { type: 'integer', minimum: 1, maximum: 5 },
      kind: { enum: ['a', 'b'] },
      at: { type: 'string', format: 'date-time' },
    },
    required: ['email', 'n'],
    additionalProperties: false,
    not: { required: ['kind', 'at'] },
  }

  it('generates values the schema accepts, often', () => {
    for (const schema of [payment, linkish]) {
      const values = sampleWhere(arbitraryOf(schema, root), () => true, 50, 16, 50)
      expect(values.filter((v) => validate(schema, v, root).length === 0).length).toBeGreaterThan(10)
    }
  })

  it('generates values the schema refuses, often', () => {
    for (const schema of [payment, linkish]) {
      const values = sampleWhere(invalidArbitraryOf(schema, root), () => true, 50, 16, 50)
      expect(values.filter((v) => validate(schema, v, root).length > 0).length).toBeGreaterThan(10)
    }
  })

  it('finds a query value the parameter schema refuses, read as the server reads it', () => {
    expect(invalidQueryValue({ type: 'integer', minimum: 1 }, root)).toBe('not-a-number')
    expect(invalidQueryValue({ type: 'string', enum: ['draft'] }, root)).toBe('not-a-number')
    expect(invalidQueryValue({ type: 'string' }, root)).toBeUndefined()
    expect(coerceQuery({ type: 'integer' }, '12')).toBe(12)
    expect(coerceQuery({ type: 'boolean' }, 'true')).toBe(true)
  })
})
