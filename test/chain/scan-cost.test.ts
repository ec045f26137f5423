import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { MULTICALL_CHUNK, newCounter, splittingBatches } from '../../src/chain/rpc'
import { packBySize } from '../../src/domain/chain-scan'
import { getDb } from '../../src/db/client'
import { payments } from '../../src/db/schema'
import { scanAllChains } from '../../src/services/chain/scanner'
import { observationsOf, seedOpenPayments, sharedChain } from '../helpers/chain'

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
    for (const s of seen)
      expect(s.methods).toEqual({
        eth_chainId: 1,
        eth_getBlockByNumber: 1,
        eth_getLogs: 1,
        ...(s.natives > 0 ? { eth_call: 1 } : {}),
      })
  })

  it('reads one eth_getBalance per native payment on a chain configured without Multicall3', async () => {
    const { chains } = sharedChain({ multicall3: null })
    const open = await getDb(env.DB).select({ id: payments.id, tokenAddress: payments.tokenAddress }).from(payments)
    const counter = newCounter()
    const [report] = await scanAllChains(env, { chains, counter })
    expect(report).toMatchObject({ ok: true, openPayments: open.length })
    expect(counter.methods).toEqual({
      eth_chainId: 1,
      eth_getBlockByNumber: 1,
      eth_getLogs: 1,
      eth_getBalance: open.filter((p) => p.tokenAddress === null).length,
    })
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

  it('at 10,000 open payments makes at most 15 JSON-RPC calls, in bodies the node accepts, and still finds every transfer', async () => {
    const { chains, chain, payToken, payNative, ctx } = sharedChain()
    await getDb(env.DB).update(payments).set({ status: 'completed', expiresAt: '2000-01-01T00:00:00.000Z' })
    const rows = await seedOpenPayments(chain, 10_000)
    // Paid: the last native and the last USDC deposit (in the last Multicall3 chunk and the last log filter).
    const native = rows.filter((r) => r.tokenAddress === null).at(-1)!
    const token = rows.filter((r) => r.tokenAddress !== null).at(-1)!
    await payNative(native.depositAddress, 1_000_000_000_000_000n)
    await payToken(ctx.usdc, token.depositAddress, 10_000_000n)
    const bodies: number[] = []
    const measuring: typeof fetch = async (input, init) => {
      if (typeof init?.body === 'string') bodies.push(init.body.length)
      return fetch(input, init)
    }
    const counter = newCounter()
    const [report] = await scanAllChains(env, { chains, counter, fetchFn: measuring })
    expect(report).toMatchObject({ ok: true, openPayments: 10_000 })
    // The head, 10 eth_getLogs of 1,000 addresses and no eth_getBalance (then, for the native arrival,
    // a few single-address Multicall3 probes to find its block, and that block).
    expect(counter.methods).toMatchObject({ eth_chainId: 1, eth_getLogs: 10 })
    expect(counter.methods.eth_getBalance).toBeUndefined()
    // The 2.9 MB of one batch went out as several requests, each under the chain's body limit.
    expect(Math.max(...bodies)).toBeLessThanOrEqual(chain.rpcMaxBodyBytes)
    expect(counter.requests).toBeGreaterThan(2)
    expect((await observationsOf({ paymentId: native.id })).map((o) => o.amount)).toEqual(['1000000000000000'])
    expect((await observationsOf({ paymentId: token.id })).map((o) => o.amount)).toEqual(['10000000'])

    // A tick with nothing new: the head, 10 eth_getLogs, 2 eth_calls for the 5,000 native balances,
    // and the hash of each block below the head that holds a not-yet-final observation (reorg check).
    const quiet = newCounter()
    const [again] = await scanAllChains(env, { chains, counter: quiet })
    const observed = [
      ...(await observationsOf({ paymentId: native.id })),
      ...(await observationsOf({ paymentId: token.id })),
    ]
    const olderBlocks = new Set(observed.map((o) => o.blockNumber).filter((b) => b !== null && b < again!.head!)).size
    expect(quiet.methods).toEqual({
      eth_chainId: 1,
      eth_getBlockByNumber: 1 + olderBlocks,
      eth_getLogs: 10,
      eth_call: Math.ceil(5_000 / MULTICALL_CHUNK),
    })
    expect(quiet.calls - olderBlocks).toBe(14)
  }, 120_000)
})

describe('JSON-RPC batches split by body size', () => {
  it('packs items in order under a size, an oversized item alone', () => {
    const size = (s: string) => s.length
    expect(packBySize(['aa', 'bb', 'cc', 'dddddd', 'e'], size, 4)).toEqual([['aa', 'bb'], ['cc'], ['dddddd'], ['e']])
    expect(packBySize([], size, 4)).toEqual([])
  })

  it('sends a big batch as several requests and answers as one batch, in order', async () => {
    const sent: unknown[][] = []
    const node: typeof fetch = async (_input, init) => {
      const calls = JSON.parse(String(init?.body)) as { id: number }[]
      sent.push(calls)
      return Response.json(calls.map((c) => ({ jsonrpc: '2.0', id: c.id, result: `0x${c.id.toString(16)}` })))
    }
    const calls = Array.from({ length: 10 }, (_, id) => ({
      jsonrpc: '2.0',
      id,
      method: 'eth_call',
      params: ['x'.repeat(100)],
    }))
    const body = JSON.stringify(calls)
    const answer = await splittingBatches(node, 500)('http://rpc', { method: 'POST', body })
    expect(sent.length).toBeGreaterThan(2)
    expect(sent.flat()).toEqual(calls)
    for (const part of sent) expect(JSON.stringify(part).length).toBeLessThanOrEqual(500)
    expect(((await answer.json()) as { id: number }[]).map((a) => a.id)).toEqual(calls.map((c) => c.id))
    // Under the limit (or a single call): one request, untouched.
    sent.length = 0
    await splittingBatches(node, body.length)('http://rpc', { method: 'POST', body })
    expect(sent).toHaveLength(1)
  })

  it('returns a failing part as the answer, so the batch fails as a whole', async () => {
    let n = 0
    const node: typeof fetch = async (_input, init) => {
      n += 1
      if (n === 2) return new Response('too large', { status: 413 })
      return Response.json(
        (JSON.parse(String(init?.body)) as { id: number }[]).map((c) => ({ jsonrpc: '2.0', id: c.id, result: '0x1' })),
      )
    }
    const body = JSON.stringify(
      Array.from({ length: 6 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'eth_chainId', params: ['y'.repeat(100)] })),
    )
    const answer = await splittingBatches(node, 300)('http://rpc', { method: 'POST', body })
    expect(answer.status).toBe(413)
  })
})
