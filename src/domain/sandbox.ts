import { parseDecimal } from './money'

/** What a sandbox payment does on its own, by amount (seed 002's test amounts). */
export type SandboxOutcome = 'complete' | 'fail' | 'process'

/** Seconds after creation at which a sandbox test amount settles. */
export const SANDBOX_SETTLE_SECONDS = 2

const TEST_AMOUNTS: ReadonlyArray<[bigint, SandboxOutcome]> = [
  [10n, 'complete'],
  [20n, 'fail'],
  [30n, 'process'],
]

/** 10.00 completes, 20.00 fails, 30.00 stays processing; any other amount waits for payment. */
export function sandboxOutcome(amount: string): SandboxOutcome | null {
  const { units, scale } = parseDecimal(amount)
  const scaleFactor = 10n ** BigInt(scale)
  if (units % scaleFactor !== 0n) return null
  return TEST_AMOUNTS.find(([value]) => value === units / scaleFactor)?.[1] ?? null
}
