import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { newCounter } from '../../src/chain/rpc'
import { getDb } from '../../src/db/client'
import { payments } from '../../src/db/schema'
import { scanAllChains } from '../../src/services/scanner'
import { seedOpenPayments, sharedChain } from '../helpers/chain'

/** One tick over the shared anvil, counting what reached the RPC endpoint. */
async function tick() {
  const { chains } = sharedChain()
  const counter = newCounter()
  const [report] = await scanAllChains(env, { chains, counter })
  expect(report).toMatchObject({ ok: true })
  return { report: report!, counter }
}

describe('chain scan cost', () => {
  it('sends the same number of RPC requests per tick for 1, 10 and 1,000 open payments', async () => {
    const { chain } = sharedChain()
    const seen: { open: number; natives: number; requests: number; methods: Record<string, number> }[] = []
    let natives = 0
    for (const total of [1, 10, 1000]) {
      const rows = await seedOpenPayments(chain, total - (seen.at(-1)?.open ?? 0))
      natives += rows.filter((r) => r.tokenAddress === null).length
      const { report, counter } = await tick()
      expect(report.openPayments).toBe(total)
      seen.push({ open: total, natives, requests: counter.requests, methods: counter.methods })
    }
    // The head (with eth_chainId) is one request; logs, balances and block hashes share the next one.
    expect(seen.map((s) => s.requests)).toEqual([2, 2, 2])
    // Native balances are one Multicall3 eth_call, whatever the number of native payments.
    expect(seen.at(-1)!.natives).toBeGreaterThan(400)
    for (const s of seen) expect(s.methods).toEqual({ eth_chainId: 1, eth_getBlockByNumber: 1, eth_getLogs: 1, ...(s.natives > 0 ? { eth_call: 1 } : {}) })
  })

  it('reads one eth_getBalance per native payment on a chain configured without Multicall3', async () => {
    const { chains } = sharedChain({ multicall3: null })
    const open = await getDb(env.DB).select({ id: payments.id, tokenAddress: payments.tokenAddress }).from(payments)
    const counter = newCounter()
    const [report] = await scanAllChains(env, { chains, counter })
    expect(report).toMatchObject({ ok: true, openPayments: open.length })
    expect(counter.methods).toEqual({ eth_chainId: 1, eth_getBlockByNumber: 1, eth_getLogs: 1, eth_getBalance: open.filter((p) => p.tokenAddress === null).length })
  })

  it('splits the batch by rpcBatchSize and the log filter by maxLogAddresses (chunked, not per payment)', async () => {
    const { chains, chain } = sharedChain({ rpcBatchSize: 50, maxLogAddresses: 40 })
    await getDb(env.DB).update(payments).set({ status: 'completed', expiresAt: '2000-01-01T00:00:00.000Z' }) // close the first test's payments
    await seedOpenPayments(chain, 100)
    const counter = newCounter()
    const [report] = await scanAllChains(env, { chains, counter })
    expect(report).toMatchObject({ ok: true, openPayments: 100 })
    // 3 eth_getLogs (100 addresses / 40) and one Multicall3 eth_call for the 50 native balances.
    expect(counter.methods).toMatchObject({ eth_getLogs: 3, eth_call: 1 })
    expect(counter.methods.eth_getBalance).toBeUndefined()
    expect(counter.requests).toBe(2)
  })
})
