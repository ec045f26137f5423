import fc from 'fast-check'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, merchantWithWallet } from '../helpers/api'
import { GATEWAY, newIdentity, pairToken, signedCall as signed, signHeaders } from '../helpers/bitpay'

const url = (path: string) => new URL(path, GATEWAY).toString()

describe('tokens and pairing', () => {
  it('lets a client claim a pairing code the merchant made, binding the token to its SIN', async () => {
    const m = await merchantWithWallet()
    const made = await call('POST', '/v1/bitpay/pairing-codes', {
      key: m.testKey,
      body: { facade: 'merchant', label: 'shop plugin' },
    })
    expect(made.status).toBe(201)
    const { pairing_code: code, token } = made.json.data
    const identity = newIdentity()
    const claimed = await call('POST', '/tokens', { body: { id: identity.sin, pairingCode: code } })
    expect(claimed.status).toBe(200)
    expect(claimed.json.data[0]).toMatchObject({
      token,
      facade: 'merchant',
      policies: [{ policy: 'id', method: 'active', params: [identity.sin] }],
    })
    // The code is spent.
    const again = await call('POST', '/tokens', { body: { id: newIdentity().sin, pairingCode: code } })
    expect(again.status).toBe(400)
    expect(again.json).toMatchObject({ status: 'error', code: '010002', data: null })
    // GET /tokens lists the identity's tokens when signed by it.
    const listed = await signed(identity, 'GET', '/tokens')
    expect(listed.json.data).toEqual([{ merchant: token }])
  })

  it('refuses a client-requested pairing code after 24 hours', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const requested = await call('POST', '/tokens', { body: { id: identity.sin, facade: 'merchant' } })
    const { pairingCode, pairingExpiration, dateCreated } = requested.json.data[0]
    expect(pairingExpiration - dateCreated).toBe(24 * 3600 * 1000)
    await env.DB.prepare('UPDATE bitpay_tokens SET pairing_expires_at = ? WHERE pairing_code = ?')
      .bind(new Date(Date.now() - 1000).toISOString(), pairingCode)
      .run()
    expect((await call('POST', `/v1/bitpay/pairing-codes/${pairingCode}/approve`, { key: m.testKey })).status).toBe(404)
  })

  it('rejects a token request whose id is not a SIN', async () => {
    const res = await call('POST', '/tokens', { body: { id: 'not-a-sin', facade: 'merchant' } })
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject({ status: 'error', code: '010002', error: expect.stringContaining('SIN') })
  })
})

describe('signed requests', () => {
  it('rejects a wrong signature, a token used by another identity, and a missing token', async () => {
    const m = await merchantWithWallet()
    const owner = newIdentity()
    const token = await pairToken(m.testKey, owner)
    const body = { token, price: 5, currency: 'USD' }

    const ok = await signed(owner, 'POST', '/invoices', body)
    expect(ok.status).toBe(200)
    expect(ok.json.facade).toBe('merchant/invoice')

    const raw = JSON.stringify(body)
    const tampered = await call('POST', '/invoices', {
      body: raw.replace('"price":5', '"price":500'),
      raw: true,
      headers: signHeaders(owner, url('/invoices'), raw),
    })
    expect(tampered.status).toBe(401)
    expect(tampered.json).toMatchObject({ status: 'error', code: '010100', error: 'Invalid signature' })

    const stranger = await signed(newIdentity(), 'POST', '/invoices', body)
    expect(stranger.status).toBe(401)
    expect(stranger.json.error).toMatch(/another client identity/)

    const unsigned = await call('POST', '/invoices', { body })
    expect(unsigned.status).toBe(401)

    const noToken = await signed(owner, 'POST', '/invoices', { price: 5, currency: 'USD' })
    expect(noToken.json.error).toMatch(/public facade/)
  })

  it('uses pos tokens unsigned, for invoices only', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const pos = await pairToken(m.testKey, identity, 'pos')
    const created = await call('POST', '/invoices', { body: { token: pos, price: 7, currency: 'USD' } })
    expect(created.status).toBe(200)
    expect(created.json.facade).toBe('pos/invoice')
    const list = await call('GET', `/invoices?token=${pos}`)
    expect(list.status).toBe(403)
    expect(list.json).toMatchObject({
      status: 'error',
      code: '020100',
      error: 'This endpoint does not support the pos facade',
    })
    const refund = await call('POST', '/refunds', { body: { token: pos, invoiceId: created.json.data.id, amount: 1 } })
    expect(refund.status).toBe(403)
  })

  it('ignores signature headers on public endpoints', async () => {
    const res = await call('GET', '/rates/ETH/USD', {
      headers: { 'x-identity': '02' + '0'.repeat(64), 'x-signature': 'bad' },
    })
    expect(res.status).toBe(200)
    expect(res.json.data).toEqual({ code: 'USD', name: 'US Dollar', rate: 3000 })
  })
})

