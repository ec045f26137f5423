import { refreshRates } from '../chain/price-feeds'
import { inspectChains } from '../chain/registry'
import { scanAllChains } from './scanner'

/** The cron's chain work: scan every watched chain and refresh the on-chain rates, each on its own. */
export async function runChainCron(env: Env, now = new Date()): Promise<void> {
  const { chains } = inspectChains(env as unknown as Record<string, unknown>)
  await Promise.allSettled([
    scanAllChains(env, { now }).catch((err) => console.error(JSON.stringify({ msg: 'chain scan could not start', error: String(err) }))),
    refreshRates(env, chains, now).catch((err) => console.error(JSON.stringify({ msg: 'rate refresh failed', error: String(err) }))),
  ])
}
