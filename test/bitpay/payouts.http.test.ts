import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generatePrivateKey } from 'viem/accounts'
import { call, createMerchant } from '../helpers/api'
import { GATEWAY, newIdentity, pairToken, signedCall as signed, signHeaders } from '../helpers/bitpay'
import { MAX_GROUP_INSTRUCTIONS } from '../../src/domain/bitpay-payouts'

/** A merchant with a test payout wallet, a payout token (and its identity), and one active recipient. */
async function world() {
  const m = await createMerchant()
  await call('POST', '/v1/payout-wallets', {
    key: m.testKey,
    body: { chain_id: 31337, private_key: generatePrivateKey() },
  })
  const identity = newIdentity()
  const token = await pairToken(m.testKey, identity, 'payout')
  const email = `r.${crypto.randomUUID().slice(0, 8)}@example.com`
  const invited = await signed(identity, 'POST', '/recipients', {
    recipients: [{ email, label: 'R', notificationURL: null }],
    token,
    guid: '1796112869631',
  })
  const recipientId = invited.json.data[0].id as string
  await call('POST', `/v1/sandbox/recipients/${recipientId}/activate`, {
    key: m.testKey,
    body: { address: '0x000000000000000000000000000000000000dEaD' },
  })
  const payout = await signed(identity, 'POST', '/payouts', {
    ignoreEmails: false,
    currency: 'USDC',
    amount: 5,
    ledgerCurrency: 'USDC',
    recipientId,
    effectiveDate: '2100-01-01',
    token,
  })
  const groupRes = await signed(identity, 'POST', '/payouts/group', {
    token,
    instructions: [{ currency: 'USDC', amount: 1, recipientId, effectiveDate: '2100-01-01' }],
  })
  return {
    m,
    identity,
    token,
    recipientId,
    email,
    payoutId: payout.json.data.id as string,
    groupId: groupRes.json.created[0].groupId as string,
  }
}

const BITPAY_TRUE = '{"status":"success","data":{},"message":null}'

describe('BitPay /recipients and /payouts: wire shapes', () => {
  it("answers booleans with BitPay's success body, lists without a status key, groups without a wrapper, amounts as exact numbers", async () => {
    const w = await world()
    const list = await signed(w.identity, 'GET', `/payouts?status=new&token=${w.token}`)
    expect(list.status).toBe(200)
    expect(Object.keys(list.json)).toEqual(['facade', 'data'])
    expect(list.json.facade).toBe('payout/payout')
    const empty = await signed(w.identity, 'GET', `/recipients?status=paused&limit=&offset=&token=${w.token}`)
    expect(empty.json).toEqual({ facade: 'payout/recipient', data: [] })

    const exact = await signed(w.identity, 'POST', '/payouts', {
      currency: 'USDC',
      amount: '0.123456',
      recipientId: w.recipientId,
      effectiveDate: '2100-01-01',
      token: w.token,
    })
    expect(exact.text).toContain('"amount":0.123456,')
    expect(exact.json).toMatchObject({ facade: 'payout/payout', status: 'success', message: null })
    // Absent fields are left out, never null (the SDK's payout schema allows no nulls).
    expect(Object.values(exact.json.data)).not.toContain(null)

    // A fiat amount is converted into ledgerCurrency, the token paid; the view shows both.
    const fiat = await signed(w.identity, 'POST', '/payouts', {
      currency: 'USD',
      amount: 10,
      ledgerCurrency: 'USDC',
      recipientId: w.recipientId,
      effectiveDate: '2100-01-01',
      token: w.token,
    })
    expect(fiat.status, fiat.text).toBe(200)
    expect(fiat.text).toContain('"amount":10,')
    expect(fiat.json.data).toMatchObject({ currency: 'USD', ledgerCurrency: 'USDC' })

    const group = await signed(w.identity, 'POST', '/payouts/group', {
      token: w.token,
      instructions: [
        { currency: 'USDC', amount: 1, recipientId: w.recipientId, effectiveDate: '2100-01-01' },
        { amount: 1, recipientId: w.recipientId },
      ],
    })
    expect(Object.keys(group.json).sort()).toEqual(['created', 'failed'])
    expect(group.json.failed).toEqual([{ errMessage: 'currency is required', payee: w.recipientId }])

    const notified = await signed(w.identity, 'POST', `/payouts/${w.payoutId}/notifications`, { token: w.token })
    expect(notified.text).toBe(BITPAY_TRUE)
    expect((await signed(w.identity, 'DELETE', `/payouts/${w.payoutId}?token=${w.token}`)).text).toBe(BITPAY_TRUE)
    expect(
      (await signed(w.identity, 'POST', `/recipients/${w.recipientId}/notifications`, { token: w.token })).text,
    ).toBe(BITPAY_TRUE)
    expect((await signed(w.identity, 'DELETE', `/recipients/${w.recipientId}?token=${w.token}`)).text).toBe(BITPAY_TRUE)
  })
})

