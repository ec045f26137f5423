import { describe, expect, it } from 'vitest'
import { ChainConfigError, loadChains } from '../../src/chain/registry'

describe('chain registry', () => {
  it('ships Ethereum, Base, Polygon, Arbitrum, Optimism and anvil', () => {
    expect([...loadChains({}).keys()].sort((a, b) => a - b)).toEqual([1, 10, 137, 8453, 31337, 42161])
  })
  it('merges CHAINS by id and tokens by symbol, and RPC_URL_<id> overrides the URL', () => {
    const chains = loadChains({
      CHAINS: JSON.stringify([{ id: 31337, tokens: [{ symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 }] }]),
      RPC_URL_31337: 'http://127.0.0.1:9999',
    })
    const anvil = chains.get(31337)!
    expect(anvil.tokens.map((t) => t.symbol)).toEqual(['ETH', 'USDC'])
    expect(anvil.rpcUrl).toBe('http://127.0.0.1:9999')
  })
  it('refuses invalid config naming the entry', () => {
    expect(() => loadChains({ CHAINS: '{' })).toThrow(ChainConfigError)
    expect(() => loadChains({ CHAINS: JSON.stringify([{ id: 1, tokens: [{ symbol: 'USDC', address: 'nope', decimals: 6 }] }]) })).toThrow(/CHAINS\[0\]\.tokens\.0\.address/)
    expect(() => loadChains({ CHAINS: JSON.stringify([{ id: 999 }]) })).toThrow(/CHAINS\[0\]: a new chain 999/)
  })
})
