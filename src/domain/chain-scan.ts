/** Pure rules of the chain scanner: which blocks to scan, whose transfer it is, what a payment has received. */

import { isTerminal, type PaymentStatus, type UnexpectedFunds } from './payment-status'

/** Blocks scanned in one tick, inclusive. */
export interface ScanWindow {
  from: number
  to: number
}

/**
 * The range to scan this tick: resume after `cursor` (null: never scanned, start `maxRange` blocks
 * back), but always re-scan the last `finality` blocks so a transfer re-mined after a reorg is found
 * again; never more than `maxRange` blocks (the provider's eth_getLogs limit), the rest next tick.
 */
export function scanWindow(cursor: number | null, head: number, finality: number, maxRange: number): ScanWindow {
  const from =
    cursor === null || cursor < 0
      ? Math.max(0, head - maxRange + 1)
      : Math.max(0, Math.min(cursor + 1, head - finality + 1))
  return { from, to: Math.min(head, from + maxRange - 1) }
}

/** Confirmations of a block at `head`: 1 when it is the head, 0 when it is not (yet) on the chain. */
export function confirmationsAt(head: number, block: number): number {
  return block > head ? 0 : head - block + 1
}

/** A transfer seen on chain, before it is matched to a payment. */
export interface Transfer {
  txHash: string
  /** Log index for token transfers; -1 for native value (one per transaction and recipient). */
  logIndex: number
  blockNumber: number
  blockHash: string
  from: string | null
  to: string
  /** Token contract, or null for the native coin. */
  contract: string | null
  amount: bigint
  /** `other`: a Transfer event that is not a fungible amount (e.g. an ERC-721 token id). */
  kind: 'fungible' | 'other'
  /** Set when the scanner could not identify the transaction (native value moved by a contract). */
  note?: string
}

/** The part of an open payment the matcher reads. */
export interface Candidate {
  id: string
  merchantId: string
  walletId: string | null
  /** Token contract the payment expects, or null for the native coin. */
  tokenAddress: string | null
  token: string
  payAmount: string
  amountReceived: string
  /** Closed longer than the late-payment window: money still lands on it, but as unexpected funds. */
  afterWindow?: boolean
}

export interface Attribution {
  paymentId: string | null
  merchantId: string
  walletId: string | null
  /** Token symbol, or the contract address when the token is not in the registry. */
  token: string
  /** Why the transfer counts toward no payment; null when it does. */
  note: string | null
  /** Set when the transfer is money the payment was not expecting (recorded, never counted). */
  unexpected: UnexpectedFunds | null
}

/**
 * Decides which payment a transfer to a deposit address pays. `candidates` are the watched payments
 * of the wallet holding that address (several only for single-address wallets, where an exact unpaid
 * amount breaks the tie; payments past the late-payment window only when no other is open there);
 * `symbolOf` names a token contract. A transfer that pays nothing is still recorded, with a note, and
 * money the payment was not expecting (another configured asset, or after the window) is recorded on
 * that payment as `unexpected`, never counted toward it.
 */
export function attributeTransfer(
  transfer: Transfer,
  candidates: Candidate[],
  symbolOf: (contract: string | null) => string | undefined,
): Attribution | null {
  const open = candidates.filter((c) => !c.afterWindow)
  const pool = open.length > 0 ? open : candidates
  const first = pool[0]
  if (!first) return null
  const symbol = symbolOf(transfer.contract)
  const owner = {
    merchantId: first.merchantId,
    walletId: first.walletId,
    token: symbol ?? transfer.contract ?? 'NATIVE',
  }
  const unmatched = (note: string): Attribution => ({ ...owner, paymentId: null, note, unexpected: null })
  if (transfer.kind === 'other') return unmatched('not a fungible token transfer')
  if (symbol === undefined) return unmatched(`unknown token contract ${transfer.contract}`)
  if (transfer.amount === 0n) return unmatched('zero-value transfer')
  const sameToken = pool.filter((c) => sameAddress(c.tokenAddress, transfer.contract))
  if (sameToken.length === 0) {
    const note = `wrong token: ${symbol} sent to payment ${first.id}, which expects ${first.token}`
    // One payment at the address: the money is that payment's, kept on it as a wrong asset.
    return { ...owner, paymentId: pool.length === 1 ? first.id : null, note, unexpected: 'wrong_asset' }
  }
  let chosen = sameToken.length === 1 ? sameToken[0] : undefined
  if (!chosen) {
    const exact = sameToken.filter((c) => BigInt(c.payAmount) === transfer.amount && BigInt(c.amountReceived) === 0n)
    chosen = exact.length === 1 ? exact[0] : undefined
    if (!chosen) return unmatched(`ambiguous: ${sameToken.length} open payments at this address expect ${symbol}`)
  }
  if (chosen.afterWindow) {
    return {
      ...owner,
      paymentId: chosen.id,
      note: `received after the late-payment window of payment ${chosen.id}`,
      unexpected: 'after_window',
    }
  }
  return {
    ...owner,
    merchantId: chosen.merchantId,
    walletId: chosen.walletId,
    paymentId: chosen.id,
    note: null,
    unexpected: null,
  }
}

