import { and, count, desc, eq, isNull, sql } from 'drizzle-orm'
import { errorText } from '../../db/constraints'
import { walletInUse, type XpubClaim } from '../../db/deposit-claims'
import { AddressError, deriveDepositAddress, normalizeAddress, parseXpub } from '../../chain/addresses'
import { findToken, type Chain } from '../../chain/registry'
import { randomHex } from '../../auth/crypto'
import type { AuthContext } from '../../context'
import type { Db, ObservationRow, WalletRow } from '../../db/client'
import { depositAddresses, observations, payments, wallets } from '../../db/schema'
import { defaultTestChain, sandboxKey, sandboxXpub } from '../../domain/sandbox'
import { ApiError, notFound } from '../../errors'
import { log } from '../../log'

export { walletInUse } from '../../db/deposit-claims'

/** The sandbox derivation key from this env's secrets (SANDBOX_SECRET, else derived from ADMIN_TOKEN). */
export function sandboxKeyFor(env: Env): Uint8Array | null {
  // SANDBOX_SECRET is an optional secret, so the generated Env does not declare it.
  const secret = (env as unknown as { SANDBOX_SECRET?: string }).SANDBOX_SECRET
  return sandboxKey({ sandboxSecret: secret, adminToken: env.ADMIN_TOKEN })
}

const sandboxReady = new Set<string>()

/**
 * Makes sure a merchant without a test wallet of their own has the sandbox wallet: an xpub wallet
 * row on the registry's default test chain, derived from the sandbox key and the merchant id, so
 * the ordinary allocation hands out its addresses. One INSERT … ON CONFLICT DO NOTHING, safe to race;
 * skipped once done in this isolate (the row is never removed).
 */
export async function ensureSandboxWallet(
  db: Db,
  chains: Map<number, Chain>,
  key: Uint8Array | null,
  merchantId: string,
): Promise<void> {
  const chain = defaultTestChain(chains.values())
  if (!chain || !key) return
  const memo = `${merchantId}:${chain.id}`
  if (sandboxReady.has(memo)) return
  await db.run(sql`
    INSERT INTO wallets (id, merchant_id, livemode, chain_id, kind, xpub, address, label, next_index, sandbox, created_at)
    SELECT ${`wal_${randomHex(12)}`}, ${merchantId}, 0, ${chain.id}, 'xpub', ${sandboxXpub(key, merchantId)}, NULL, 'Sandbox wallet', 0, 1, ${new Date().toISOString()}
    WHERE NOT EXISTS (SELECT 1 FROM wallets WHERE merchant_id = ${merchantId} AND livemode = 0 AND sandbox = 0)
    ON CONFLICT DO NOTHING`)
  sandboxReady.add(memo)
}

export interface NewWallet {
  chainId: number
  xpub?: string
  address?: string
  label?: string
}

/**
 * Registers a receiving wallet (one per chain and mode) after validating the xpub or address. An
 * address on a chain belongs to one wallet of one merchant and mode: the wallet row and the claim on
 * its single address are written in one batch, and the database's unique indexes (xpub per chain,
 * claimed address per chain) refuse a second owner, even when two registrations race.
 */
export async function registerWallet(
  db: Db,
  chains: Map<number, Chain>,
  auth: AuthContext,
  input: NewWallet,
): Promise<WalletRow> {
  if (!chains.has(input.chainId))
    throw new ApiError('UNSUPPORTED_CHAIN', `Chain ${input.chainId} is not supported`, 'chain_id')
  const key = parseWalletKey(input)
  const row: WalletRow = {
    id: `wal_${randomHex(12)}`,
    merchantId: auth.merchantId,
    livemode: auth.livemode,
    chainId: input.chainId,
    kind: key.xpub ? 'xpub' : 'address',
    xpub: key.xpub,
    address: key.address,
    label: input.label ?? null,
    nextIndex: 0,
    sandbox: false,
    createdAt: new Date().toISOString(),
    legacyDuplicate: false,
  }
  const insert = db.insert(wallets).values(row)
  try {
    if (row.address) await db.batch([insert, db.insert(depositAddresses).values(claimOf(row, row.address, null))])
    else await insert
  } catch (err) {
    throw walletConflict(err, auth, input.chainId) ?? err
  }
  return row
}

