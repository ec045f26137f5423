import { describe, expect, it } from 'vitest'
import { call } from '../helpers/api'

describe('/openapi.json documents bills and subscriptions', () => {
  it.each([
    ['post', '/v1/bills', '201'],
    ['get', '/v1/bills', '200'],
    ['get', '/v1/bills/{id}', '200'],
    ['patch', '/v1/bills/{id}', '200'],
    ['post', '/v1/bills/{id}/deliveries', '200'],
    ['post', '/v1/subscriptions', '201'],
    ['get', '/v1/subscriptions', '200'],
    ['get', '/v1/subscriptions/{id}', '200'],
    ['patch', '/v1/subscriptions/{id}', '200'],
    ['post', '/bills', '200'],
    ['get', '/bills', '200'],
    ['get', '/bills/{id}', '200'],
    ['put', '/bills/{id}', '200'],
    ['post', '/bills/{id}/deliveries', '200'],
    ['post', '/subscriptions', '200'],
    ['get', '/subscriptions', '200'],
    ['get', '/subscriptions/{id}', '200'],
    ['put', '/subscriptions/{id}', '200'],
  ])('%s %s with a response schema that has properties', async (method, path, status) => {
    const doc = (await call('GET', '/openapi.json')).json
    const op = doc.paths[path]?.[method]
    expect(op, `${method} ${path}`).toBeDefined()
    const schema = op.responses[status].content['application/json'].schema
    const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema
    expect(Object.keys(resolved.properties ?? {})).toEqual(expect.arrayContaining(['data']))
    const data = resolved.properties.data
    const item = data.$ref ? doc.components.schemas[data.$ref.split('/').pop()] : (data.items ?? data)
    const target = item.$ref ? doc.components.schemas[item.$ref.split('/').pop()] : item
    expect(
      target.type === 'string' || target.const === 'Success' || Object.keys(target.properties ?? {}).length > 5,
      JSON.stringify(target).slice(0, 200),
    ).toBe(true)
  })
})
