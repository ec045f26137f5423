import { env } from 'cloudflare:workers'
import { asc, eq } from 'drizzle-orm'
import { inject } from 'vitest'
import { createPublicClient, createTestClient, createWalletClient, http, parseAbi, type Hex } from 'viem'
import { loadChains, type Chain } from '../../src/chain/registry'
import { getDb, type PaymentRow } from '../../src/db/client'
import { chainCursors, events, observations, payments, wallets } from '../../src/db/schema'
import { paymentObject } from '../../src/services/payments/payments'
import { scanAllChains, type ChainScanReport, type ScanOptions } from '../../src/services/chain/scanner'
import { call, createMerchant, randomXpub } from './api'

/** Provided by test/global-setup.ts (Node side; this is its worker-side view). */
export interface AnvilContext {
  usdc: `0x${string}`
  usdt: `0x${string}`
  ethUsdFeed: `0x${string}`
  rpcUrl: string
  sharedRpcUrl: string
  sharedChainId: number
  accounts: readonly `0x${string}`[]
}

declare module 'vitest' {
  export interface ProvidedContext {
    anvil: AnvilContext
  }
}

export const ERC20_ABI = parseAbi([
  'function transfer(address to, uint256 value) returns (bool)',
  'function balanceOf(address) view returns (uint256)',
])
export const FEED_ABI = parseAbi(['function setAnswer(int256 answer)'])

/** Clients for one anvil; `payer` is an unlocked anvil account holding ETH, USDC and USDT. */
export function anvilClients(rpcUrl: string, chainId: number) {
  const chain = {
    id: chainId,
    name: 'Anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  }
  const transport = http(rpcUrl)
  const ctx = inject('anvil')
  const payer = ctx.accounts[1]!
  const publicClient = createPublicClient({ chain, transport })
  const wallet = createWalletClient({ chain, transport, account: payer })
  const testClient = createTestClient({ chain, transport, mode: 'anvil' })
  return {
    ctx,
    payer,
    publicClient,
    testClient,
    /** Sends `amount` base units of an ERC-20 from the payer; returns the mined receipt. */
    async payToken(token: `0x${string}`, to: string, amount: bigint, from: `0x${string}` = payer) {
      const hash = await wallet.writeContract({
        address: token,
        abi: ERC20_ABI,
        functionName: 'transfer',
        args: [to as Hex, amount],
        account: from,
      })
      return publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
    },
    /** Sends native coin from the payer; returns the mined receipt. */
    async payNative(to: string, value: bigint) {
      const hash = await wallet.sendTransaction({ to: to as Hex, value })
      return publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
    },
    /** Sets a TestPriceFeed's answer (in the feed's own decimals). */
    async setFeedAnswer(feed: `0x${string}`, answer: bigint) {
      const hash = await wallet.writeContract({
        address: feed,
        abi: FEED_ABI,
        functionName: 'setAnswer',
        args: [answer],
      })
      return publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
    },
    async mine(blocks: number) {
      await testClient.mine({ blocks })
    },
    /** A raw JSON-RPC call (anvil methods viem does not type). */
    async rpc(method: string, params: unknown[]): Promise<unknown> {
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      })
      const body = (await res.json()) as { result?: unknown; error?: { message: string } }
      if (body.error) throw new Error(`${method}: ${body.error.message}`)
      return body.result
    },
    async head() {
      return Number(await publicClient.getBlockNumber({ cacheTime: 0 }))
    },
  }
}

/** The anvil behind the worker's CHAINS binding (chain 31337). */
export function e2eChain() {
  return anvilClients(inject('anvil').rpcUrl, 31337)
}

/** The never-reverted second anvil, with a registry that maps its chain id to it (plus `overrides`). */
export function sharedChain(overrides: Record<string, unknown> = {}) {
  const ctx = inject('anvil')
  const clients = anvilClients(ctx.sharedRpcUrl, ctx.sharedChainId)
  const chain = sharedChainConfig(overrides)
  return { ...clients, chain, chains: new Map<number, Chain>([[chain.id, chain]]) }
}

/** Chain 31338 ("Anvil B") as the registry would build it from CHAINS. */
export function sharedChainConfig(overrides: Record<string, unknown> = {}): Chain {
  const ctx = inject('anvil')
  const entry = {
    id: ctx.sharedChainId,
    name: 'Anvil B',
    rpcUrl: ctx.sharedRpcUrl,
    nativeSymbol: 'ETH',
    confirmations: { high: 1, medium: 2, low: 6 },
    blockTimeMs: 1_000,
    maxLogRange: 10_000,
    tokens: [
      { symbol: 'USDC', address: ctx.usdc, decimals: 6 },
      { symbol: 'USDT', address: ctx.usdt, decimals: 6 },
    ],
    ...overrides,
  }
  return loadChains({ CHAINS: JSON.stringify([entry]) }).get(ctx.sharedChainId)!
}

export { randomXpub } from './api'

/** A merchant with a LIVE wallet on the local chain 31337 (live keys are the way to real local payments). */
export async function liveMerchant() {
  const merchant = await createMerchant()
  const xpub = randomXpub()
  const res = await call('POST', '/v1/wallets', {
    key: merchant.liveKey,
    body: { chain_id: 31337, xpub, label: 'live' },
  })
  if (res.status !== 201) throw new Error(`wallet create failed: ${res.status} ${res.text}`)
  return { ...merchant, xpub, walletId: res.json.data.id as string }
}

