import { HDKey } from '@scure/bip32'
import { describe, expect, it } from 'vitest'
import { call, createMerchant, merchantWithWallet, TEST_XPUB } from '../helpers/api'

describe('POST /v1/wallets', () => {
  it('registers an xpub wallet and an address wallet', async () => {
    const m = await createMerchant()
    const xpub = await call('POST', '/v1/wallets', { key: m.testKey, body: { chain_id: 8453, xpub: TEST_XPUB, label: 'Base' } })
    expect(xpub.status).toBe(201)
    expect(xpub.json.data).toMatchObject({ object: 'wallet', chain_id: 8453, chain_name: 'Base', type: 'xpub', xpub: TEST_XPUB, label: 'Base', livemode: false, addresses_issued: 0 })
    const addr = await call('POST', '/v1/wallets', { key: m.testKey, body: { chain_id: 137, address: '0x5fbdb2315678afecb367f032d93f642f64180aa3' } })
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
    ['both xpub and address', { chain_id: 1, xpub: TEST_XPUB, address: '0x5FbDB2315678afecb367f032d93F642f64180aa3' }, 400, 'xpub'],
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
    const a = await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '1', currency: 'ETH', chain_id: 31337, token: 'ETH' } })
    const b = await call('POST', '/v1/payments', { key: m.testKey, body: { amount: '0.5', currency: 'ETH', chain_id: 31337, token: 'ETH' } })
    await call('POST', `/v1/sandbox/payments/${a.json.data.id}/simulate`, { key: m.testKey, body: {} })
    await call('POST', `/v1/sandbox/payments/${b.json.data.id}/simulate`, { key: m.testKey, body: { amount: '0.2', confirmed: false } })

    const balance = await call('GET', `/v1/wallets/${m.walletId}/balance`, { key: m.testKey })
    expect(balance.status).toBe(200)
    expect(balance.json.data).toEqual({
      wallet_id: m.walletId,
      chain_id: 31337,
      balances: [
        { token: 'ETH', token_address: null, amount: '1.2', amount_base_units: '1200000000000000000', confirmed_amount: '1', pending_amount: '0.2', transfers: 2 },
      ],
    })
    const txs = await call('GET', `/v1/wallets/${m.walletId}/transactions?limit=1`, { key: m.testKey })
    expect(txs.json.data).toHaveLength(1)
    expect(txs.json.meta.pagination).toMatchObject({ total: 2, has_more: true })
    expect(txs.json.data[0]).toMatchObject({ chain_id: 31337, token: 'ETH', tx_hash: expect.stringMatching(/^0x[0-9a-f]{64}$/) })
  })
})
