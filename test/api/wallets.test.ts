import { HDKey } from '@scure/bip32'
import { describe, expect, it } from 'vitest'
import { deriveDepositAddress } from '../../src/chain/addresses'
import { call, createMerchant, merchantWithWallet, randomXpub, TEST_XPUB } from '../helpers/api'

describe('POST /v1/wallets', () => {
  it('registers an xpub wallet and an address wallet', async () => {
    const m = await createMerchant()
    const xpub = await call('POST', '/v1/wallets', {
      key: m.testKey,
      body: { chain_id: 8453, xpub: TEST_XPUB, label: 'Base' },
    })
    expect(xpub.status).toBe(201)
    expect(xpub.json.data).toMatchObject({
      object: 'wallet',
      chain_id: 8453,
      chain_name: 'Base',
      type: 'xpub',
      xpub: TEST_XPUB,
      label: 'Base',
      livemode: false,
      addresses_issued: 0,
    })
    const addr = await call('POST', '/v1/wallets', {
      key: m.testKey,
      body: { chain_id: 137, address: '0x5fbdb2315678afecb367f032d93f642f64180aa3' },
    })
    expect(addr.status).toBe(201)
    expect(addr.json.data.address).toBe('0x5FbDB2315678afecb367f032d93F642f64180aa3')
    const list = await call('GET', '/v1/wallets', { key: m.testKey })
    expect(list.json.data).toHaveLength(2)
    expect((await call('GET', '/v1/wallets', { key: m.liveKey })).json.data).toHaveLength(0)
  })

  it.each<[string, Record<string, unknown>, number, string]>([
    ['an invalid xpub', { chain_id: 1, xpub: 'xpub-nope' }, 400, 'xpub'],
    ['an xprv', { chain_id: 1, xpub: HDKey.fromMasterSeed(new Uint8Array(16)).privateExtendedKey }, 400, 'xpub'],
    ['an invalid address', { chain_id: 1, address: '0x123' }, 400, 'address'],
    [
      'both xpub and address',
      { chain_id: 1, xpub: TEST_XPUB, address: '0x5FbDB2315678afecb367f032d93F642f64180aa3' },
      400,
      'xpub',
    ],
    ['neither', { chain_id: 1 }, 400, 'xpub'],
    ['an unsupported chain', { chain_id: 5, xpub: TEST_XPUB }, 400, 'chain_id'],
  ])('rejects %s', async (_name, body, status, field) => {
    const m = await createMerchant()
    const res = await call('POST', '/v1/wallets', { key: m.testKey, body })
    expect(res.status).toBe(status)
    expect(res.json.error.field).toBe(field)
  })

  it('refuses a second wallet for the same chain and mode with 409', async () => {
    const m = await merchantWithWallet(1)
    const res = await call('POST', '/v1/wallets', { key: m.testKey, body: { chain_id: 1, xpub: TEST_XPUB } })
    expect(res.status).toBe(409)
    expect(res.json.error).toMatchObject({ code: 'CONFLICT', field: 'chain_id' })
  })
})

describe('wallet balance and transactions', () => {
  it('reports what arrived at the wallet per token, confirmed and pending', async () => {
    const m = await merchantWithWallet()
    const a = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: { amount: '1', currency: 'ETH', chain_id: 31337, token: 'ETH' },
    })
    const b = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: { amount: '0.5', currency: 'ETH', chain_id: 31337, token: 'ETH' },
    })
    await call('POST', `/v1/sandbox/payments/${a.json.data.id}/simulate`, { key: m.testKey, body: {} })
    await call('POST', `/v1/sandbox/payments/${b.json.data.id}/simulate`, {
      key: m.testKey,
      body: { amount: '0.2', confirmed: false },
    })

    const balance = await call('GET', `/v1/wallets/${m.walletId}/balance`, { key: m.testKey })
    expect(balance.status).toBe(200)
    expect(balance.json.data).toEqual({
      wallet_id: m.walletId,
      chain_id: 31337,
      balances: [
        {
          token: 'ETH',
          token_address: null,
          amount: '1.2',
          amount_base_units: '1200000000000000000',
          confirmed_amount: '1',
          pending_amount: '0.2',
          transfers: 2,
        },
      ],
    })
    const txs = await call('GET', `/v1/wallets/${m.walletId}/transactions?limit=1`, { key: m.testKey })
    expect(txs.json.data).toHaveLength(1)
    expect(txs.json.meta.pagination).toMatchObject({ total: 2, has_more: true })
    expect(txs.json.data[0]).toMatchObject({
      chain_id: 31337,
      token: 'ETH',
      tx_hash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    })
  })
})

