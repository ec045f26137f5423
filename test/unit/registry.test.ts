import { describe, expect, it } from 'vitest'
import { ChainConfigError, finalityDepth, inspectChains, loadChains } from '../../src/chain/registry'

describe('chain registry', () => {
  it('ships Ethereum, Base, Polygon, Arbitrum, Optimism and anvil', () => {
    expect([...loadChains({}).keys()].sort((a, b) => a - b)).toEqual([1, 10, 137, 8453, 31337, 42161])
  })
  it('merges CHAINS by id and tokens by symbol, and RPC_URL_<id> overrides the URL', () => {
    const chains = loadChains({
      CHAINS: JSON.stringify([
        { id: 31337, tokens: [{ symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 }] },
      ]),
      RPC_URL_31337: 'http://127.0.0.1:9999',
    })
    const anvil = chains.get(31337)!
    expect(anvil.tokens.map((t) => t.symbol)).toEqual(['ETH', 'USDC'])
    expect(anvil.rpcUrl).toBe('http://127.0.0.1:9999')
  })
  it('refuses invalid config naming the entry', () => {
    expect(() => loadChains({ CHAINS: '{' })).toThrow(ChainConfigError)
    expect(() =>
      loadChains({ CHAINS: JSON.stringify([{ id: 1, tokens: [{ symbol: 'USDC', address: 'nope', decimals: 6 }] }]) }),
    ).toThrow(/CHAINS\[0\]\.tokens\.0\.address/)
    expect(() => loadChains({ CHAINS: JSON.stringify([{ id: 999 }]) })).toThrow(/CHAINS\[0\]: a new chain 999/)
  })
})

describe('chain registry: feeds, limits and per-chain problems', () => {
  it("replaces a chain's price feeds when CHAINS gives them ([] switches the built-ins off)", () => {
    expect(
      loadChains({})
        .get(1)!
        .priceFeeds.map((f) => f.symbol),
    ).toEqual(['ETH', 'USDC', 'USDT', 'EUR', 'GBP'])
    const chains = loadChains({
      CHAINS: JSON.stringify([
        { id: 1, priceFeeds: [] },
        { id: 31337, priceFeeds: [{ symbol: 'ETH', address: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0' }] },
      ]),
    })
    expect(chains.get(1)!.priceFeeds).toEqual([])
    expect(chains.get(31337)!.priceFeeds).toEqual([
      { symbol: 'ETH', address: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0', maxAgeSeconds: 4200 },
    ])
    expect(chains.get(31337)).toMatchObject({ maxLogAddresses: 1000, rpcBatchSize: 1000 })
  })
  it('inspectChains leaves out only the chain whose entry is bad and says why', () => {
    const { chains, problems } = inspectChains({
      CHAINS: JSON.stringify([{ id: 8453, rpcUrl: 'nope' }, { id: 31337, maxLogRange: 50 }, { name: 'no id' }]),
    })
    expect(chains.has(8453)).toBe(false)
    expect(chains.get(31337)!.maxLogRange).toBe(50)
    expect(chains.has(1)).toBe(true)
    expect(problems).toEqual([
      { chainId: 8453, message: expect.stringMatching(/^CHAINS\[0\]\.rpcUrl/) },
      { chainId: null, message: expect.stringMatching(/^CHAINS\[2\]\.id/) },
    ])
    expect(() => loadChains({ CHAINS: JSON.stringify([{ id: 8453, rpcUrl: 'nope' }]) })).toThrow(/CHAINS\[0\]\.rpcUrl/)
  })
  it('finality is the deepest configured depth', () => {
    expect(finalityDepth(loadChains({}).get(137)!)).toBe(128)
  })
})
