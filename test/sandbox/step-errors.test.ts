/** No silent failure: an alarm-driven step that cannot complete says why on the payment, and stops. */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, createMerchant, eventually } from '../helpers/api'
import { waitForRequests, receiverUrl } from '../helpers/receiver'

const stub = (paymentId: string) => env.PAYMENT_OBJECT.get(env.PAYMENT_OBJECT.idFromName(paymentId))

async function testPayment(amount = '10.00') {
  const m = await createMerchant()
  const hook = receiverUrl()
  await call('POST', '/v1/webhook-endpoints', { key: m.testKey, body: { url: hook.url } })
  const res = await call('POST', '/v1/payments', { key: m.testKey, body: { amount, currency: 'USD' } })
  expect(res.status).toBe(201)
  return { m, hook, payment: res.json.data as { id: string; expires_at: string } }
}

const get = async (key: string, id: string) => (await call('GET', `/v1/payments/${id}`, { key })).json.data

describe('a sandbox settlement that cannot complete', () => {
  it('shows a permanent error as last_error and a payment.error event, and is not retried', async () => {
    const { m, hook, payment } = await testPayment()
    // Break the merchant's only wallet before the settlement runs: its chain leaves the registry.
    await env.DB.prepare('UPDATE wallets SET chain_id = 999999 WHERE merchant_id = ?').bind(m.id).run()

    const failed = await eventually(async () => {
      const p = await get(m.testKey, payment.id)
      return p.last_error && p
    }, 8_000)
    expect(failed).toMatchObject({
      status: 'pending',
      last_error: {
        code: 'WALLET_REQUIRED',
        step: 'sandbox_settlement',
        message: expect.stringContaining('No test wallet'),
      },
    })
    const [event] = await waitForRequests(hook.name, 1, (r) => JSON.parse(r.body).event_type === 'payment.error')
    expect(JSON.parse(event!.body)).toMatchObject({
      payment_id: payment.id,
      last_error: { code: 'WALLET_REQUIRED', step: 'sandbox_settlement' },
    })
    const events = (await call('GET', `/v1/payments/${payment.id}/events`, { key: m.testKey })).json.data as {
      type: string
    }[]
    expect(events.map((e) => e.type)).toContain('payment.error')

    // Nothing left to retry: the only alarm left is the payment's expiry.
    await runInDurableObject(stub(payment.id), async (_instance, state) => {
      expect(await state.storage.get('sandboxAt')).toBeUndefined()
      expect(await state.storage.get('attempts:sandbox_settlement')).toBeUndefined()
      expect(await state.storage.getAlarm()).toBe(Date.parse(payment.expires_at))
    })
  })

  it('retries a passing error with a growing delay, then gives up and says so', async () => {
    const { m, payment } = await testPayment()
    // An xpub that no longer parses: deriving the address throws (not a gateway error), a passing failure.
    await env.DB.prepare("UPDATE wallets SET xpub = 'xpub-broken' WHERE merchant_id = ?").bind(m.id).run()

    const retryAt = await eventually(
      () =>
        runInDurableObject(
          stub(payment.id),
          async (_i, state) =>
            (await state.storage.get<number>('attempts:sandbox_settlement')) === 1 &&
            state.storage.get<number>('sandboxAt'),
        ),
      8_000,
    )
    expect(retryAt).toBeGreaterThan(Date.now() + 2_000)
    expect((await get(m.testKey, payment.id)).last_error).toBeNull()

    // Fast-forward to the last try.
    await runInDurableObject(stub(payment.id), async (_i, state) => {
      await state.storage.put({ 'attempts:sandbox_settlement': 4, sandboxAt: Date.now() - 1 })
    })
    expect(await runDurableObjectAlarm(stub(payment.id))).toBe(true)
    const p = await get(m.testKey, payment.id)
    expect(p).toMatchObject({
      status: 'pending',
      last_error: {
        code: 'INTERNAL_ERROR',
        step: 'sandbox_settlement',
        message: expect.stringContaining('gave up after 5 attempts'),
      },
    })
    await runInDurableObject(stub(payment.id), async (_i, state) => {
      expect(await state.storage.get('sandboxAt')).toBeUndefined()
      expect(await state.storage.getAlarm()).toBe(Date.parse(payment.expires_at))
    })
  })

  it('leaves last_error null when the settlement works', async () => {
    const { m, payment } = await testPayment()
    const done = await eventually(async () => {
      const p = await get(m.testKey, payment.id)
      return p.status === 'completed' && p
    }, 8_000)
    expect(done.last_error).toBeNull()
  })
})