/** An open payment as seen with the claim on its deposit address (`claimed` false: no claim row). */
export interface ClaimedPayment {
  walletId: string | null
  depositAddress: string
  claimed: boolean
  /** The wallet holding the address; null with `claimed` true marks a disputed address. */
  claimWalletId: string | null
}

/**
 * Keeps only the payments a transfer to their address may pay: those of the wallet that holds the
 * address. A disputed address (claimed by nobody) pays nobody; an address without a claim row (data
 * from before claims) pays its payments only when they all belong to one wallet.
 */
export function paymentsOfOwner<T extends ClaimedPayment>(payments: readonly T[]): T[] {
  const byAddress = new Map<string, T[]>()
  for (const p of payments) {
    const key = p.depositAddress.toLowerCase()
    byAddress.set(key, [...(byAddress.get(key) ?? []), p])
  }
  const kept: T[] = []
  for (const list of byAddress.values()) {
    const claim = list.find((p) => p.claimed)
    if (claim) {
      if (claim.claimWalletId !== null) kept.push(...list.filter((p) => p.walletId === claim.claimWalletId))
      continue
    }
    if (new Set(list.map((p) => p.walletId)).size === 1) kept.push(...list)
  }
  return kept
}

/** Case-insensitive address equality; null is the native coin. */
export function sameAddress(a: string | null, b: string | null): boolean {
  return a === null || b === null ? a === b : a.toLowerCase() === b.toLowerCase()
}

/** What the chain says a payment has received, as the PaymentObject takes it. */
export interface Funds {
  received: bigint
  /** The part at the payment's required depth. */
  confirmed: bigint
  /** Depth of the least-confirmed transfer (0 when nothing arrived). */
  confirmations: number
}

/** Totals of a payment's live (not reorged-out) transfers. */
export function fundsOf(transfers: { amount: bigint; confirmations: number }[], required: number): Funds {
  let received = 0n
  let confirmed = 0n
  let confirmations = Infinity
  for (const t of transfers) {
    received += t.amount
    if (t.confirmations >= required) confirmed += t.amount
    confirmations = Math.min(confirmations, t.confirmations)
  }
  return { received, confirmed, confirmations: Number.isFinite(confirmations) ? confirmations : 0 }
}

/**
 * Whether the PaymentObject needs to hear about `funds` (the scanner calls it only then). A closed
 * payment only cares about more money (paid_late) or, at the same total, a new depth to show; a
 * completed one also about less (a reorg removed a transfer).
 */
export function fundsChanged(
  payment: { status: PaymentStatus; amountReceived: string; confirmations: number },
  funds: Funds,
): boolean {
  const received = BigInt(payment.amountReceived)
  // A reorg took money away from a completed payment: it must be marked.
  if (payment.status === 'completed' && funds.received < received) return true
  if (isTerminal(payment.status))
    return funds.received > received || (funds.received === received && funds.confirmations !== payment.confirmations)
  return received !== funds.received || payment.confirmations !== funds.confirmations
}

/**
 * Native coin arriving at a deposit address shows as balance above the balance at allocation
 * (`baseline`) not yet covered by recorded transfers. Returns the unrecorded amount (≤ 0: nothing new).
 */
export function unrecordedNative(balance: bigint, baseline: bigint, recorded: bigint): bigint {
  return balance - baseline - recorded
}

/** A block range being narrowed to the first block where an unrecorded arrival shows. */
export interface Search {
  lo: number
  hi: number
}

/** The block to probe next, or null when the search is done (the answer is `lo`). */
export function probe(search: Search): number | null {
  return search.lo >= search.hi ? null : Math.floor((search.lo + search.hi) / 2)
}

/** Narrows the search with the result at `block` (true: the arrival already shows there). */
export function narrow(search: Search, block: number, shows: boolean): Search {
  return shows ? { lo: search.lo, hi: block } : { lo: block + 1, hi: search.hi }
}

/** Splits a list into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * Groups items, in order, so that each group's summed size stays within `maxSize` (an item bigger
 * than that gets a group of its own): the JSON-RPC calls of one batch split into request bodies
 * a node accepts.
 */
export function packBySize<T>(items: readonly T[], sizeOf: (item: T) => number, maxSize: number): T[][] {
  const out: T[][] = []
  let current: T[] = []
  let used = 0
  for (const item of items) {
    const size = sizeOf(item)
    if (current.length > 0 && used + size > maxSize) {
      out.push(current)
      current = []
      used = 0
    }
    current.push(item)
    used += size
  }
  if (current.length > 0) out.push(current)
  return out
}
