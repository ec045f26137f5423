import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, merchantWithWallet } from '../helpers/api'

const TERMINAL_EVENTS = ['payment.completed', 'payment.cancelled']

describe('cancel racing completion on one payment', () => {
  it('ends in exactly one terminal state with exactly one terminal event', async () => {
    const m = await merchantWithWallet()
    for (let round = 0; round < 5; round++) {
      const p = (
        await call('POST', '/v1/payments', {
          key: m.testKey,
          body: { amount: '3', currency: 'USD', chain_id: 31337, token: 'ETH' },
        })
      ).json.data
      const [cancel, complete] = await Promise.all([
        call('POST', `/v1/payments/${p.id}/cancel`, { key: m.testKey }),
        call('POST', `/v1/sandbox/payments/${p.id}/simulate`, { key: m.testKey, body: {} }),
      ])
      // One of the two wins; the loser sees the winner's state.
      const final = (await call('GET', `/v1/payments/${p.id}`, { key: m.testKey })).json.data
      expect(['cancelled', 'completed']).toContain(final.status)
      if (final.status === 'completed') expect(cancel.status).toBe(409)
      else expect(complete.json.data.exception).toBe('paid_late')

      const events = await env.DB.prepare('SELECT type, sequence FROM events WHERE payment_id = ? ORDER BY sequence')
        .bind(p.id)
        .all<{ type: string; sequence: number }>()
      const terminal = events.results.filter((e) => TERMINAL_EVENTS.includes(e.type))
      expect(terminal).toHaveLength(1)
      expect(events.results.map((e) => e.sequence)).toEqual(events.results.map((_, i) => i))
    }
  })
})
