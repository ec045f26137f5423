import type { TestProject } from 'vitest/node'
import { ANVIL_ACCOUNTS, deployLocalContracts, startAnvil, type LocalAddresses } from '../scripts/local-chain.mjs'

const SHARED_CHAIN_ID = 31338

/** What the chain tests get through `inject('anvil')`. */
export interface AnvilContext extends LocalAddresses {
  /** The anvil the worker's CHAINS binding points at (chain 31337). Only test/chain/scanner.e2e.test.ts mines, snapshots and reverts it. */
  rpcUrl: string
  /** A second anvil (chain id 31338), never reverted: tests that pass their own chain registry to the scanner use it. */
  sharedRpcUrl: string
  sharedChainId: number
  accounts: readonly `0x${string}`[]
}

/**
 * Starts two anvils on the ports vitest.config.ts chose (its bindings already name the first), deploys
 * the test tokens and price feed to both, and stops them (whole process groups) in teardown.
 */
export default async function setup(project: TestProject) {
  const ports = [process.env.BITXPAY_TEST_ANVIL_PORT, process.env.BITXPAY_TEST_ANVIL_SHARED_PORT].map(Number)
  if (ports.some((p) => !Number.isInteger(p) || p <= 0))
    throw new Error('vitest.config.ts did not choose the anvil ports')
  const chainIds = [31337, SHARED_CHAIN_ID]
  const started = await Promise.allSettled(ports.map((port, i) => startAnvil({ port, chainId: chainIds[i] })))
  const anvils = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const stop = () => Promise.all(anvils.map((a) => a.stop())).then(() => undefined)
  try {
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed) throw failed.reason
    const [e2e, shared] = anvils as [(typeof anvils)[number], (typeof anvils)[number]]
    const [addresses] = await Promise.all([
      deployLocalContracts(e2e.rpcUrl),
      deployLocalContracts(shared.rpcUrl, SHARED_CHAIN_ID),
    ])
    project.provide('anvil', {
      ...addresses,
      rpcUrl: e2e.rpcUrl,
      sharedRpcUrl: shared.rpcUrl,
      sharedChainId: SHARED_CHAIN_ID,
      accounts: ANVIL_ACCOUNTS,
    })
  } catch (err) {
    await stop()
    throw err
  }
  return stop
}

declare module 'vitest' {
  export interface ProvidedContext {
    anvil: AnvilContext
  }
}
