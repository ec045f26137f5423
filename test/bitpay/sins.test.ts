import { describe, expect, it } from 'vitest'
import { call, createMerchant } from '../helpers/api'
import { GATEWAY, newIdentity, pairToken, signHeaders } from '../helpers/bitpay'

type Identity = ReturnType<typeof newIdentity>

/** A signed BitPay request as the official clients send it (signature over the full URL + body). */
async function signed(identity: Identity, method: string, path: string, body?: unknown) {
  const url = `${GATEWAY}${path.slice(1)}`
  const text = body === undefined ? '' : JSON.stringify(body)
  return call(method, path, {
    headers: { ...signHeaders(identity, url, text), 'X-Accept-Version': '2.0.0' },
    ...(body === undefined ? {} : { body: text, raw: true }),
  })
}

async function setup() {
  const m = await createMerchant()
  const first = newIdentity()
  const token = await pairToken(m.testKey, first)
  return { m, first, token }
}

describe('token SINs: GET/POST /tokens/{token}/sins, DELETE /tokens/{token}/sins/{sin}', () => {
  it('lists the SIN a token was paired with', async () => {
    const { first, token } = await setup()
    const res = await signed(first, 'GET', `/tokens/${token}/sins`)
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ data: { sins: [first.sin] } })
  })

  it('links a second key, which can then use the token (ledgers, GET /tokens)', async () => {
    const { first, token } = await setup()
    const second = newIdentity()
    expect((await signed(second, 'GET', `/ledgers?token=${token}`)).status).toBe(401)
    const linked = await signed(first, 'POST', `/tokens/${token}/sins`, { sin: second.sin })
    expect(linked.json).toEqual({ data: { sins: [first.sin, second.sin] } })
    expect((await signed(first, 'POST', `/tokens/${token}/sins`, { sin: second.sin })).json.data.sins).toHaveLength(2)
    const ledgers = await signed(second, 'GET', `/ledgers?token=${token}`)
    expect(ledgers.status).toBe(200)
    expect(ledgers.json.data).toEqual([])
    expect((await signed(second, 'GET', '/tokens')).json.data).toEqual([{ merchant: token }])
  })

  it('unlinks a SIN when signed by a SIN that stays; the unlinked key can no longer use the token', async () => {
    const { first, token } = await setup()
    const second = newIdentity()
    await signed(first, 'POST', `/tokens/${token}/sins`, { sin: second.sin })
    const self = await signed(first, 'DELETE', `/tokens/${token}/sins/${first.sin}`)
    expect(self.status).toBe(403)
    expect(self.json).toMatchObject({ status: 'error', code: '040000' })
    const removed = await signed(second, 'DELETE', `/tokens/${token}/sins/${first.sin}`)
    expect(removed.status).toBe(200)
    expect(removed.json).toEqual({ data: { success: true } })
    expect((await signed(second, 'GET', `/tokens/${token}/sins`)).json.data.sins).toEqual([second.sin])
    const refused = await signed(first, 'GET', `/ledgers?token=${token}`)
    expect(refused.status).toBe(401)
    expect(refused.json.error).toMatch(/another client identity/)
    expect((await signed(first, 'GET', `/tokens/${token}/sins`)).status).toBe(401)
  })

  it('never unlinks the last SIN, and reports SINs that are not linked or malformed, naming the field', async () => {
    const { first, token } = await setup()
    const last = await signed(first, 'DELETE', `/tokens/${token}/sins/${first.sin}`)
    expect(last.status).toBe(400)
    expect(last.json).toMatchObject({ status: 'error', code: '040002', data: null })
    expect(last.json.error).toMatch(/last SIN/)
    const unknown = await signed(first, 'DELETE', `/tokens/${token}/sins/${newIdentity().sin}`)
    expect(unknown.json).toMatchObject({ code: '040001' })
    const malformed = await signed(first, 'POST', `/tokens/${token}/sins`, { sin: 'not-a-sin' })
    expect(malformed.status).toBe(400)
    expect(malformed.json).toMatchObject({ code: '010002' })
    expect(malformed.json.error).toMatch(/^sin /)
    const missing = await signed(first, 'POST', `/tokens/${token}/sins`, {})
    expect(missing.json).toMatchObject({ code: '010003' })
    expect(missing.json.error).toMatch(/sin/)
  })

  it("refuses unsigned calls, other merchants' keys and unknown tokens", async () => {
    const { token } = await setup()
    const unsigned = await call('GET', `/tokens/${token}/sins`)
    expect(unsigned.status).toBe(401)
    const other = await setup()
    const foreign = await signed(other.first, 'POST', `/tokens/${token}/sins`, { sin: other.first.sin })
    expect(foreign.status).toBe(401)
    expect((await signed(other.first, 'GET', `/tokens/nope/sins`)).status).toBe(401)
  })
})