describe('BitPay /recipients: up to 1,000 per call', () => {
  it("invites 1,000 recipients in one call (a body over the gateway's usual 64 KiB), in the order given; 1,001 are refused naming recipients", async () => {
    const w = await world()
    const tag = crypto.randomUUID().slice(0, 8)
    const recipients = Array.from({ length: 1000 }, (_, i) => ({
      email: `recipient${i}.${tag}@example.com`,
      label: `Recipient number ${i}`,
      notificationURL: null,
    }))
    expect(JSON.stringify({ recipients }).length).toBeGreaterThan(64 * 1024)
    const res = await signed(w.identity, 'POST', '/recipients', {
      recipients,
      token: w.token,
      guid: String(Date.now()),
    })
    expect(res.status).toBe(200)
    expect(res.json.data).toHaveLength(1000)
    expect(res.json.data.map((r: { email: string }) => r.email)).toEqual(recipients.map((r) => r.email))
    const tooMany = await signed(w.identity, 'POST', '/recipients', {
      recipients: [...recipients, { email: `one.more.${tag}@example.com` }],
      token: w.token,
    })
    expect(tooMany.json).toMatchObject({ status: 'error', code: '010002', error: expect.stringMatching(/^recipients/) })
  }, 120_000)
})

describe('BitPay /recipients and /payouts: errors name the field', () => {
  it('missing and invalid fields give 0003 / 0002 codes and the field', async () => {
    const w = await world()
    const post = (path: string, body: Record<string, unknown>) =>
      signed(w.identity, 'POST', path, { ...body, token: w.token })
    const cases: [Promise<{ status: number; json: { code: string; error: string } }>, number, string, RegExp][] = [
      [post('/payouts', { currency: 'USDC', recipientId: w.recipientId }), 400, '010003', /^amount is required/],
      [post('/payouts', { amount: 'ten', currency: 'USDC', recipientId: w.recipientId }), 400, '010002', /^amount/],
      [post('/payouts', { amount: 5, recipientId: w.recipientId }), 400, '010003', /^currency is required/],
      [post('/payouts', { amount: 5, currency: 'USDC' }), 400, '010003', /recipientId or email is required/],
      [post('/payouts', { amount: 5, currency: 'USDC', shopperId: 'S1' }), 400, '010002', /shopperId is not supported/],
      [
        post('/payouts', { amount: 5, currency: 'USDC', ledgerCurrency: 'DAI', recipientId: w.recipientId }),
        400,
        '010002',
        /^ledgerCurrency must be/,
      ],
      [
        post('/payouts', { amount: 5, currency: 'EUR', ledgerCurrency: 'GBP', recipientId: w.recipientId }),
        400,
        '010002',
        /^ledgerCurrency must be the token paid/,
      ],
      [
        post('/payouts', { amount: 5, currency: 'NOPE', recipientId: w.recipientId }),
        400,
        '010002',
        /NOPE is not available/,
      ],
      [
        post('/payouts', { amount: 5, currency: 'USDC', recipientId: w.recipientId, notificationURL: 'not a url' }),
        400,
        '010002',
        /^notificationURL/,
      ],
      [
        post('/payouts', { amount: 5, currency: 'USDC', recipientId: w.recipientId, reference: 'x'.repeat(101) }),
        400,
        '010002',
        /^reference/,
      ],
      [
        post('/recipients', { recipients: [{ label: 'no email' }] }),
        400,
        '010003',
        /^recipients\.0\.email is required/,
      ],
      [post('/recipients', { recipients: [] }), 400, '010002', /^recipients/],
      [post('/payouts/group', {}), 400, '010003', /^instructions is required/],
      [
        post('/payouts/group', { instructions: Array.from({ length: MAX_GROUP_INSTRUCTIONS + 1 }, () => ({})) }),
        400,
        '010002',
        /^instructions/,
      ],
    ]
    for (const [pending, status, code, message] of cases) {
      const res = await pending
      expect({ status: res.status, code: res.json.code }, res.json.error).toEqual({ status, code })
      expect(res.json.error).toMatch(message)
    }
    const put = await signed(w.identity, 'PUT', `/recipients/${w.recipientId}`, {
      email: 'other@example.com',
      label: 'x',
      notificationURL: null,
      token: w.token,
    })
    expect(put.json).toMatchObject({
      status: 'error',
      code: '030002',
      data: null,
      error: expect.stringMatching(/^email cannot change/),
    })
    const badStatus = await signed(w.identity, 'GET', `/payouts?status=paid&token=${w.token}`)
    expect(badStatus.json).toMatchObject({ code: '020002', error: expect.stringMatching(/^status/) })
    const badLimit = await signed(w.identity, 'GET', `/recipients?limit=0&token=${w.token}`)
    expect(badLimit.json).toMatchObject({ code: '020002', error: expect.stringMatching(/^limit/) })
    // An inactive recipient cannot be paid.
    const invited = await signed(w.identity, 'POST', '/recipients', {
      recipients: [{ email: `i.${crypto.randomUUID().slice(0, 8)}@example.com` }],
      token: w.token,
    })
    const inactive = await post('/payouts', { amount: 5, currency: 'USDC', recipientId: invited.json.data[0].id })
    expect(inactive.json).toMatchObject({
      code: '010000',
      error: expect.stringMatching(/invited; payouts go to active recipients only/),
    })
  })

  it("another merchant's recipient, payout and group are not found (0001 per method)", async () => {
    const a = await world()
    const b = await world()
    const calls: [Promise<{ status: number; json: { code: string } }>, string][] = [
      [signed(b.identity, 'GET', `/recipients/${a.recipientId}?token=${b.token}`), '020001'],
      [
        signed(b.identity, 'PUT', `/recipients/${a.recipientId}`, {
          email: null,
          label: 'stolen',
          notificationURL: null,
          token: b.token,
        }),
        '030001',
      ],
      [signed(b.identity, 'DELETE', `/recipients/${a.recipientId}?token=${b.token}`), '040001'],
      [signed(b.identity, 'POST', `/recipients/${a.recipientId}/notifications`, { token: b.token }), '010001'],
      [signed(b.identity, 'GET', `/payouts/${a.payoutId}?token=${b.token}`), '020001'],
      [signed(b.identity, 'DELETE', `/payouts/${a.payoutId}?token=${b.token}`), '040001'],
      [signed(b.identity, 'POST', `/payouts/${a.payoutId}/notifications`, { token: b.token }), '010001'],
      [signed(b.identity, 'DELETE', `/payouts/group/${a.groupId}?token=${b.token}`), '040001'],
      [
        signed(b.identity, 'POST', '/payouts', {
          amount: 5,
          currency: 'USDC',
          recipientId: a.recipientId,
          token: b.token,
        }),
        '010001',
      ],
      [
        signed(b.identity, 'POST', '/payouts', { amount: 5, currency: 'USDC', email: a.email, token: b.token }),
        '010001',
      ],
    ]
    for (const [pending, code] of calls) {
      const res = await pending
      expect(res.status).toBe(404)
      expect(res.json.code).toBe(code)
    }
    // Lists show only one's own.
    expect((await signed(b.identity, 'GET', `/payouts?groupId=${a.groupId}&token=${b.token}`)).json.data).toEqual([])
    expect(
      (await signed(b.identity, 'GET', `/recipients?token=${b.token}`)).json.data.map((r: { id: string }) => r.id),
    ).toEqual([b.recipientId])
    // Nothing of a's changed.
    expect((await signed(a.identity, 'GET', `/payouts/${a.payoutId}?token=${a.token}`)).json.data.status).toBe('new')
    expect((await signed(a.identity, 'GET', `/recipients/${a.recipientId}?token=${a.token}`)).json.data).toMatchObject({
      status: 'active',
      label: 'R',
    })
  })
})