describe('an address on a chain belongs to one wallet of one merchant and mode', () => {
  const register = (key: string, body: Record<string, unknown>) =>
    call('POST', '/v1/wallets', { key, body: { chain_id: 31337, ...body } })
  const payment = (key: string) =>
    call('POST', '/v1/payments', { key, body: { amount: '1', currency: 'USD', chain_id: 31337, token: 'USDC' } })
  const address = () => deriveDepositAddress(randomXpub(), 0)

  it('refuses an xpub another merchant registered, with a 409 that does not say whose it is', async () => {
    const [a, b] = [await createMerchant(), await createMerchant()]
    const xpub = randomXpub()
    expect((await register(a.testKey, { xpub })).status).toBe(201)
    const res = await register(b.testKey, { xpub })
    expect(res.status).toBe(409)
    expect(res.json.error).toMatchObject({ code: 'CONFLICT', field: 'xpub' })
    expect(res.json.error.message).not.toContain(a.id)
    expect(res.json.error.message).not.toMatch(/merchant/i)
  })

  it('refuses the same xpub on the test and the live wallet of one merchant (addresses would be shared across modes)', async () => {
    const m = await createMerchant()
    const xpub = randomXpub()
    expect((await register(m.testKey, { xpub })).status).toBe(201)
    expect((await register(m.liveKey, { xpub })).json.error).toMatchObject({ code: 'CONFLICT', field: 'xpub' })
  })

  it('allows one xpub on two chains (addresses are per chain)', async () => {
    const m = await createMerchant()
    const xpub = randomXpub()
    expect((await register(m.testKey, { xpub })).status).toBe(201)
    expect((await call('POST', '/v1/wallets', { key: m.testKey, body: { chain_id: 8453, xpub } })).status).toBe(201)
  })

  it.each([
    ['the same case', (a: string) => a],
    ['another case', (a: string) => a.toLowerCase()],
  ])('refuses a single address another merchant (or mode) registered, written in %s', async (_name, spell) => {
    const [a, b] = [await createMerchant(), await createMerchant()]
    const addr = address()
    expect((await register(a.testKey, { address: addr })).status).toBe(201)
    for (const key of [b.testKey, b.liveKey, a.liveKey]) {
      const res = await register(key, { address: spell(addr) })
      expect(res.status).toBe(409)
      expect(res.json.error).toMatchObject({ code: 'CONFLICT', field: 'address' })
    }
  })

  it("refuses, as a single address, an address already handed out from another merchant's xpub", async () => {
    const [a, b] = [await createMerchant(), await createMerchant()]
    const xpub = randomXpub()
    await register(a.testKey, { xpub })
    const p = await payment(a.testKey)
    expect(p.json.data.deposit_address).toBe(deriveDepositAddress(xpub, 0))
    const res = await register(b.testKey, { address: deriveDepositAddress(xpub, 0) })
    expect(res.status).toBe(409)
    expect(res.json.error).toMatchObject({ code: 'CONFLICT', field: 'address' })
  })

  it('never hands out a derived address another merchant registered earlier as a single address: the index is skipped', async () => {
    const [a, b] = [await createMerchant(), await createMerchant()]
    const xpub = randomXpub()
    expect((await register(a.testKey, { xpub })).status).toBe(201)
    // B registers A's (not yet issued) child 0 before A's first payment.
    expect((await register(b.testKey, { address: deriveDepositAddress(xpub, 0) })).status).toBe(201)
    const pa = await payment(a.testKey)
    expect(pa.status).toBe(201)
    expect(pa.json.data.deposit_address).toBe(deriveDepositAddress(xpub, 1))
    expect((await call('GET', `/v1/wallets`, { key: a.testKey })).json.data[0].addresses_issued).toBe(2)
    const pb = await payment(b.testKey)
    expect(pb.json.data.deposit_address).toBe(deriveDepositAddress(xpub, 0))
  })

  it('lets only one of two concurrent registrations of one xpub or address win: one 201, one 409', async () => {
    for (const body of [{ xpub: randomXpub() }, { address: address() }]) {
      const [a, b] = [await createMerchant(), await createMerchant()]
      const results = await Promise.all([register(a.testKey, body), register(b.testKey, body)])
      expect(results.map((r) => r.status).sort()).toEqual([201, 409])
      expect(results.find((r) => r.status === 409)!.json.error).toMatchObject({
        code: 'CONFLICT',
        field: Object.keys(body)[0],
      })
    }
  })

  it('gives the CryptoPay merchant-wallets route the same refusal, on create and on update', async () => {
    const [a, b] = [await createMerchant(), await createMerchant()]
    const addr = address()
    const xpub = randomXpub()
    await call('POST', '/v1/wallets', { key: a.testKey, body: { chain_id: 8453, address: addr } })
    await call('POST', '/v1/wallets', { key: a.testKey, body: { chain_id: 137, xpub } })
    const created = await call('POST', '/api/merchant-wallets/', {
      key: b.testKey,
      body: { blockchain: 'base', address: addr },
    })
    expect(created.status).toBe(409)
    expect(created.json.error).toMatchObject({
      code: 'CONFLICT',
      details: { address: [expect.stringContaining('already in use')] },
    })
    const own = await call('POST', '/api/merchant-wallets/', {
      key: b.testKey,
      body: { blockchain: 'base', address: address() },
    })
    expect(own.status).toBe(201)
    const swapped = await call('PUT', `/api/merchant-wallets/${own.json.data.id}/`, {
      key: b.testKey,
      body: { address: addr },
    })
    expect(swapped.status).toBe(409)
    const polygon = await call('POST', '/api/merchant-wallets/', {
      key: b.testKey,
      body: { blockchain: 'polygon', xpub },
    })
    expect(polygon.status).toBe(409)
  })

  it('releases a single address on update, so it can be registered again, and claims the new one', async () => {
    const [a, b] = [await createMerchant(), await createMerchant()]
    const [first, second] = [address(), address()]
    const w = await register(a.testKey, { address: first })
    const moved = await call('PUT', `/api/merchant-wallets/${w.json.data.id}/`, {
      key: a.testKey,
      body: { address: second },
    })
    expect(moved.status).toBe(200)
    expect((await register(b.testKey, { address: second })).status).toBe(409)
    expect((await register(b.testKey, { address: first })).status).toBe(201)
  })

  it('refuses to change a single address once a payment uses it', async () => {
    const m = await createMerchant()
    const w = await register(m.testKey, { address: address() })
    expect((await payment(m.testKey)).status).toBe(201)
    const res = await call('PUT', `/api/merchant-wallets/${w.json.data.id}/`, {
      key: m.testKey,
      body: { address: address() },
    })
    expect(res.status).toBe(409)
  })
})
