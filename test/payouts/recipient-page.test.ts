import { describe, expect, it } from 'vitest'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { call, createMerchant } from '../helpers/api'

describe('the recipient invite page', () => {
  it('serves the page for a live invite, 404s an unknown token, and refuses a signature by another key', async () => {
    const m = await createMerchant({ name: 'Acme Payroll' })
    const invited = await call('POST', '/v1/recipients', {
      key: m.testKey,
      body: { recipients: [{ email: 'page@example.com' }] },
    })
    const token = new URL(invited.json.data[0].invite_url as string).pathname.split('/').pop()
    const page = await call('GET', `/recipient/${token}`)
    expect(page.status).toBe(200)
    expect(page.text).toContain('Acme Payroll')
    expect(page.headers.get('content-security-policy')).toContain("script-src 'nonce-")
    expect((await call('GET', '/recipient/nope')).status).toBe(404)

    const owner = privateKeyToAccount(generatePrivateKey())
    const stranger = privateKeyToAccount(generatePrivateKey())
    const { message } = (await call('GET', `/recipient/${token}/challenge?address=${owner.address}`)).json
    const forged = await call('POST', `/recipient/${token}/verify`, {
      body: { address: owner.address, signature: await stranger.signMessage({ message }) },
    })
    expect(forged.status).toBe(401)
    expect(forged.json.error).toBe('invalid_signature')
    const rid = invited.json.data[0].id as string
    expect((await call('GET', `/v1/recipients/${rid}`, { key: m.testKey })).json.data).toMatchObject({
      status: 'unverified',
      address: null,
    })
    // A notification URL goes through the URL policy.
    expect(
      (
        await call('PATCH', `/v1/recipients/${rid}`, {
          key: m.testKey,
          body: { notification_url: 'ftp://example.com/hook' },
        })
      ).status,
    ).toBe(400)
  })
})