describe('BitPay payout endpoints take the payout facade only', () => {
  it('refuses merchant and pos tokens, unsigned and foreign-signed payout tokens; payout tokens are refused on merchant routes', async () => {
    const w = await world()
    const merchantIdentity = newIdentity()
    const merchantToken = await pairToken(w.m.testKey, merchantIdentity)
    const posToken = await pairToken(w.m.testKey, newIdentity(), 'pos')
    const routes: [string, string, Record<string, unknown>?][] = [
      ['GET', '/recipients'],
      ['POST', '/recipients', { recipients: [{ email: 'x@example.com' }] }],
      ['GET', `/recipients/${w.recipientId}`],
      ['PUT', `/recipients/${w.recipientId}`, { label: 'x' }],
      ['DELETE', `/recipients/${w.recipientId}`],
      ['POST', `/recipients/${w.recipientId}/notifications`, {}],
      ['GET', '/payouts'],
      ['POST', '/payouts', { amount: 5, currency: 'USDC', recipientId: w.recipientId }],
      ['GET', `/payouts/${w.payoutId}`],
      ['DELETE', `/payouts/${w.payoutId}`],
      ['POST', `/payouts/${w.payoutId}/notifications`, {}],
      ['POST', '/payouts/group', { instructions: [{ amount: 5, currency: 'USDC', recipientId: w.recipientId }] }],
      ['DELETE', `/payouts/group/${w.groupId}`],
    ]
    const withToken = (method: string, path: string, token: string, body?: Record<string, unknown>) =>
      method === 'GET' || method === 'DELETE'
        ? { path: `${path}?token=${token}`, body: undefined }
        : { path, body: { ...body, token } }
    for (const [method, path, body] of routes) {
      const asMerchant = withToken(method, path, merchantToken, body)
      const refused = await signed(merchantIdentity, method, asMerchant.path, asMerchant.body)
      expect(refused.status, `${method} ${path}`).toBe(403)
      expect(refused.json).toMatchObject({
        status: 'error',
        data: null,
        error: 'This endpoint does not support the merchant facade',
      })
      const asPos = withToken(method, path, posToken, body)
      const pos = await call(method, asPos.path, { body: asPos.body })
      expect(pos.status, `${method} ${path}`).toBe(403)
      expect(pos.json.error).toBe('This endpoint does not support the pos facade')
      const asPayout = withToken(method, path, w.token, body)
      expect((await call(method, asPayout.path, { body: asPayout.body })).status, `${method} ${path} unsigned`).toBe(
        401,
      )
      expect(
        (await signed(newIdentity(), method, asPayout.path, asPayout.body)).status,
        `${method} ${path} other identity`,
      ).toBe(401)
    }
    // Nothing was changed by the refused calls.
    expect((await signed(w.identity, 'GET', `/payouts/${w.payoutId}?token=${w.token}`)).json.data.status).toBe('new')
    expect((await signed(w.identity, 'GET', `/recipients/${w.recipientId}?token=${w.token}`)).json.data.status).toBe(
      'active',
    )

    for (const path of ['/invoices', '/ledgers', '/settlements', '/bills']) {
      const res = await signed(w.identity, 'GET', `${path}?token=${w.token}`)
      expect(res.status, path).toBe(403)
      expect(res.json.error).toBe('This endpoint does not support the payout facade')
    }
  })
})