/** Whether the merchant has a test wallet of their own (which sets the sandbox wallet aside). */
export async function hasOwnTestWallet(db: Db, merchantId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: wallets.id })
    .from(wallets)
    .where(and(eq(wallets.merchantId, merchantId), eq(wallets.livemode, false), eq(wallets.sandbox, false)))
    .limit(1)
  return row !== undefined
}

function parseWalletKey(input: { xpub?: string; address?: string }): { xpub: string | null; address: string | null } {
  const field = input.xpub !== undefined ? 'xpub' : 'address'
  try {
    if (input.xpub !== undefined) return { xpub: parseXpub(input.xpub).publicExtendedKey, address: null }
    if (input.address !== undefined) return { xpub: null, address: normalizeAddress(input.address) }
  } catch (err) {
    if (err instanceof AddressError) throw new ApiError('VALIDATION_ERROR', `${field} ${err.message}`, field)
    throw err
  }
  throw new ApiError('VALIDATION_ERROR', 'give exactly one of xpub or address', 'xpub')
}

function claimOf(wallet: WalletRow, address: string, index: number | null): typeof depositAddresses.$inferInsert {
  return {
    chainId: wallet.chainId,
    address: address.toLowerCase(),
    walletId: wallet.id,
    merchantId: wallet.merchantId,
    livemode: wallet.livemode,
    derivationIndex: index,
  }
}

/**
 * Turns a unique-index violation into the 409 it means. The message never says whose the xpub or
 * address is (another merchant, or this merchant's other mode).
 */
function walletConflict(err: unknown, auth: AuthContext, chainId: number): ApiError | null {
  const message = errorText(err)
  if (!message.includes('UNIQUE constraint failed')) return null
  if (message.includes('deposit_addresses.')) {
    return new ApiError(
      'CONFLICT',
      `This address is already in use as a deposit address on chain ${chainId}; register an address of your own`,
      'address',
    )
  }
  if (message.includes('wallets.xpub')) {
    return new ApiError(
      'CONFLICT',
      `This xpub is already registered on chain ${chainId} (an xpub can back one wallet in one mode only); use another account xpub`,
      'xpub',
    )
  }
  if (message.includes('wallets.merchant_id')) {
    return new ApiError('CONFLICT', `A ${auth.mode} wallet for chain ${chainId} is already registered`, 'chain_id')
  }
  return null
}

/** Derived addresses skipped at most per allocation because another wallet holds them. */
export const MAX_ADDRESS_SKIPS = 20

/**
 * Hands out the deposit address of a new payment: takes the wallet's next child index in one
 * statement (an atomic increment, so concurrent payments never share an index; single-address
 * wallets keep theirs), then claims the address for the wallet. An address is only ever handed out
 * once its claim stands; a derived address some other wallet already holds is skipped (its index is
 * burned) and the next one taken. This is the one allocation path, for every caller.
 */
export async function allocateDepositAddress(
  db: Db,
  owner: { merchantId: string; livemode: boolean },
  chainId: number,
  /** The error when the owner has no usable wallet on the chain (callers name what to do). */
  missing: () => ApiError = () =>
    new ApiError(
      'WALLET_REQUIRED',
      `No ${owner.livemode ? 'live' : 'test'} wallet registered for chain ${chainId}: add one with POST /v1/wallets`,
      'chain_id',
    ),
): Promise<{ address: `0x${string}`; index: number | null; wallet: WalletRow }> {
  for (let attempt = 0; attempt <= MAX_ADDRESS_SKIPS; attempt++) {
    const { address, index, wallet } = await takeNextIndex(db, owner, chainId, missing)
    if (await claimAddress(db, wallet, address, index)) return { address, index, wallet }
    if (index === null) {
      throw new ApiError(
        'CONFLICT',
        `The wallet's address on chain ${chainId} is in use by another wallet; register a new wallet`,
        'chain_id',
      )
    }
    log.warn('derived address already claimed; index skipped', { chainId, walletId: wallet.id, index })
  }
  throw new ApiError(
    'CONFLICT',
    `The wallet's next deposit addresses on chain ${chainId} are in use by another wallet; register another xpub`,
    'chain_id',
  )
}

