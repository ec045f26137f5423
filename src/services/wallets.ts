import { and, count, desc, eq, isNull, sql, type SQL } from 'drizzle-orm'
import { AddressError, normalizeAddress, parseXpub } from '../chain/addresses'
import { findToken, type Chain } from '../chain/registry'
import { randomHex } from '../auth/crypto'
import type { AuthContext } from '../context'
import type { Db, ObservationRow, WalletRow } from '../db/client'
import { observations, payments, wallets } from '../db/schema'
import { defaultTestChain, sandboxKey, sandboxXpub } from '../domain/sandbox'
import { ApiError, notFound } from '../errors'

/**
 * The wallets payments can use: the merchant's own, and the sandbox wallet only while the merchant
 * has no test wallet of their own (registering one sets the sandbox wallet aside).
 */
export function walletInUse(merchantId: string): SQL {
  return sql`(${wallets.sandbox} = 0 OR NOT EXISTS (SELECT 1 FROM wallets AS own WHERE own.merchant_id = ${merchantId} AND own.livemode = 0 AND own.sandbox = 0))`
}

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
export async function ensureSandboxWallet(db: Db, chains: Map<number, Chain>, key: Uint8Array | null, merchantId: string): Promise<void> {
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

/** Registers a receiving wallet (one per chain and mode) after validating the xpub or address. */
export async function registerWallet(db: Db, chains: Map<number, Chain>, auth: AuthContext, input: NewWallet): Promise<WalletRow> {
  if (!chains.has(input.chainId)) throw new ApiError('UNSUPPORTED_CHAIN', `Chain ${input.chainId} is not supported`, 'chain_id')
  const field = input.xpub !== undefined ? 'xpub' : 'address'
  let xpub: string | null = null
  let address: string | null = null
  try {
    if (input.xpub !== undefined) xpub = parseXpub(input.xpub).publicExtendedKey
    else address = normalizeAddress(input.address!)
  } catch (err) {
    if (err instanceof AddressError) throw new ApiError('VALIDATION_ERROR', `${field} ${err.message}`, field)
    throw err
  }
  const row: WalletRow = {
    id: `wal_${randomHex(12)}`,
    merchantId: auth.merchantId,
    livemode: auth.livemode,
    chainId: input.chainId,
    kind: xpub ? 'xpub' : 'address',
    xpub,
    address,
    label: input.label ?? null,
    nextIndex: 0,
    sandbox: false,
    createdAt: new Date().toISOString(),
  }
  const inserted = await db.insert(wallets).values(row).onConflictDoNothing().returning()
  if (inserted.length === 0) {
    throw new ApiError('CONFLICT', `A ${auth.mode} wallet for chain ${input.chainId} is already registered`, 'chain_id')
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
    .select({ token: observations.token, amount: observations.amount, confirmations: observations.confirmations, required: payments.requiredConfirmations })
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

export async function walletTransactions(db: Db, wallet: WalletRow, page: number, limit: number): Promise<{ rows: ObservationRow[]; total: number }> {
  const where = and(eq(observations.walletId, wallet.id), eq(observations.merchantId, wallet.merchantId), eq(observations.livemode, wallet.livemode))
  const [rows, [total]] = await db.batch([
    db.select().from(observations).where(where).orderBy(desc(observations.createdAt), desc(observations.id)).limit(limit).offset((page - 1) * limit),
    db.select({ n: count() }).from(observations).where(where),
  ])
  return { rows, total: total?.n ?? 0 }
}

/**
 * Changes a wallet's label, or its xpub/address while no deposit address has been handed out
 * (afterwards open payments depend on it, so the change is refused).
 */
export async function updateWallet(db: Db, auth: AuthContext, id: string, changes: { label?: string | null; xpub?: string; address?: string }): Promise<WalletRow> {
  const wallet = await getWallet(db, auth, id)
  if (wallet.sandbox && (changes.xpub !== undefined || changes.address !== undefined)) {
    throw new ApiError('FORBIDDEN', 'The sandbox wallet belongs to the gateway: register a test wallet of your own instead', changes.xpub !== undefined ? 'xpub' : 'address')
  }
  const set: Partial<WalletRow> = {}
  if (changes.label !== undefined) set.label = changes.label
  if (changes.xpub !== undefined || changes.address !== undefined) {
    const field = changes.xpub !== undefined ? 'xpub' : 'address'
    if (wallet.nextIndex > 0) throw new ApiError('CONFLICT', 'Deposit addresses were already issued from this wallet; register a new one instead', field)
    try {
      if (changes.xpub !== undefined) Object.assign(set, { kind: 'xpub', xpub: parseXpub(changes.xpub).publicExtendedKey, address: null })
      else Object.assign(set, { kind: 'address', address: normalizeAddress(changes.address!), xpub: null })
    } catch (err) {
      if (err instanceof AddressError) throw new ApiError('VALIDATION_ERROR', `${field} ${err.message}`, field)
      throw err
    }
  }
  if (Object.keys(set).length === 0) return wallet
  const [row] = await db.update(wallets).set(set).where(and(eq(wallets.id, wallet.id), eq(wallets.merchantId, auth.merchantId))).returning()
  return row!
}
