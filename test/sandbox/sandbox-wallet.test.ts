import { HDKey } from '@scure/bip32'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { deriveDepositAddress } from '../../src/chain/addresses'
import { sandboxKey, sandboxXpub } from '../../src/domain/sandbox'
import { call, createMerchant } from '../helpers/api'

/** An xpub nobody else uses (random seed), so merchants never share one by accident. */
function freshXpub(): string {
  return HDKey.fromMasterSeed(crypto.getRandomValues(new Uint8Array(32))).derive("m/44'/60'/0'").publicExtendedKey
}

const pay = (
  key: string,
  body: Record<string, unknown> = { amount: '12.00', currency: 'USD', chain_id: 31337, token: 'USDC' },
) => call('POST', '/v1/payments', { key, body })

describe('the sandbox wallet', () => {
  it('is listed in GET /v1/wallets for a new merchant, marked sandbox, on the default test chain, test mode only', async () => {
    const m = await createMerchant()
    const list = await call('GET', '/v1/wallets', { key: m.testKey })
    expect(list.status).toBe(200)
    expect(list.json.data).toHaveLength(1)
    const [wallet] = list.json.data
    expect(wallet).toMatchObject({
      object: 'wallet',
      sandbox: true,
      in_use: true,
      livemode: false,
      chain_id: 31337,
      chain_name: 'Anvil (local)',
      type: 'xpub',
      label: 'Sandbox wallet',
    })
    // Deterministic: HKDF(ADMIN_TOKEN-derived key, merchant id) as the BIP32 seed.
    expect(wallet.xpub).toBe(sandboxXpub(sandboxKey({ adminToken: env.ADMIN_TOKEN })!, m.id))
    expect((await call('GET', '/v1/wallets', { key: m.liveKey })).json.data).toEqual([])
    // Listing twice, or racing payments, never makes a second one.
    await Promise.all([call('GET', '/v1/wallets', { key: m.testKey }), pay(m.testKey), pay(m.testKey)])
    expect((await call('GET', '/v1/wallets', { key: m.testKey })).json.data).toHaveLength(1)
  })

  it('hands out the addresses of its xpub through the ordinary allocation', async () => {
    const m = await createMerchant()
    const a = (await pay(m.testKey)).json.data
    const b = (await pay(m.testKey)).json.data
    const [wallet] = (await call('GET', '/v1/wallets', { key: m.testKey })).json.data
    expect([a.deposit_address, b.deposit_address]).toEqual([
      deriveDepositAddress(wallet.xpub, 0),
      deriveDepositAddress(wallet.xpub, 1),
    ])
    expect(wallet.addresses_issued).toBe(2)
  })

  it('never shares an address with another merchant', async () => {
    const merchants = await Promise.all([createMerchant(), createMerchant(), createMerchant()])
    const addresses: string[] = []
    for (const m of merchants)
      for (let i = 0; i < 3; i++) addresses.push((await pay(m.testKey)).json.data.deposit_address)
    expect(new Set(addresses.map((a) => a.toLowerCase())).size).toBe(addresses.length)
    const xpubs = await Promise.all(
      merchants.map(async (m) => (await call('GET', '/v1/wallets', { key: m.testKey })).json.data[0].xpub),
    )
    expect(new Set(xpubs).size).toBe(merchants.length)
  })

  it('is never used for a live payment: a merchant with no live wallet is refused at creation with WALLET_REQUIRED', async () => {
    const m = await createMerchant()
    await pay(m.testKey)
    for (const body of [
      { amount: '10.00', currency: 'USD' },
      { amount: '10.00', currency: 'USD', chain_id: 31337, token: 'USDC' },
    ]) {
      const live = await pay(m.liveKey, body)
      expect(live.status).toBe(422)
      expect(live.json.error).toMatchObject({
        code: 'WALLET_REQUIRED',
        field: 'chain_id',
        message: expect.stringContaining('No live wallet'),
      })
    }
    expect((await call('GET', '/v1/payments', { key: m.liveKey })).json.data).toEqual([])
  })

  it("gives a live payment the live wallet's address, never a sandbox one", async () => {
    const m = await createMerchant()
    const liveXpub = freshXpub()
    expect(
      (await call('POST', '/v1/wallets', { key: m.liveKey, body: { chain_id: 8453, xpub: liveXpub } })).status,
    ).toBe(201)
    const test = (await pay(m.testKey)).json.data
    const live = (await pay(m.liveKey, { amount: '10.00', currency: 'USD', chain_id: 8453, token: 'USDC' })).json.data
    expect(live.deposit_address).toBe(deriveDepositAddress(liveXpub, 0))
    expect(live.deposit_address).not.toBe(test.deposit_address)
    const sandbox = (await call('GET', '/v1/wallets', { key: m.testKey })).json.data.find(
      (w: { sandbox: boolean }) => w.sandbox,
    )
    const sandboxAddresses = [0, 1, 2].map((i) => deriveDepositAddress(sandbox.xpub, i))
    expect(sandboxAddresses).not.toContain(live.deposit_address)
    // A live payment on the sandbox chain (no live wallet there) is refused, not given a sandbox address.
    const refused = await pay(m.liveKey, { amount: '10.00', currency: 'USD', chain_id: 31337, token: 'USDC' })
    expect(refused.json.error).toMatchObject({ code: 'WALLET_REQUIRED', field: 'chain_id' })
  })

  it('is set aside once the merchant registers a test wallet of their own, even on the same chain', async () => {
    const m = await createMerchant()
    const before = (await pay(m.testKey)).json.data
    const own = freshXpub()
    const registered = await call('POST', '/v1/wallets', { key: m.testKey, body: { chain_id: 31337, xpub: own } })
    expect(registered.status, registered.text).toBe(201)
    expect(registered.json.data).toMatchObject({ sandbox: false, in_use: true })
    const after = (await pay(m.testKey)).json.data
    expect(after.deposit_address).toBe(deriveDepositAddress(own, 0))
    expect(after.deposit_address).not.toBe(before.deposit_address)
    const list = (await call('GET', '/v1/wallets', { key: m.testKey })).json.data as {
      sandbox: boolean
      in_use: boolean
      addresses_issued: number
    }[]
    expect(list.find((w) => w.sandbox)).toMatchObject({ in_use: false, addresses_issued: 1 })
    expect(list.filter((w) => !w.sandbox)).toHaveLength(1)
    // A second own wallet on the chain is still a conflict; the sandbox row never counts.
    expect(
      (await call('POST', '/v1/wallets', { key: m.testKey, body: { chain_id: 31337, xpub: freshXpub() } })).status,
    ).toBe(409)
    // The sandbox payment made before keeps working.
    const paid = await call('POST', `/v1/sandbox/payments/${before.id}/simulate`, { key: m.testKey, body: {} })
    expect(paid.json.data).toMatchObject({ status: 'completed', deposit_address: before.deposit_address })
  })

  it('sets the sandbox wallet aside for an own test wallet on another chain too', async () => {
    const m = await createMerchant()
    await pay(m.testKey)
    expect(
      (await call('POST', '/v1/wallets', { key: m.testKey, body: { chain_id: 8453, xpub: freshXpub() } })).status,
    ).toBe(201)
    const refused = await pay(m.testKey)
    expect(refused.status).toBe(422)
    expect(refused.json.error).toMatchObject({ code: 'WALLET_REQUIRED', field: 'chain_id' })
    expect((await pay(m.testKey, { amount: '12.00', currency: 'USD', chain_id: 8453, token: 'USDC' })).status).toBe(201)
  })

  it('cannot have its xpub replaced by the merchant', async () => {
    const m = await createMerchant()
    const [wallet] = (await call('GET', '/v1/wallets', { key: m.testKey })).json.data
    const res = await call('PUT', `/api/merchant-wallets/${wallet.id}/`, {
      key: m.testKey,
      body: { xpub: freshXpub() },
    })
    expect(res.status).toBe(403)
  })
})
