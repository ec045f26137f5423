import { Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { requestContext } from '../../src/api/request-context'
import type { AppEnv } from '../../src/context'
import { currentRequestId, log, withRequestId } from '../../src/log'

afterEach(() => vi.restoreAllMocks())

const lines = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>)

describe('log: one JSON line per event', () => {
  it('writes level, message and fields to the console stream of the level', () => {
    const info = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    log.info('chain scanned', { chainId: 1 })
    log.warn('reorg', { ids: ['o_1'] })
    log.error('rate refresh failed')
    expect(lines(info)).toEqual([{ level: 'info', msg: 'chain scanned', chainId: 1 }])
    expect(lines(warn)).toEqual([{ level: 'warn', msg: 'reorg', ids: ['o_1'] }])
    expect(lines(error)).toEqual([{ level: 'error', msg: 'rate refresh failed' }])
    // Tests and log searches match the raw text: no spaces after the separators.
    expect(String(info.mock.calls[0]?.[0])).toContain('"msg":"chain scanned"')
  })

  it('carries the request id inside withRequestId, across awaits, and none outside', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    await withRequestId('req_1', async () => {
      await Promise.resolve()
      log.error('inside')
    })
    log.error('outside')
    expect(lines(error)).toEqual([
      { level: 'error', msg: 'inside', requestId: 'req_1' },
      { level: 'error', msg: 'outside' },
    ])
    expect(currentRequestId()).toBeUndefined()
  })

  it('gives every line logged while serving a request the id of its X-Request-Id header', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const app = new Hono<AppEnv>().use(requestContext).get('/x', async (c) => {
      await Promise.resolve()
      log.warn('something odd', { path: c.req.path })
      return c.text('ok')
    })
    const res = await app.request('/x')
    expect(lines(warn)).toEqual([
      { level: 'warn', msg: 'something odd', requestId: res.headers.get('X-Request-Id'), path: '/x' },
    ])
  })
})