describe('API sessions', () => {
  it('serializes request numbers: a retry replays the cached response, out of order is refused', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const opened = await signed(identity, 'POST', '/sessions', {})
    const sessionId = opened.json.data.id
    const headers = (n: number) => ({ 'x-session-id': sessionId, 'x-request-number': String(n) })

    const first = await signed(
      identity,
      'POST',
      '/invoices',
      { token, price: 5, currency: 'USD', guid: 'g-1' },
      headers(1),
    )
    expect(first.status).toBe(200)
    // The client lost the answer and retries request 1: same invoice, no second one.
    const retry = await signed(
      identity,
      'POST',
      '/invoices',
      { token, price: 5, currency: 'USD', guid: 'g-1' },
      headers(1),
    )
    expect(retry.headers.get('x-session-replayed')).toBe('true')
    expect(retry.json.data.id).toBe(first.json.data.id)
    const count = await env.DB.prepare('SELECT COUNT(*) AS n FROM bitpay_invoices WHERE merchant_id = ?')
      .bind(m.id)
      .first<{ n: number }>()
    expect(count?.n).toBe(1)

    const skipped = await signed(identity, 'POST', '/invoices', { token, price: 6, currency: 'USD' }, headers(3))
    expect(skipped.status).toBe(409)
    expect(skipped.json.error).toMatch(/Expected requestNumber 2/)
    const second = await signed(identity, 'POST', '/invoices', { token, price: 6, currency: 'USD' }, headers(2))
    expect(second.status).toBe(200)

    // Another identity cannot use (or replay from) the session.
    const intruder = await signed(
      newIdentity(),
      'GET',
      `/invoices/${first.json.data.id}?token=${token}`,
      undefined,
      headers(2),
    )
    expect(intruder.status).toBe(401)
  })

  it('ends a session after 15 minutes of inactivity', async () => {
    const identity = newIdentity()
    const opened = await signed(identity, 'POST', '/sessions', {})
    const stub = env.API_SESSION.get(env.API_SESSION.idFromName(opened.json.data.id))
    const step = await stub.begin(1, identity.sin, { hash: 'h', tokenHash: null }, Date.now() + 15 * 60_000 + 1000)
    expect(step).toMatchObject({ kind: 'error', reason: 'expired' })
  })
})