export type { DepositClaim } from '../../db/deposit-claims'

/**
 * This isolate's next child index per owner and chain (an xpub wallet's), so that a payment's
 * address needs no round trip of its own. The index is only a hint: the claim written with the
 * payment (db/deposit-claims claimStatements) is what makes an address a payment's, and fails the
 * whole batch when the index was taken meanwhile (another isolate, or the atomic path) or the wallet
 * was set aside. Then the owner's slot is marked contended for `contendedMs` and the caller takes an
 * index by the atomic increment instead, as it does on a miss. Nothing is reserved ahead, so an
 * isolate that dies burns no index. `now` is settable for tests.
 */
export const indexHints = {
  contendedMs: 10_000,
  maxEntries: 10_000,
  now: (): number => Date.now(),
  slots: new Map<string, { wallet: WalletRow; next: number } | { contendedUntil: number }>(),
}

function hintKey(owner: { merchantId: string; livemode: boolean }, chainId: number): string {
  return `${owner.merchantId}:${owner.livemode ? 'live' : 'test'}:${chainId}`
}

/** The claim written with a payment could not stand: take the next index by the atomic increment for a while. */
export function indexHintFailed(owner: { merchantId: string; livemode: boolean }, chainId: number): void {
  indexHints.slots.set(hintKey(owner, chainId), { contendedUntil: indexHints.now() + indexHints.contendedMs })
}

/**
 * `allocateDepositAddress` for a payment's first write: for an xpub wallet the index is this
 * isolate's next one when it has a slot for the owner (`indexHints`), else taken by the atomic
 * increment, and the claim of the derived address is left to the caller, who writes it in the same
 * D1 batch as the payment (db/deposit-claims claimStatements: if it cannot stand, nothing is
 * written; the caller calls `indexHintFailed` and takes the next address). A single-address
 * wallet's address is claimed here as before.
 */
export async function takeDepositAddress(
  db: Db,
  owner: { merchantId: string; livemode: boolean },
  chainId: number,
  missing: () => ApiError,
): Promise<{ address: `0x${string}`; index: number | null; wallet: WalletRow; claim: XpubClaim | null }> {
  const key = hintKey(owner, chainId)
  const slot = indexHints.slots.get(key)
  if (slot && 'wallet' in slot && slot.wallet.xpub !== null) {
    const index = slot.next++
    const address = deriveDepositAddress(slot.wallet.xpub, index)
    return { address, index, wallet: slot.wallet, claim: xpubClaim(slot.wallet, address, index) }
  }
  const { address, index, wallet } = await takeNextIndex(db, owner, chainId, missing)
  if (index !== null) {
    if (!slot || ('contendedUntil' in slot && slot.contendedUntil <= indexHints.now())) {
      if (indexHints.slots.size >= indexHints.maxEntries) indexHints.slots.clear()
      indexHints.slots.set(key, { wallet, next: wallet.nextIndex })
    }
    return { address, index, wallet, claim: xpubClaim(wallet, address, index) }
  }
  if (await claimAddress(db, wallet, address, index)) return { address, index, wallet, claim: null }
  throw new ApiError(
    'CONFLICT',
    `The wallet's address on chain ${chainId} is in use by another wallet; register a new wallet`,
    'chain_id',
  )
}

function xpubClaim(wallet: WalletRow, address: string, index: number): XpubClaim {
  return {
    ...claimOf(wallet, address, index),
    walletId: wallet.id,
    merchantId: wallet.merchantId,
    derivationIndex: index,
  }
}

/**
 * The owner's wallet in use on the chain with its next child index taken in one statement (an
 * atomic increment, so concurrent payments never share an index; single-address wallets keep theirs).
 */
