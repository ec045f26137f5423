import { describe, expect, it } from 'vitest'
import { call, createMerchant } from '../helpers/api'
import { callRaw, signatureHeaders, signedOnlyKey } from '../helpers/signing'

/** One GET per merchant surface (v1, BitPay pairing on v1, payment links, CryptoPay). */
const ONE_ROUTE_PER_SURFACE = ['/v1/payments', '/v1/bitpay/tokens', '/api/v1/payments/links', '/api/merchant-wallets/']

describe('one authentication path for merchant keys on every surface', () => {
  it('refuses an unsigned CryptoPay wallet change from a leaked signed-only live key (issue 10 item 2)', async () => {
    const m = await createMerchant()
    const strict = await signedOnlyKey(m.liveKey)
    const body = JSON.stringify({ blockchain: 'arbitrum', address: '0x000000000000000000000000000000000000dEaD' })
    const unsigned = await callRaw('POST', '/api/merchant-wallets/', strict.key, body)
    expect(unsigned.status).toBe(401)
    expect(unsigned.json).toMatchObject({
      success: false,
      error: { code: 'INVALID_SIGNATURE', details: { 'X-Signature': [expect.any(String)] } },
    })
    const forged = await callRaw(
      'POST',
      '/api/merchant-wallets/',
      strict.key,
      body,
      signatureHeaders(m.liveSigningSecret, 'POST', '/api/merchant-wallets/', body),
    )
    expect(forged.status).toBe(401)
    expect((await call('GET', '/v1/wallets', { key: m.liveKey })).json.data).toEqual([])
    const signed = await callRaw(
      'POST',
      '/api/merchant-wallets/',
      strict.key,
      body,
      signatureHeaders(strict.secret, 'POST', '/api/merchant-wallets/', body),
    )
    expect(signed.status).toBe(201)
  })

  it.each(ONE_ROUTE_PER_SURFACE)('accepts an ordinary key unsigned on %s', async (path) => {
    const m = await createMerchant()
    expect((await call('GET', path, { key: m.testKey })).status).toBe(200)
  })

  it.each(ONE_ROUTE_PER_SURFACE)('refuses a revoked key at once on %s', async (path) => {
    const m = await createMerchant()
    const temp = (await call('POST', '/v1/api-keys', { key: m.testKey, body: { name: 'temp' } })).json.data
    expect((await call('GET', path, { key: temp.key })).status).toBe(200)
    expect((await call('DELETE', `/v1/api-keys/${temp.id}`, { key: m.testKey })).status).toBe(200)
    expect((await call('GET', path, { key: temp.key })).status).toBe(401)
  })

  it('keeps the mode of the key on every surface: a live key does not see test resources', async () => {
    const m = await createMerchant()
    await call('POST', '/api/merchant-wallets/', {
      key: m.testKey,
      body: { blockchain: 'base', address: '0x5fbdb2315678afecb367f032d93f642f64180aa3' },
    })
    expect((await call('GET', '/api/merchant-wallets/', { key: m.testKey })).json.data).toHaveLength(1)
    expect((await call('GET', '/api/merchant-wallets/', { key: m.liveKey })).json.data).toEqual([])
    expect((await call('GET', '/v1/wallets', { key: m.liveKey })).json.data).toEqual([])
  })

  it('counts a key against one per-minute limit whichever surface it calls', async () => {
    const m = await createMerchant({ rate_limit_test: ONE_ROUTE_PER_SURFACE.length })
    // Keep the calls inside one fixed minute window.
    const intoMinute = Date.now() % 60_000
    if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50))
    const statuses = []
    for (const path of [...ONE_ROUTE_PER_SURFACE, ONE_ROUTE_PER_SURFACE[3] ?? '', ONE_ROUTE_PER_SURFACE[0] ?? ''])
      statuses.push((await call('GET', path, { key: m.testKey })).status)
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429])
  })
})