describe('random bodies at the payout POSTs and PUT', () => {
  it('never produce a 5xx, and every refusal carries a 6-digit code', async () => {
    const w = await world()
    const routes: [string, string][] = [
      ['POST', '/payouts'],
      ['POST', '/payouts/group'],
      ['POST', '/recipients'],
      ['PUT', `/recipients/${w.recipientId}`],
      ['POST', `/payouts/${w.payoutId}/notifications`],
      ['POST', `/recipients/${w.recipientId}/notifications`],
    ]
    const instruction = fc.record(
      {
        amount: fc.oneof(fc.double(), fc.string(), fc.integer(), fc.constant(null)),
        currency: fc.oneof(fc.constantFrom('USDC', 'USD', 'ETH', ''), fc.string()),
        ledgerCurrency: fc.oneof(fc.constantFrom('USDC', 'GBP'), fc.string(), fc.constant(null)),
        recipientId: fc.oneof(fc.constant(w.recipientId), fc.string()),
        email: fc.oneof(fc.constant(w.email), fc.string()),
        effectiveDate: fc.oneof(fc.constant('2100-01-01'), fc.string()),
        reference: fc.string(),
        notificationURL: fc.string(),
      },
      { requiredKeys: [] },
    )
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      instruction.map((i) => JSON.stringify({ ...i, token: w.token })),
      fc.array(instruction, { maxLength: 4 }).map((instructions) => JSON.stringify({ token: w.token, instructions })),
      fc
        .array(
          fc.record(
            {
              email: fc.oneof(fc.emailAddress(), fc.string()),
              label: fc.oneof(fc.string(), fc.constant(null)),
              notificationURL: fc.oneof(fc.string(), fc.constant(null)),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        )
        .map((recipients) => JSON.stringify({ token: w.token, recipients })),
      fc.string({ maxLength: 100 }),
    )
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), body, async ([method, path], raw) => {
        const res = await call(method, path, {
          body: raw,
          raw: true,
          headers: signHeaders(w.identity, new URL(path, GATEWAY).toString(), raw),
        })
        expect(res.status, `${method} ${path} ${raw} → ${res.text}`).toBeLessThan(500)
        if (res.status >= 400) expect(res.json?.code, res.text).toMatch(/^\d{6}$/)
      }),
      { numRuns: 150 },
    )
  }, 120_000)
})