async function takeNextIndex(
  db: Db,
  owner: { merchantId: string; livemode: boolean },
  chainId: number,
  missing: () => ApiError,
): Promise<{ address: `0x${string}`; index: number | null; wallet: WalletRow }> {
  const [wallet] = await db
    .update(wallets)
    .set({
      nextIndex: sql`CASE WHEN ${wallets.kind} = 'xpub' THEN ${wallets.nextIndex} + 1 ELSE ${wallets.nextIndex} END`,
    })
    .where(
      and(
        eq(wallets.merchantId, owner.merchantId),
        eq(wallets.livemode, owner.livemode),
        eq(wallets.chainId, chainId),
        walletInUse(owner.merchantId),
      ),
    )
    .returning()
  if (!wallet) throw missing()
  const index = wallet.kind === 'xpub' ? wallet.nextIndex - 1 : null
  return { address: walletAddressAt(wallet, index), index, wallet }
}

function walletAddressAt(wallet: WalletRow, index: number | null): `0x${string}` {
  if (index !== null && wallet.xpub !== null) return deriveDepositAddress(wallet.xpub, index)
  if (wallet.address !== null) return normalizeAddress(wallet.address)
  throw new Error(`wallet ${wallet.id} has neither xpub nor address`)
}

/**
 * Claims `address` for the wallet in one statement; true when the wallet holds it now. A derived
 * address (an index) must be new: a claim already standing, even the wallet's own, went to another
 * payment (a payment's batch may claim an index before the atomic increment passes it, see
 * `indexHints`). A single-address wallet's one address counts when the wallet holds it already.
 */
async function claimAddress(db: Db, wallet: WalletRow, address: string, index: number | null): Promise<boolean> {
  if (index !== null) {
    const rows = await db
      .insert(depositAddresses)
      .values(claimOf(wallet, address, index))
      .onConflictDoNothing()
      .returning({ walletId: depositAddresses.walletId })
    return rows.length === 1
  }
  const rows = await db
    .insert(depositAddresses)
    .values(claimOf(wallet, address, index))
    .onConflictDoUpdate({
      target: [depositAddresses.chainId, depositAddresses.address],
      set: { walletId: sql`excluded.wallet_id` },
      // Only a no-op rewrite of the wallet's own claim; anyone else's row stays and returns nothing.
      setWhere: sql`${depositAddresses.walletId} = excluded.wallet_id`,
    })
    .returning({ walletId: depositAddresses.walletId })
  return rows.length === 1 && rows[0]?.walletId === wallet.id
}

export async function listWallets(db: Db, auth: AuthContext) {
  return db
    .select()
    .from(wallets)
    .where(and(eq(wallets.merchantId, auth.merchantId), eq(wallets.livemode, auth.livemode)))
    .orderBy(desc(wallets.createdAt), desc(wallets.id))
}

export async function getWallet(db: Db, auth: AuthContext, id: string): Promise<WalletRow> {
  const [row] = await db
    .select()
    .from(wallets)
    .where(and(eq(wallets.id, id), eq(wallets.merchantId, auth.merchantId), eq(wallets.livemode, auth.livemode)))
  if (!row) throw notFound('Wallet')
  return row
}

export interface TokenBalance {
  token: string
  tokenAddress: string | null
  decimals: number
  /** Everything seen, in base units. */
  total: bigint
  /** Seen at the payment's required depth. */
  confirmed: bigint
  transfers: number
}

/** Sums what arrived at the wallet's deposit addresses per token, in bigint (never SQL SUM). */
export async function walletBalances(db: Db, chain: Chain | undefined, wallet: WalletRow): Promise<TokenBalance[]> {
  const rows = await db
    .select({
      token: observations.token,
      amount: observations.amount,
      confirmations: observations.confirmations,
      required: payments.requiredConfirmations,
    })
    .from(observations)
    .leftJoin(payments, eq(payments.id, observations.paymentId))
    .where(
      and(
        eq(observations.walletId, wallet.id),
        eq(observations.merchantId, wallet.merchantId),
        eq(observations.livemode, wallet.livemode),
        // A transfer a reorg took off the chain is history, not balance.
        isNull(observations.removedAt),
      ),
    )
  const byToken = new Map<string, TokenBalance>()
  for (const r of rows) {
    const token = chain ? findToken(chain, r.token) : undefined
    const entry = byToken.get(r.token) ?? {
      token: r.token,
      tokenAddress: token?.address ?? null,
      decimals: token?.decimals ?? 18,
      total: 0n,
      confirmed: 0n,
      transfers: 0,
    }
    const amount = BigInt(r.amount)
    entry.total += amount
    if (r.confirmations >= (r.required ?? chain?.confirmations.medium ?? 0)) entry.confirmed += amount
    entry.transfers += 1
    byToken.set(r.token, entry)
  }
  return [...byToken.values()].sort((a, b) => a.token.localeCompare(b.token))
}

