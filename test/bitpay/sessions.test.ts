import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, merchantWithWallet } from '../helpers/api'
import { GATEWAY, newIdentity, pairToken, signHeaders } from '../helpers/bitpay'

const url = (path: string) => new URL(path, GATEWAY).toString()

/** A BitPay request, signed by `identity` when one is given. */
function send(
  identity: ReturnType<typeof newIdentity> | null,
  method: string,
  path: string,
  body?: Record<string, unknown>,
  extra: Record<string, string> = {},
) {
  const raw = body === undefined ? '' : JSON.stringify(body)
  const signature = identity ? signHeaders(identity, url(path), raw) : {}
  return call(method, path, {
    body: body === undefined ? undefined : raw,
    raw: true,
    headers: { ...signature, ...extra },
  })
}

const numbered = (sessionId: string, n: number) => ({ 'x-session-id': sessionId, 'x-request-number': String(n) })

async function invoiceStatus(id: string) {
  const row = await env.DB.prepare(
    'SELECT p.status FROM payments p JOIN bitpay_invoices b ON b.payment_id = p.id WHERE p.id = ?',
  )
    .bind(id)
    .first<{ status: string }>()
  return row?.status
}

describe('API session retries', () => {
  it('answers another request with the last number with an error, without running it or replaying the cached answer', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const x = (await send(identity, 'POST', '/invoices', { token, price: 5, currency: 'USD' })).json.data
    const opened = await send(identity, 'POST', '/sessions', {})
    const sessionId = opened.json.data.id

    const y = await send(identity, 'POST', '/invoices', { token, price: 7, currency: 'USD' }, numbered(sessionId, 1))
    expect(y.status).toBe(200)

    // Number 1 again, but a cancel of invoice X: refused, X stays open, Y's body is not sent back.
    const cancel = await send(identity, 'DELETE', `/invoices/${x.id}?token=${token}`, undefined, numbered(sessionId, 1))
    expect(cancel.status).toBe(409)
    expect(cancel.json).toMatchObject({
      status: 'error',
      code: expect.stringMatching(/^04\d{4}$/),
      data: null,
      error: expect.stringMatching(/requestNumber 1 was already used for a different request/),
    })
    expect(cancel.headers.get('x-session-replayed')).toBeNull()
    expect(cancel.text).not.toContain(y.json.data.id)
    expect(await invoiceStatus(x.id)).toBe('pending')

    // The same request with another body, or another URL, is not a retry either.
    const otherBody = await send(
      identity,
      'POST',
      '/invoices',
      { token, price: 8, currency: 'USD' },
      numbered(sessionId, 1),
    )
    expect(otherBody.status).toBe(409)
    const count = await env.DB.prepare('SELECT COUNT(*) AS n FROM bitpay_invoices WHERE merchant_id = ?')
      .bind(m.id)
      .first<{ n: number }>()
    expect(count?.n).toBe(2)
    const otherUrl = await send(
      identity,
      'POST',
      '/invoices?x=1',
      { token, price: 7, currency: 'USD' },
      numbered(sessionId, 1),
    )
    expect(otherUrl.status).toBe(409)

    // The true retry still replays, and the session goes on at 2.
    const retry = await send(
      identity,
      'POST',
      '/invoices',
      { token, price: 7, currency: 'USD' },
      numbered(sessionId, 1),
    )
    expect(retry.headers.get('x-session-replayed')).toBe('true')
    expect(retry.json.data.id).toBe(y.json.data.id)
    const next = await send(identity, 'DELETE', `/invoices/${x.id}?token=${token}`, undefined, numbered(sessionId, 2))
    expect(next.status).toBe(200)
    expect(await invoiceStatus(x.id)).toBe('cancelled')
  })

  it('replays an unsigned session only for the same token', async () => {
    const m = await merchantWithWallet()
    const pos = await pairToken(m.testKey, newIdentity(), 'pos')
    const otherPos = await pairToken(m.testKey, newIdentity(), 'pos')
    const sessionId = (await send(null, 'POST', '/sessions', {})).json.data.id
    expect(
      (
        await send(
          null,
          'POST',
          '/invoices',
          { token: pos, price: 5, currency: 'USD', guid: 'g' },
          numbered(sessionId, 1),
        )
      ).status,
    ).toBe(200)

    // Holding the session id is not enough: without the token, or with another, nothing is replayed.
    for (const body of [
      { price: 5, currency: 'USD', guid: 'g' },
      { token: otherPos, price: 5, currency: 'USD', guid: 'g' },
    ]) {
      const res = await send(null, 'POST', '/invoices', body, numbered(sessionId, 1))
      expect(res.status).toBe(401)
      expect(res.json).toMatchObject({ status: 'error', data: null, error: expect.stringMatching(/another token/) })
      expect(res.headers.get('x-session-replayed')).toBeNull()
    }
    const noToken = await send(null, 'GET', '/rates/ETH/USD', undefined, numbered(sessionId, 1))
    expect(noToken.status).toBe(401)
    expect(noToken.text).not.toContain('"guid"')
  })

  it('replays a signed request of an unbound session only to the identity that signed it', async () => {
    const m = await merchantWithWallet()
    const owner = newIdentity()
    const token = await pairToken(m.testKey, owner)
    const sessionId = (await send(null, 'POST', '/sessions', {})).json.data.id
    const body = { token, price: 5, currency: 'USD' }
    expect((await send(owner, 'POST', '/invoices', body, numbered(sessionId, 1))).status).toBe(200)

    const unsigned = await send(null, 'POST', '/invoices', body, numbered(sessionId, 1))
    expect(unsigned.status).toBe(401)
    expect(unsigned.json.error).toMatch(/another identity/)
    const stranger = await send(newIdentity(), 'POST', '/invoices', body, numbered(sessionId, 1))
    expect(stranger.status).toBe(401)
    expect(stranger.headers.get('x-session-replayed')).toBeNull()
    expect(
      (await send(owner, 'POST', '/invoices', body, numbered(sessionId, 1))).headers.get('x-session-replayed'),
    ).toBe('true')
  })
})
