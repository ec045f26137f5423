import { and, eq, gt, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm'
import { getAddress, type PublicClient } from 'viem'
import { addressTopic, transferFromLog } from '../../chain/erc20'
import { finalityDepth, inspectChains, type Chain } from '../../chain/registry'
import {
  balancesAt,
  blockHashAt,
  blockWithTransactions,
  chainClient,
  describeRpcError,
  newCounter,
  readHead,
  redact,
  transferLogs,
  type Head,
  type RpcCounter,
  type RpcOptions,
} from '../../chain/rpc'
import { getDb, type Db } from '../../db/client'
import { chainCursors, depositAddresses, observations, payments, wallets } from '../../db/schema'
import {
  attributeTransfer,
  chunk,
  confirmationsAt,
  fundsChanged,
  fundsOf,
  narrow,
  paymentsOfOwner,
  probe,
  sameAddress,
  scanWindow,
  unrecordedNative,
  type Candidate,
  type ClaimedPayment,
  type ScanWindow,
  type Search,
  type Transfer,
} from '../../domain/chain-scan'
import { zip } from '../../domain/arrays'
import { paymentObject } from '../payments/payments'
import { log } from '../../log'

/** Closed payments stay watched this long after expiry, so late money is flagged paid_late. */
export const LATE_PAYMENT_WINDOW_MS = 24 * 3600_000
/**
 * After the late-payment window a payment's address is still watched this long: money arriving then
 * is recorded on the payment as unexpected funds (and announced), not counted. Past this, the address
 * is no longer scanned (the cost of a tick would otherwise grow with every payment ever made).
 */
export const UNEXPECTED_WATCH_MS = 30 * 24 * 3600_000
/** Rounds of native-coin attribution per payment per tick (each finds one arrival block). */
const NATIVE_ROUNDS = 4
/** PaymentObject calls in flight at once. */
const NOTIFY_CONCURRENCY = 10
/** Observation rows per INSERT (16 columns each; D1 allows 100 bound parameters). */
const INSERT_CHUNK = 6
const ID_CHUNK = 90

export interface ScanOptions extends RpcOptions {
  now?: Date
  /** The chain registry to scan instead of the env's (tests point chains at other RPCs). */
  chains?: Map<number, Chain>
  /**
   * Test seam: runs at a point of the tick; throwing there stands for the watcher being evicted
   * (the isolate gone) at that point: after the RPC reads, before the D1 batch (`beforeCommit`), or
   * after it, before any PaymentObject is told (`afterCommit`).
   */
  interrupt?: (at: 'beforeCommit' | 'afterCommit') => void | Promise<void>
}

/** What one chain's tick did, for logs and the bench. */
export interface ChainScanReport {
  chainId: number
  ok: boolean
  error?: string
  head?: number
  window?: ScanWindow
  openPayments: number
  /** Pending/processing payments or not-yet-final observations remain: the watcher keeps block time. */
  active: boolean
  transfers: number
  removed: number
  notified: number
  rpcRequests: number
  rpcCalls: number
  ms: number
  /**
   * Where the tick's time went, in ms: D1 reads with the head (in parallel), the batch of logs,
   * balances and block hashes, the native-arrival search, the D1 batch, the PaymentObject calls.
   */
  phases?: { read: number; rpc: number; native: number; commit: number; notify: number }
}

type OpenPaymentRow = Awaited<ReturnType<typeof watchedPaymentsQuery>>[number]
type OpenPayment = OpenPaymentRow & ClaimedPayment & { depositAddress: string; afterWindow: boolean }
type ActiveObservation = Awaited<ReturnType<typeof activeObservationsQuery>>[number]
type NewObservation = typeof observations.$inferInsert

/**
 * The cron's chain watcher: scans every chain that has live wallets, each on its own, so a chain
 * whose RPC or config is broken fails loudly (log + chain_cursors.last_error) and is retried next tick
 * from the same cursor while the others go on.
 */
export async function scanAllChains(env: Env, options: ScanOptions = {}): Promise<ChainScanReport[]> {
  const db = getDb(env.DB)
  const chains = await watchedChains(env, options)
  const reports = await Promise.all(chains.map((chain) => scanChainSafely(db, env, chain, options)))
  return reports.sort((a, b) => a.chainId - b.chainId)
}

/**
 * The configured chains that have live wallets (each gets a watcher). Without `options.chains`, a
 * chain whose CHAINS entry is invalid is logged and its error recorded on its cursor.
 */
export async function watchedChains(env: Env, options: Pick<ScanOptions, 'chains' | 'now'> = {}): Promise<Chain[]> {
  const db = getDb(env.DB)
  let chains = options.chains
  if (!chains) {
    const inspected = inspectChains(env as unknown as Record<string, unknown>)
    chains = inspected.chains
    for (const problem of inspected.problems) {
      log.error('chain config invalid; chain not scanned', { chainId: problem.chainId, error: problem.message })
      if (problem.chainId !== null)
        await recordFailure(db, problem.chainId, `config: ${problem.message}`, options.now ?? new Date())
    }
  }
  const watched = await db.selectDistinct({ chainId: wallets.chainId }).from(wallets).where(eq(wallets.livemode, true))
  return watched.flatMap(({ chainId }) => {
    const chain = chains.get(chainId)
    if (!chain && !options.chains) log.error('live wallets on a chain that is not configured', { chainId })
    return chain ? [chain] : []
  })
}

/** One chain's tick; never throws. */
export async function scanChainSafely(
  db: Db,
  env: Env,
  chain: Chain,
  options: ScanOptions = {},
): Promise<ChainScanReport> {
  const started = Date.now()
  const counter = options.counter ?? newCounter()
  try {
    const report = await scanChain(db, env, chain, { ...options, counter })
    log.info('chain scanned', { ...report })
    return report
  } catch (err) {
    const error = describeRpcError(err, chain.rpcUrl)
    const report: ChainScanReport = {
      chainId: chain.id,
      ok: false,
      error,
      openPayments: 0,
      active: false,
      transfers: 0,
      removed: 0,
      notified: 0,
      rpcRequests: counter.requests,
      rpcCalls: counter.calls,
      ms: Date.now() - started,
    }
    log.error('chain scan failed; retrying next tick from the same block', { rpc: redact(chain.rpcUrl), ...report })
    await recordFailure(db, chain.id, error, options.now ?? new Date()).catch((e) =>
      log.error('could not record chain scan failure', { chainId: chain.id, error: String(e) }),
    )
    return report
  }
}

/**
 * Scans one chain from its cursor to the head with a fixed number of RPC requests whatever the number
 * of open payments: the head, then one batch holding eth_getLogs (Transfer to the open deposit
 * addresses), the native balances of native-coin deposits and the hashes of not-yet-final blocks.
 * Native arrivals then cost a few more requests to find their block, per tick, not per payment.
 */
export async function scanChain(
  db: Db,
  env: Env,
  chain: Chain,
  options: ScanOptions & { counter: RpcCounter },
): Promise<ChainScanReport> {
  const started = Date.now()
  const now = options.now ?? new Date()
  const finality = finalityDepth(chain)
  const client = chainClient(chain, options)
  // The D1 reads and the head are independent: one round trip's wait, not two.
  const headRead = readHead(client, chain)
  headRead.catch(() => undefined) // awaited below; a D1 failure first must not leave it unhandled
  const [cursorRows, watchedRows, unsettled, active] = await db.batch([
    db.select().from(chainCursors).where(eq(chainCursors.chainId, chain.id)),
    watchedPaymentsQuery(db, chain.id, now),
    db
      .select()
      .from(observations)
      .where(
        and(
          eq(observations.chainId, chain.id),
          eq(observations.livemode, true),
          isNull(observations.removedAt),
          isNotNull(observations.blockNumber),
          lt(observations.confirmations, finality),
        ),
      ),
    activeObservationsQuery(db, chain.id, now),
  ])
  const cursor = cursorRows[0]?.lastScannedBlock ?? null
  // A transfer only ever pays a payment of the wallet that holds the address (never another merchant's).
  const watched = withoutSkipped(paymentsOfOwner(watchedRows.map((p) => withClaim(p, now))), watchedRows, chain.id)
  const open = watched.filter((p) => !p.afterWindow)

  const head = await headRead
  const phase = phaseClock(started)
  const readDone = phase()
  const window = scanWindow(cursor, head.number, finality, chain.maxLogRange)

  // Everything below goes out in the same turn, hence as one batch request.
  const addresses = [...new Set(watched.map((p) => p.depositAddress.toLowerCase()))]
  const byAddress = groupBy(watched, (p) => p.depositAddress.toLowerCase())
  // Native coin shows only in balances: watched for native payments, and for a token payment alone
  // at its address whose balance at allocation is known (native coin sent there is a wrong asset).
  const nativeOpen = watched.filter(
    (p) =>
      p.baselineBalance !== null &&
      (p.tokenAddress === null || byAddress.get(p.depositAddress.toLowerCase())?.length === 1),
  )
  // The head's hash came with the head: only older not-yet-final blocks cost a call each.
  const checkBlocks = [
    ...new Set(
      unsettled.flatMap((o) => (o.blockNumber !== null && o.blockNumber < head.number ? [o.blockNumber] : [])),
    ),
  ]
  const [logs, balances, hashes] = await Promise.all([
    Promise.all(
      chunk(addresses, chain.maxLogAddresses).map((group) =>
        transferLogs(client, window.from, window.to, group.map(addressTopic)),
      ),
    ),
    balancesAt(
      client,
      chain,
      nativeOpen.map((p) => p.depositAddress),
      head.number,
    ),
    Promise.all(checkBlocks.map((b) => blockHashAt(client, b))),
  ])
  const rpcDone = phase()

  // Reorgs: an observation whose block is no longer canonical is removed (a re-mined copy is found again below).
  const canonical = new Map<number, string | null | undefined>([
    ...checkBlocks.map((b, i) => [b, hashes[i]] as const),
    [head.number, head.hash],
  ])
  const removedIds = unsettled
    .filter((o) => {
      const hash = o.blockNumber === null ? undefined : canonical.get(o.blockNumber)
      return hash !== undefined && hash !== null && hash.toLowerCase() !== o.blockHash?.toLowerCase()
    })
    .map((o) => o.id)
  const removed = new Set(removedIds)

  const candidates = new Map([...byAddress].map(([address, list]) => [address, list.map(toCandidate)]))
  const symbolOf = (contract: string | null) =>
    contract === null ? chain.nativeSymbol : chain.tokens.find((t) => sameAddress(t.address, contract))?.symbol
  const known = new Map(
    unsettled
      .filter((o) => !removed.has(o.id))
      .map((o) => [`${o.txHash.toLowerCase()}:${o.logIndex}`, o.blockHash?.toLowerCase()]),
  )

  const rows: NewObservation[] = []
  const unexpected = new Map<string, string[]>()
  const record = (t: Transfer) => {
    const key = `${t.txHash.toLowerCase()}:${t.logIndex}`
    if (known.get(key) === t.blockHash.toLowerCase()) return
    const attribution = attributeTransfer(t, candidates.get(t.to.toLowerCase()) ?? [], symbolOf)
    if (!attribution) {
      log.warn('transfer to an address with no open payment', { chainId: chain.id, txHash: t.txHash, to: t.to })
      return
    }
    rows.push({
      id: `obs_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`,
      merchantId: attribution.merchantId,
      walletId: attribution.walletId,
      paymentId: attribution.paymentId,
      livemode: true,
      chainId: chain.id,
      txHash: t.txHash,
      logIndex: t.logIndex,
      fromAddress: t.from,
      toAddress: t.to,
      token: attribution.token,
      amount: t.amount.toString(),
      blockNumber: t.blockNumber,
      blockHash: t.blockHash,
      confirmations: confirmationsAt(head.number, t.blockNumber),
      note: t.note ?? attribution.note,
      unexpected: attribution.unexpected,
    })
    if (attribution.unexpected && attribution.paymentId)
      unexpected.set(attribution.paymentId, [...(unexpected.get(attribution.paymentId) ?? []), key])
  }
  const logged = logs.flat().flatMap((log) => transferFromLog(log) ?? [])
  // The oldest re-scanned block can be final already (confirmations = finality, so not in `known`):
  // a transfer there that is on record, in the same block, is not recorded (nor reported) again.
  for (const key of await recordedKeys(
    db,
    chain.id,
    logged.filter((t) => !known.has(`${t.txHash.toLowerCase()}:${t.logIndex}`)),
  )) {
    const [txHash, logIndex, blockHash] = key.split(':')
    known.set(`${txHash}:${logIndex}`, blockHash)
  }
  for (const transfer of logged) record(transfer)
  const activeLive = active.filter((o) => !removed.has(o.id))
  for (const t of await findNativeArrivals(client, chain, head, window, nativeOpen, balances, activeLive, byAddress))
    record(t)
  const nativeDone = phase()

  // One atomic batch: removals, new/re-mined observations, confirmations recount, cursor.
  const stamp = now.toISOString()
  const writes = [
    ...chunk(removedIds, ID_CHUNK).map((ids) =>
      db.update(observations).set({ removedAt: stamp, confirmations: 0 }).where(inArray(observations.id, ids)),
    ),
    ...chunk(rows, INSERT_CHUNK).map((group) =>
      db
        .insert(observations)
        .values(group)
        .onConflictDoUpdate({
          target: [observations.chainId, observations.txHash, observations.logIndex],
          set: {
            blockNumber: sql`excluded.block_number`,
            blockHash: sql`excluded.block_hash`,
            confirmations: sql`excluded.confirmations`,
            removedAt: null,
            unexpected: sql`excluded.unexpected`,
          },
        }),
    ),
    db
      .update(observations)
      .set({ confirmations: sql`max(0, ${head.number} - ${observations.blockNumber} + 1)` })
      .where(
        and(
          eq(observations.chainId, chain.id),
          eq(observations.livemode, true),
          isNull(observations.removedAt),
          isNotNull(observations.blockNumber),
          lt(observations.confirmations, finality),
        ),
      ),
    db
      .insert(chainCursors)
      .values({ chainId: chain.id, lastScannedBlock: window.to, lastError: null, updatedAt: stamp })
      .onConflictDoUpdate({
        target: chainCursors.chainId,
        set: { lastScannedBlock: window.to, lastError: null, updatedAt: stamp },
      }),
  ]
  await options.interrupt?.('beforeCommit')
  await db.batch(writes as [(typeof writes)[number], ...(typeof writes)[number][]])
  await options.interrupt?.('afterCommit')
  const commitDone = phase()

  const notified = await notifyPayments(env, db, chain, open, now)
  await announceUnexpected(env, chain, unexpected)
  const notifyDone = phase()
  if (removedIds.length > 0)
    log.warn('reorg: observations removed', { chainId: chain.id, head: head.number, ids: removedIds })
  return {
    chainId: chain.id,
    ok: true,
    head: head.number,
    window,
    openPayments: open.length,
    transfers: rows.length,
    removed: removedIds.length,
    // Closed payments in the late window alone do not keep the watcher at block time.
    active:
      watched.some((p) => p.status === 'pending' || p.status === 'processing') ||
      rows.length > 0 ||
      unsettled.length > removedIds.length,
    notified,
    rpcRequests: options.counter.requests,
    rpcCalls: options.counter.calls,
    ms: Date.now() - started,
    phases: { read: readDone, rpc: rpcDone, native: nativeDone, commit: commitDone, notify: notifyDone },
  }
}

/**
 * Native coin has no logs: an arrival shows as balance above the baseline not yet covered by recorded
 * transfers. For each such deposit, a bisection over the window (one batch request per step for all
 * deposits together) finds the block, whose transactions then name the sender; value moved by a
 * contract call is recorded against the block with a note.
 */
async function findNativeArrivals(
  client: PublicClient,
  chain: Chain,
  head: Head,
  window: ScanWindow,
  nativeOpen: OpenPayment[],
  balances: bigint[],
  active: ActiveObservation[],
  byAddress: Map<string, OpenPayment[]>,
): Promise<Transfer[]> {
  interface Pending {
    payment: OpenPayment
    baseline: bigint
    recorded: bigint
    search: Search
    balances: Map<number, bigint>
  }
  const pending: Pending[] = []
  zip(nativeOpen, balances).forEach(([payment, balance]) => {
    const address = payment.depositAddress.toLowerCase()
    if ((byAddress.get(address) ?? []).filter((p) => p.tokenAddress === null).length > 1) {
      log.warn('native deposits share an address; balance changes cannot be attributed', { chainId: chain.id, address })
      return
    }
    const mine = active.filter((o) => o.paymentId === payment.id && o.logIndex === -1)
    const recorded = mine.reduce((sum, o) => sum + BigInt(o.amount), 0n)
    const baseline = BigInt(payment.baselineBalance ?? '0')
    if (unrecordedNative(balance, baseline, recorded) <= 0n) return
    const last = Math.max(-1, ...mine.map((o) => o.blockNumber ?? -1))
    const lo = Math.min(head.number, Math.max(window.from, last + 1))
    pending.push({
      payment,
      baseline,
      recorded,
      search: { lo, hi: head.number },
      balances: new Map([[head.number, balance]]),
    })
  })

  const arrivals: { payment: OpenPayment; block: number; amount: bigint }[] = []
  for (let round = 0; round < NATIVE_ROUNDS && pending.length > 0; round++) {
    for (;;) {
      const probing = pending
        .map((p) => ({ p, block: probe(p.search) }))
        .filter((x): x is { p: Pending; block: number } => x.block !== null)
      if (probing.length === 0) break
      const results = await balancesByBlock(
        client,
        chain,
        probing.map(({ p, block }) => ({ address: p.payment.depositAddress, block })),
      )
      zip(probing, results).forEach(([{ p, block }, balance]) => {
        p.balances.set(block, balance)
        p.search = narrow(p.search, block, unrecordedNative(balance, p.baseline, p.recorded) > 0n)
      })
    }
    const missing = pending.filter((p) => !p.balances.has(p.search.lo))
    const fetched = await balancesByBlock(
      client,
      chain,
      missing.map((p) => ({ address: p.payment.depositAddress, block: p.search.lo })),
    )
    for (const [p, balance] of zip(missing, fetched)) p.balances.set(p.search.lo, balance)
    for (const p of [...pending]) {
      const block = p.search.lo
      const amount = unrecordedNative(balanceAt(p.balances, block), p.baseline, p.recorded)
      arrivals.push({ payment: p.payment, block, amount })
      p.recorded += amount
      const rest = unrecordedNative(balanceAt(p.balances, head.number), p.baseline, p.recorded)
      if (rest > 0n && block < head.number) p.search = { lo: block + 1, hi: head.number }
      else pending.splice(pending.indexOf(p), 1)
    }
  }

  const blocks = [...new Set(arrivals.map((a) => a.block))]
  const fetchedBlocks = await Promise.all(blocks.map((b) => blockWithTransactions(client, b)))
  const blockByNumber = new Map(blocks.map((b, i) => [b, fetchedBlocks[i]]))
  const transfers: Transfer[] = []
  for (const { payment, block, amount } of arrivals) {
    const data = blockByNumber.get(block)
    if (!data) continue // the block vanished meanwhile (reorg): the next tick finds the arrival again
    const to = payment.depositAddress
    let left = amount
    for (const tx of data.transactions) {
      const value = BigInt(tx.value)
      if (!tx.to || !sameAddress(tx.to, to) || value <= 0n || value > left) continue
      transfers.push({
        txHash: tx.hash,
        logIndex: -1,
        blockNumber: block,
        blockHash: data.hash,
        from: getAddress(tx.from),
        to,
        contract: null,
        amount: value,
        kind: 'fungible',
      })
      left -= value
    }
    if (left > 0n) {
      transfers.push({
        txHash: `internal:${data.hash}:${to.toLowerCase()}`,
        logIndex: -1,
        blockNumber: block,
        blockHash: data.hash,
        from: null,
        to,
        contract: null,
        amount: left,
        kind: 'fungible',
        note: 'native value received through a contract call (internal transfer); the transaction was not identified',
      })
    }
  }
  return transfers
}

/** Balances at (address, block) pairs, in order: one Multicall3 read (or balance batch) per distinct block. */
async function balancesByBlock(
  client: PublicClient,
  chain: Chain,
  reads: { address: string; block: number }[],
): Promise<bigint[]> {
  const byBlock = groupBy(
    reads.map((r, i) => ({ ...r, i })),
    (r) => String(r.block),
  )
  const out = new Array<bigint>(reads.length)
  await Promise.all(
    [...byBlock.values()].map(async (group) => {
      const values = await balancesAt(
        client,
        chain,
        group.map((r) => r.address),
        group[0]?.block ?? 'latest',
      )
      group.forEach((r, k) => {
        out[r.i] = values[k] ?? 0n
      })
    }),
  )
  return out
}

/** A balance the search read before: every block it settles on was read, so a gap is a bug, not a zero. */
function balanceAt(balances: Map<number, bigint>, block: number): bigint {
  const balance = balances.get(block)
  if (balance === undefined) throw new Error(`native search: no balance read at block ${block}`)
  return balance
}

/** Recomputes each open payment's funds from its live observations and tells its PaymentObject when they changed. */
async function notifyPayments(env: Env, db: Db, chain: Chain, open: OpenPayment[], now: Date): Promise<number> {
  const active = await activeObservationsQuery(db, chain.id, now)
  // Unexpected funds (a wrong asset, money after the window) are on record but never count.
  const counted = active.filter(
    (o): o is typeof o & { paymentId: string } => o.unexpected === null && o.paymentId !== null,
  )
  const byPayment = groupBy(counted, (o) => o.paymentId)
  const changed = open
    .map((p) => ({
      p,
      funds: fundsOf(
        (byPayment.get(p.id) ?? []).map((o) => ({ amount: BigInt(o.amount), confirmations: o.confirmations })),
        p.requiredConfirmations ?? 0,
      ),
    }))
    .filter(({ p, funds }) => fundsChanged(p, funds))
  let notified = 0
  for (const group of chunk(changed, NOTIFY_CONCURRENCY)) {
    await Promise.all(
      group.map(async ({ p, funds }) => {
        try {
          const result = await paymentObject(env, p.id).observeFunds(
            funds.received.toString(),
            funds.confirmed.toString(),
            funds.confirmations,
          )
          if (result.ok) notified += 1
          else
            log.error('payment refused chain funds', {
              chainId: chain.id,
              paymentId: p.id,
              code: result.code,
              error: result.message,
            })
        } catch (err) {
          // Observations are stored: the next tick recomputes the funds and tries again.
          log.error('payment object call failed', { chainId: chain.id, paymentId: p.id, error: String(err) })
        }
      }),
    )
  }
  return notified
}

/**
 * Tells each payment that received unexpected funds this tick, by the transfers' keys (the object
 * announces each transfer once, so a re-scan or a failed call retried next tick never doubles it).
 */
async function announceUnexpected(env: Env, chain: Chain, byPayment: Map<string, string[]>): Promise<void> {
  for (const group of chunk([...byPayment], NOTIFY_CONCURRENCY)) {
    await Promise.all(
      group.map(async ([paymentId, keys]) => {
        try {
          const result = await paymentObject(env, paymentId).noteUnexpectedFunds(keys)
          if (!result.ok)
            log.error('payment refused unexpected funds', { chainId: chain.id, paymentId, error: result.message })
        } catch (err) {
          log.error('payment object call failed', { chainId: chain.id, paymentId, error: String(err) })
        }
      }),
    )
  }
}

/** Live payments with a deposit address on the chain that may still receive funds we must see. */
function watchedPaymentsQuery(db: Db, chainId: number, now: Date) {
  return db
    .select({
      id: payments.id,
      merchantId: payments.merchantId,
      walletId: payments.walletId,
      status: payments.status,
      depositAddress: payments.depositAddress,
      tokenAddress: payments.tokenAddress,
      token: payments.token,
      payAmount: payments.payAmount,
      amountReceived: payments.amountReceived,
      confirmations: payments.confirmations,
      requiredConfirmations: payments.requiredConfirmations,
      baselineBalance: payments.baselineBalance,
      expiresAt: payments.expiresAt,
      // Aliased: D1 batches return rows by column name, and wallet_id is also the payment's.
      claimChainId: sql<number | null>`${depositAddresses.chainId}`.as('claim_chain_id'),
      claimWalletId: sql<string | null>`${depositAddresses.walletId}`.as('claim_wallet_id'),
    })
    .from(payments)
    .leftJoin(
      depositAddresses,
      and(
        eq(depositAddresses.chainId, payments.chainId),
        eq(depositAddresses.address, sql`lower(${payments.depositAddress})`),
      ),
    )
    .where(
      and(
        eq(payments.livemode, true),
        eq(payments.chainId, chainId),
        isNotNull(payments.depositAddress),
        isNotNull(payments.payAmount),
        watchCondition(now),
      ),
    )
}

/** Open, or closed within the late window, or within the watch for unexpected funds after it. */
function watchCondition(now: Date): SQL | undefined {
  const cutoff = new Date(now.getTime() - LATE_PAYMENT_WINDOW_MS - UNEXPECTED_WATCH_MS).toISOString()
  return or(inArray(payments.status, ['pending', 'processing']), gt(payments.expiresAt, cutoff))
}

/** Closed and past the late-payment window: money no longer counts toward the payment. */
function isAfterWindow(p: { status: string; expiresAt: string }, now: Date): boolean {
  return (
    !['pending', 'processing'].includes(p.status) &&
    p.expiresAt <= new Date(now.getTime() - LATE_PAYMENT_WINDOW_MS).toISOString()
  )
}

/** Live observations counted toward the chain's open payments. */
function activeObservationsQuery(db: Db, chainId: number, now: Date) {
  return db
    .select({
      id: observations.id,
      paymentId: observations.paymentId,
      amount: observations.amount,
      confirmations: observations.confirmations,
      blockNumber: observations.blockNumber,
      logIndex: observations.logIndex,
      unexpected: observations.unexpected,
    })
    .from(observations)
    .innerJoin(payments, eq(payments.id, observations.paymentId))
    .where(
      and(
        eq(observations.chainId, chainId),
        eq(observations.livemode, true),
        isNull(observations.removedAt),
        eq(payments.livemode, true),
        eq(payments.chainId, chainId),
        watchCondition(now),
      ),
    )
}

/** `txHash:logIndex:blockHash` (lower case) of the live observations of these transfers already in D1. */
async function recordedKeys(db: Db, chainId: number, transfers: Transfer[]): Promise<string[]> {
  // As the node spelled them (that is what was stored) and lower case: the unique index serves both.
  const hashes = [...new Set(transfers.flatMap((t) => [t.txHash, t.txHash.toLowerCase()]))]
  const found: string[] = []
  for (const group of chunk(hashes, ID_CHUNK)) {
    const rows = await db
      .select({ txHash: observations.txHash, logIndex: observations.logIndex, blockHash: observations.blockHash })
      .from(observations)
      .where(
        and(eq(observations.chainId, chainId), isNull(observations.removedAt), inArray(observations.txHash, group)),
      )
    for (const r of rows)
      if (r.blockHash) found.push(`${r.txHash.toLowerCase()}:${r.logIndex}:${r.blockHash.toLowerCase()}`)
  }
  return found
}

/** Keeps the scan position; only the error and time change. */
async function recordFailure(db: Db, chainId: number, error: string, now: Date): Promise<void> {
  const message = error.slice(0, 500)
  await db
    .insert(chainCursors)
    .values({ chainId, lastScannedBlock: -1, lastError: message, updatedAt: now.toISOString() })
    .onConflictDoUpdate({ target: chainCursors.chainId, set: { lastError: message, updatedAt: now.toISOString() } })
}

function withClaim(p: OpenPaymentRow, now: Date): OpenPayment {
  return {
    ...p,
    depositAddress: p.depositAddress ?? '',
    claimed: p.claimChainId !== null,
    claimWalletId: p.claimWalletId,
    afterWindow: isAfterWindow(p, now),
  }
}

/** Logs the payments left out because their address belongs to another wallet (or is disputed). */
function withoutSkipped(kept: OpenPayment[], all: OpenPaymentRow[], chainId: number): OpenPayment[] {
  if (kept.length < all.length) {
    const ids = new Set(kept.map((p) => p.id))
    const skipped = all.filter((p) => !ids.has(p.id)).map((p) => p.id)
    log.warn('payments at an address held by another wallet (or disputed) are not credited', {
      chainId,
      paymentIds: skipped,
    })
  }
  return kept
}

function toCandidate(p: OpenPayment): Candidate {
  return {
    id: p.id,
    merchantId: p.merchantId,
    walletId: p.walletId,
    tokenAddress: p.tokenAddress,
    token: p.token ?? '',
    payAmount: p.payAmount ?? '0',
    amountReceived: p.amountReceived,
    afterWindow: p.afterWindow,
  }
}

/** Each call returns the ms since the previous call (the first: since `started`). */
function phaseClock(started: number): () => number {
  let last = started
  return () => {
    const now = Date.now()
    const ms = now - last
    last = now
    return ms
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = map.get(k)
    if (list) list.push(item)
    else map.set(k, [item])
  }
  return map
}