/** Creates a live payment through the API. */
export async function livePayment(key: string, body: Record<string, unknown>) {
  const res = await call('POST', '/v1/payments', { key, body: { chain_id: 31337, ...body } })
  if (res.status !== 201) throw new Error(`payment create failed: ${res.status} ${res.text}`)
  return res.json.data as {
    id: string
    deposit_address: string
    pay_amount_base_units: string
    status: string
    [k: string]: unknown
  }
}

export async function getPayment(key: string, id: string) {
  return (await call('GET', `/v1/payments/${id}`, { key })).json.data
}

/** One cron tick of the scanner over the env's chains; fails the test if any chain failed. */
export async function scanOk(options: ScanOptions = {}): Promise<ChainScanReport[]> {
  const reports = await scanAllChains(env, options)
  const failed = reports.filter((r) => !r.ok)
  if (failed.length > 0) throw new Error(`scan failed: ${JSON.stringify(failed)}`)
  return reports
}

export async function eventTypes(paymentId: string): Promise<string[]> {
  const rows = await getDb(env.DB)
    .select({ type: events.type })
    .from(events)
    .where(eq(events.paymentId, paymentId))
    .orderBy(asc(events.sequence))
  return rows.map((r) => r.type)
}

export async function observationsOf(where: { paymentId?: string; to?: string }) {
  const db = getDb(env.DB)
  const rows = await db.select().from(observations).orderBy(asc(observations.createdAt), asc(observations.id))
  return rows.filter(
    (o) =>
      (where.paymentId === undefined || o.paymentId === where.paymentId) &&
      (where.to === undefined || o.toAddress.toLowerCase() === where.to.toLowerCase()),
  )
}

export async function cursorOf(chainId: number) {
  const [row] = await getDb(env.DB).select().from(chainCursors).where(eq(chainCursors.chainId, chainId))
  return row
}

/**
 * Open live payments written straight into D1 (the scanner reads D1 only; creating thousands through
 * the API would only slow the test down). Half native ETH, half USDC unless `token` says otherwise.
 */
export async function seedOpenPayments(
  chain: Chain,
  count: number,
  options: { token?: 'ETH' | 'USDC'; merchantId?: string; viaObject?: boolean } = {},
) {
  const db = getDb(env.DB)
  const merchantId = options.merchantId ?? (await createMerchant()).id
  const walletId = `wal_seed_${merchantId}_${chain.id}`
  await db
    .insert(wallets)
    .values({
      id: walletId,
      merchantId,
      livemode: true,
      chainId: chain.id,
      kind: 'xpub',
      xpub: randomXpub(),
      nextIndex: 0,
      createdAt: new Date().toISOString(),
    })
    .onConflictDoNothing()
  const usdc = chain.tokens.find((t) => t.symbol === 'USDC')!
  const now = Date.now()
  const rows = Array.from({ length: count }, (_, i) => {
    const native = options.token ? options.token === 'ETH' : i % 2 === 0
    const id = crypto.randomUUID()
    return {
      id,
      merchantId,
      livemode: true,
      reference: `SEED-${id.slice(0, 8)}-PMT`,
      status: 'pending' as const,
      amount: '10.00',
      currency: 'USD',
      chainId: chain.id,
      token: native ? 'ETH' : 'USDC',
      tokenAddress: native ? null : usdc.address,
      tokenDecimals: native ? 18 : 6,
      payAmount: native ? '3333333333333334' : '10000000',
      depositAddress: randomAddress(),
      walletId,
      baselineBalance: native ? '0' : null,
      transactionSpeed: 'medium' as const,
      requiredConfirmations: chain.confirmations.medium,
      expiresAt: new Date(now + 3600_000).toISOString(),
      createdAt: new Date(now).toISOString(),
      updatedAt: new Date(now).toISOString(),
    }
  })
  if (options.viaObject) {
    // Through the PaymentObject, so the scanner's observeFunds calls land on a real object.
    for (const row of rows) await paymentObject(env, row.id).create(fullRow(row), null)
    return rows
  }
  for (let i = 0; i < rows.length; i += 200) {
    const group = rows.slice(i, i + 200)
    const inserts = group.map((row) => db.insert(payments).values(row))
    await db.batch(inserts as [(typeof inserts)[number], ...(typeof inserts)[number][]])
  }
  return rows
}

function fullRow(
  row: Partial<PaymentRow> &
    Pick<
      PaymentRow,
      | 'id'
      | 'merchantId'
      | 'livemode'
      | 'reference'
      | 'status'
      | 'amount'
      | 'currency'
      | 'transactionSpeed'
      | 'expiresAt'
      | 'createdAt'
      | 'updatedAt'
    >,
): PaymentRow {
  return {
    exception: null,
    chainId: null,
    token: null,
    tokenAddress: null,
    tokenDecimals: null,
    payAmount: null,
    amountReceived: '0',
    depositAddress: null,
    walletId: null,
    derivationIndex: null,
    baselineBalance: null,
    linkId: null,
    notifySecret: 'seed-secret',
    rateSource: null,
    rate: null,
    confirmations: 0,
    requiredConfirmations: null,
    description: null,
    orderId: null,
    metadata: null,
    successUrl: null,
    cancelUrl: null,
    notificationUrl: null,
    completedAt: null,
    lastError: null,
    version: 0,
    ...row,
  }
}

function randomAddress(): `0x${string}` {
  return `0x${[...crypto.getRandomValues(new Uint8Array(20))].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}
