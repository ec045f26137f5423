import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { currentCosts, instrumentEnv } from '../../src/instrument'

describe('cost instrumentation (INSTRUMENT=1)', () => {
  it('returns the bindings untouched when INSTRUMENT is not "1"', () => {
    expect(instrumentEnv(env)).toBe(env)
  })

  it('counts D1 round trips and statements, Durable Object calls and queue messages', async () => {
    const counted = instrumentEnv({ ...env, INSTRUMENT: '1' })
    const before = currentCosts()

    await counted.DB.prepare('SELECT 1 AS one').first()
    await counted.DB.prepare('SELECT ? AS two').bind(2).all()
    await counted.DB.batch([counted.DB.prepare('SELECT 1'), counted.DB.prepare('SELECT ?').bind(3)])
    const limiter = counted.RATE_LIMITER.get(counted.RATE_LIMITER.idFromName('instrument-test'))
    const hit = await limiter.hit(10)
    // An event id with no outbox row: the consumer finds nothing to fan out.
    await counted.WEBHOOKS.send({ type: 'event', eventId: 'evt_instrument_none' })
    await counted.WEBHOOKS.sendBatch([{ body: { type: 'event', eventId: 'evt_instrument_none' } }])

    const after = currentCosts()
    expect(hit.allowed).toBe(true)
    expect(after.d1RoundTrips - before.d1RoundTrips).toBe(3)
    expect(after.d1Statements - before.d1Statements).toBe(4)
    expect(after.doCalls - before.doCalls).toBe(1)
    expect(after.queueMessages - before.queueMessages).toBe(2)
  })

  it('wraps a given env once, so objects and handlers share the same counters', () => {
    const raw = { ...env, INSTRUMENT: '1' }
    expect(instrumentEnv(raw)).toBe(instrumentEnv(raw))
  })
})