export async function walletTransactions(
  db: Db,
  wallet: WalletRow,
  page: number,
  limit: number,
): Promise<{ rows: ObservationRow[]; total: number }> {
  const where = and(
    eq(observations.walletId, wallet.id),
    eq(observations.merchantId, wallet.merchantId),
    eq(observations.livemode, wallet.livemode),
  )
  const [rows, [total]] = await db.batch([
    db
      .select()
      .from(observations)
      .where(where)
      .orderBy(desc(observations.createdAt), desc(observations.id))
      .limit(limit)
      .offset((page - 1) * limit),
    db.select({ n: count() }).from(observations).where(where),
  ])
  return { rows, total: total?.n ?? 0 }
}

/**
 * Changes a wallet's label, or its xpub/address while no deposit address has been handed out
 * (afterwards open payments depend on it, so the change is refused). The new key goes through the
 * same uniqueness as a registration.
 */
export async function updateWallet(
  db: Db,
  auth: AuthContext,
  id: string,
  changes: { label?: string | null; xpub?: string; address?: string },
): Promise<WalletRow> {
  const wallet = await getWallet(db, auth, id)
  if (wallet.sandbox && (changes.xpub !== undefined || changes.address !== undefined)) {
    throw new ApiError(
      'FORBIDDEN',
      'The sandbox wallet belongs to the gateway: register a test wallet of your own instead',
      changes.xpub !== undefined ? 'xpub' : 'address',
    )
  }
  const set: Partial<WalletRow> = {}
  if (changes.label !== undefined) set.label = changes.label
  const rekey = changes.xpub !== undefined || changes.address !== undefined
  if (rekey) {
    const field = changes.xpub !== undefined ? 'xpub' : 'address'
    if (await addressesIssued(db, wallet))
      throw new ApiError(
        'CONFLICT',
        'Deposit addresses were already issued from this wallet; register a new one instead',
        field,
      )
    const key = parseWalletKey(changes.xpub !== undefined ? { xpub: changes.xpub } : { address: changes.address })
    Object.assign(set, { kind: key.xpub ? 'xpub' : 'address', xpub: key.xpub, address: key.address })
  }
  if (Object.keys(set).length === 0) return wallet
  const update = db
    .update(wallets)
    .set(set)
    .where(and(eq(wallets.id, wallet.id), eq(wallets.merchantId, auth.merchantId)))
    .returning()
  if (!rekey) {
    const [row] = await update
    return row ?? wallet
  }
  // Nothing was handed out, so the wallet's only claim is its single address: release it, claim the new one.
  const next: WalletRow = { ...wallet, ...set }
  const release = db.delete(depositAddresses).where(eq(depositAddresses.walletId, wallet.id))
  try {
    const [, [row]] = next.address
      ? await db.batch([release, update, db.insert(depositAddresses).values(claimOf(next, next.address, null))])
      : await db.batch([release, update])
    return row ?? next
  } catch (err) {
    throw walletConflict(err, auth, wallet.chainId) ?? err
  }
}

/** Whether any deposit address of the wallet went to a payment (a single address counts once a payment uses it). */
async function addressesIssued(db: Db, wallet: WalletRow): Promise<boolean> {
  if (wallet.nextIndex > 0) return true
  if (wallet.kind !== 'address' || wallet.address === null) return false
  const [used] = await db
    .select({ id: payments.id })
    .from(payments)
    .where(
      and(
        eq(payments.chainId, wallet.chainId),
        eq(payments.depositAddress, wallet.address),
        eq(payments.walletId, wallet.id),
      ),
    )
    .limit(1)
  return used !== undefined
}