describe('invoices and refunds through BitPay paths', () => {
  it('gets and cancels by guid, resends notifications with the invoice token, and codes each error', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const created = (await signed(identity, 'POST', '/invoices', { token, price: 9, currency: 'USD', guid: 'order-9' }))
      .json.data
    const byGuid = await signed(identity, 'GET', `/invoices/guid/order-9?token=${token}`)
    expect(byGuid.json.data.id).toBe(created.id)
    const dup = await signed(identity, 'POST', '/invoices', { token, price: 9, currency: 'USD', guid: 'order-9' })
    expect(dup.json.code).toBe('010102')

    const resend = await signed(identity, 'POST', `/invoices/${created.id}/notifications`, { token: created.token })
    expect(resend.json).toEqual({ status: 'success', data: {} })
    const badResend = await signed(identity, 'POST', `/invoices/${created.id}/notifications`, { token: 'wrong' })
    expect(badResend.json.code).toBe('010101')

    const cancelled = await signed(identity, 'DELETE', `/invoices/guid/order-9?token=${token}`)
    expect(cancelled.json.data.status).toBe('expired')
    const cancelAgain = await signed(identity, 'DELETE', `/invoices/${created.id}?token=${token}`)
    expect(cancelAgain.json.code).toBe('040117')

    const missing = await signed(identity, 'GET', `/refunds/nope?token=${token}`)
    expect(missing.json.code).toBe('020201')
    const badPrice = await signed(identity, 'POST', '/invoices', { token, price: -1, currency: 'USD' })
    expect(badPrice.json.code).toBe('010102')
  })

  it('refuses a refund above the price and a second active refund', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const inv = (await signed(identity, 'POST', '/invoices', { token, price: 10, currency: 'USD' })).json.data
    const paid = await signed(identity, 'PUT', `/invoices/pay/${inv.id}`, { token, status: 'complete' })
    expect(['confirmed', 'complete']).toContain(paid.json.data.status)
    const tooMuch = await signed(identity, 'POST', '/refunds', { token, invoiceId: inv.id, amount: 10.01 })
    expect(tooMuch.json.code).toBe('010202')
    const preview = await signed(identity, 'POST', '/refunds', { token, invoiceId: inv.id, amount: 4, preview: true })
    expect(preview.json.data.status).toBe('preview')
    const second = await signed(identity, 'POST', '/refunds', { token, invoiceId: inv.id, amount: 1 })
    expect(second.json.code).toBe('010204')
    const submitted = await signed(identity, 'PUT', `/refunds/${preview.json.data.id}`, { token, status: 'created' })
    expect(submitted.json.data.status).toBe('created')
    const notified = await signed(identity, 'POST', `/refunds/${preview.json.data.id}/notifications`, {
      token: preview.json.data.token,
    })
    expect(notified.json.status).toBe('success')

    // A live token of the same merchant does not see test-mode refunds.
    const liveIdentity = newIdentity()
    const liveToken = await pairToken(m.liveKey, liveIdentity)
    const crossMode = await signed(liveIdentity, 'GET', `/refunds/${preview.json.data.id}?token=${liveToken}`)
    expect(crossMode.json.code).toBe('020201')
  })

  it('answers /payouts and /recipients without a token with a BitPay error (they need the payout facade)', async () => {
    for (const path of ['/payouts', '/recipients']) {
      const res = await call('GET', path)
      expect(res.status).toBe(401)
      expect(res.json).toMatchObject({ status: 'error', code: '020000', data: null })
    }
  })
})

describe('random bodies at every BitPay POST', () => {
  it('never produce a 5xx', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const inv = (await signed(identity, 'POST', '/invoices', { token, price: 3, currency: 'USD' })).json.data
    const paths = [
      '/tokens',
      '/invoices',
      '/refunds',
      '/sessions',
      `/invoices/${inv.id}/notifications`,
      `/refunds/x/notifications`,
    ]
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            token: fc.oneof(fc.constant(token), fc.string()),
            price: fc.oneof(fc.double(), fc.string(), fc.integer()),
            currency: fc.string(),
            invoiceId: fc.string(),
            amount: fc.oneof(fc.double(), fc.string()),
            id: fc.string(),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 100 }),
    )
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), body, async (path, raw) => {
        const res = await call('POST', path, { body: raw, raw: true, headers: signHeaders(identity, url(path), raw) })
        expect(res.status, `${path} ${raw} → ${res.text}`).toBeLessThan(500)
        if (res.status >= 400) expect(res.json?.code, res.text).toMatch(/^\d{6}$/)
      }),
      { numRuns: 120 },
    )
  })
})

describe('/openapi.json', () => {
  it('documents the BitPay paths from their zod schemas', async () => {
    const doc = (await call('GET', '/openapi.json')).json
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/tokens',
        '/invoices',
        '/invoices/{id}',
        '/refunds',
        '/rates/{base}/{currency}',
        '/sessions',
      ]),
    )
    expect(doc.paths['/invoices'].post.requestBody.content['application/json'].schema.properties).toHaveProperty(
      'price',
    )
  })
})
