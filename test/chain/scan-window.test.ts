import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { getDb } from '../../src/db/client'
import { chainCursors } from '../../src/db/schema'
import { scanAllChains } from '../../src/services/chain/scanner'
import { cursorOf, observationsOf, seedOpenPayments, sharedChain } from '../helpers/chain'

describe('scan window', () => {
  it('caps each tick at maxLogRange blocks and resumes where the last tick stopped', async () => {
    const shared = sharedChain({ maxLogRange: 4 })
    const [watched] = await seedOpenPayments(shared.chain, 1, { token: 'USDC', viaObject: true })
    const start = await shared.head()
    await getDb(env.DB)
      .insert(chainCursors)
      .values({ chainId: shared.chain.id, lastScannedBlock: start, updatedAt: new Date().toISOString() })
    await shared.mine(5)
    const paid = await shared.payToken(shared.ctx.usdc, watched!.depositAddress, 7_000_000n)
    await shared.mine(10)
    const block = Number(paid.blockNumber)

    const windows: { from: number; to: number }[] = []
    while ((await observationsOf({ to: watched!.depositAddress })).length === 0) {
      const [report] = await scanAllChains(env, { chains: shared.chains })
      expect(report).toMatchObject({ ok: true })
      windows.push(report!.window!)
      expect(windows.length).toBeLessThan(10)
    }
    // Consecutive 4-block windows from the stored cursor, none skipped, until the one holding the transfer.
    for (const [i, w] of windows.entries()) expect(w).toEqual({ from: start + 1 + 4 * i, to: start + 4 * (i + 1) })
    expect(windows.at(-1)!.from).toBeLessThanOrEqual(block)
    expect(windows.at(-1)!.to).toBeGreaterThanOrEqual(block)
    expect((await cursorOf(shared.chain.id))!.lastScannedBlock).toBe(windows.at(-1)!.to)
  })
})
