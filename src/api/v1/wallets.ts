import { z } from '@hono/zod-openapi'
import { LIMITS } from '../../config'
import { chainsFor } from '../../chain/registry'
import type { ObservationRow, WalletRow } from '../../db/client'
import { getDb } from '../../db/client'
import { formatUnits } from '../../domain/money'
import { UNEXPECTED_FUNDS } from '../../domain/payment-status'
import { findToken } from '../../chain/registry'
import {
  ensureSandboxWallet,
  getWallet,
  hasOwnTestWallet,
  listWallets,
  registerWallet,
  sandboxKeyFor,
  walletBalances,
  walletTransactions,
} from '../../services/wallets/wallets'
import { commonErrors, envelope, errorResponse, jsonResponse as json, listEnvelope, ok, okList } from './envelope'
import { merchantRoute, v1Router } from './router'

const createWalletBody = z
  .object({
    chain_id: z.number().int().positive().openapi({ example: 8453 }),
    xpub: z.string().max(200).optional().openapi({
      description:
        "Account xpub (m/44'/60'/0'); deposit addresses are its children 0/i. Exactly one of xpub or address.",
    }),
    address: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: 'A single receiving address (payments then share it). Exactly one of xpub or address.' }),
    label: z.string().max(100).optional(),
  })
  .strict()
  .refine((b) => (b.xpub === undefined) !== (b.address === undefined), {
    message: 'give exactly one of xpub or address',
    path: ['xpub'],
  })
  .openapi('CreateWalletRequest', {
    description: 'Give exactly one of `xpub` or `address` (400 otherwise).',
    oneOf: [{ required: ['xpub'] }, { required: ['address'] }],
  })

const walletSchema = z
  .object({
    id: z.string(),
    object: z.literal('wallet'),
    livemode: z.boolean(),
    chain_id: z.number().int(),
    chain_name: z.string().nullable(),
    type: z.enum(['xpub', 'address']),
    xpub: z.string().nullable(),
    address: z.string().nullable(),
    label: z.string().nullable(),
    addresses_issued: z.number().int().openapi({ description: 'Deposit addresses derived so far' }),
    sandbox: z.boolean().openapi({
      description:
        "true for the gateway's own sandbox wallet: test payments use it while the merchant has no test wallet of their own. Its xpub is derived from the gateway's sandbox secret and the merchant id; it is never used for live payments",
    }),
    in_use: z.boolean().openapi({
      description: 'false for a sandbox wallet set aside because the merchant registered a test wallet of their own',
    }),
    created_at: z.string(),
  })
  .openapi('Wallet')

const balanceSchema = z
  .object({
    wallet_id: z.string(),
    chain_id: z.number().int(),
    balances: z.array(
      z.object({
        token: z.string(),
        token_address: z.string().nullable(),
        amount: z.string().openapi({ description: 'Total received (decimal string)' }),
        amount_base_units: z.string(),
        confirmed_amount: z.string().openapi({ description: 'Received at the required confirmation depth' }),
        pending_amount: z.string(),
        transfers: z.number().int(),
      }),
    ),
  })
  .openapi('WalletBalance')

const transactionSchema = z
  .object({
    id: z.string(),
    chain_id: z.number().int(),
    tx_hash: z.string(),
    log_index: z.number().int(),
    from: z.string().nullable(),
    to: z.string(),
    token: z.string(),
    amount: z.string(),
    amount_base_units: z.string(),
    block_number: z.number().int().nullable(),
    block_hash: z.string().nullable(),
    confirmations: z.number().int(),
    payment_id: z.string().nullable(),
    note: z.string().nullable().openapi({
      description: 'Why the transfer pays no payment: wrong token, unknown token contract, ambiguous, ...',
    }),
    unexpected: z.enum(UNEXPECTED_FUNDS).nullable().openapi({
      description:
        'Money recorded on payment_id that does not count toward it: wrong_asset (another coin or configured token than the payment expects), after_window (arrived after the late-payment window)',
    }),
    removed_at: z
      .string()
      .nullable()
      .openapi({ description: 'Set when a reorg took the transfer off the chain; it no longer counts in balances' }),
    created_at: z.string(),
  })
  .openapi('WalletTransaction')

const walletIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'wal_1a2b3c4d5e6f7a8b9c0d1e2f' }),
})
const pageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  limit: z.coerce.number().int().min(1).max(LIMITS.maxPageSize).default(LIMITS.defaultPageSize),
})
const notFoundResponse = { 404: errorResponse('No such wallet for this merchant and mode') }

function toWalletView(w: WalletRow, chainName: string | null, ownTestWallet = false): z.infer<typeof walletSchema> {
  return {
    id: w.id,
    object: 'wallet',
    livemode: w.livemode,
    chain_id: w.chainId,
    chain_name: chainName,
    type: w.kind,
    xpub: w.xpub,
    address: w.address,
    label: w.label,
    addresses_issued: w.nextIndex,
    sandbox: w.sandbox,
    in_use: !(w.sandbox && ownTestWallet),
    created_at: w.createdAt,
  }
}

const createRoute_ = merchantRoute({
  method: 'post',
  path: '/wallets',
  tags: ['Wallets'],
  summary: 'Register a receiving wallet',
  description:
    'One wallet per chain and mode. Send an account xpub (never a private key) or a single address. An xpub or address backs one wallet only (of one merchant and mode): one already in use is refused with 409.',
  request: { body: { required: true, content: { 'application/json': { schema: createWalletBody } } } },
  responses: {
    201: json(envelope(walletSchema), 'The wallet'),
    ...commonErrors,
    409: errorResponse('A wallet for this chain exists, or the xpub or address is already in use'),
  },
})
const listRoute = merchantRoute({
  method: 'get',
  path: '/wallets',
  tags: ['Wallets'],
  summary: 'List wallets',
  description:
    "With a test key, a merchant with no test wallet of their own is given the sandbox wallet (sandbox: true) on the registry's default test chain, so test payments need no setup.",
  responses: { 200: json(envelope(z.array(walletSchema)), "Wallets of the caller's mode"), ...commonErrors },
})
const getRoute = merchantRoute({
  method: 'get',
  path: '/wallets/{id}',
  tags: ['Wallets'],
  summary: 'Get wallet details',
  request: { params: walletIdParam },
  responses: { 200: json(envelope(walletSchema), 'The wallet'), ...commonErrors, ...notFoundResponse },
})
const balanceRoute = merchantRoute({
  method: 'get',
  path: '/wallets/{id}/balance',
  tags: ['Wallets'],
  summary: 'Get wallet balance',
  description: "What the gateway has recorded arriving at this wallet's deposit addresses, per token.",
  request: { params: walletIdParam },
  responses: { 200: json(envelope(balanceSchema), 'Balances per token'), ...commonErrors, ...notFoundResponse },
})
const transactionsRoute = merchantRoute({
  method: 'get',
  path: '/wallets/{id}/transactions',
  tags: ['Wallets'],
  summary: 'List wallet transactions',
  request: { params: walletIdParam, query: pageQuery },
  responses: {
    200: json(listEnvelope(transactionSchema), 'Transfers seen, newest first'),
    ...commonErrors,
    ...notFoundResponse,
  },
})

export const walletsRouter = v1Router()
  .openapi(createRoute_, async (c) => {
    const body = c.req.valid('json')
    const chains = chainsFor(c.env)
    const wallet = await registerWallet(getDb(c.env.DB), chains, c.get('auth'), {
      chainId: body.chain_id,
      xpub: body.xpub,
      address: body.address,
      label: body.label,
    })
    return c.json(ok(c, toWalletView(wallet, chains.get(wallet.chainId)?.name ?? null)), 201)
  })
  .openapi(listRoute, async (c) => {
    const chains = chainsFor(c.env)
    const db = getDb(c.env.DB)
    const auth = c.get('auth')
    // Test mode works with no setup: a merchant without a test wallet sees (and gets) the sandbox one.
    if (!auth.livemode) await ensureSandboxWallet(db, chains, sandboxKeyFor(c.env), auth.merchantId)
    const rows = await listWallets(db, auth)
    const own = rows.some((w) => !w.livemode && !w.sandbox)
    return c.json(
      ok(
        c,
        rows.map((w) => toWalletView(w, chains.get(w.chainId)?.name ?? null, own)),
      ),
      200,
    )
  })
  .openapi(getRoute, async (c) => {
    const db = getDb(c.env.DB)
    const wallet = await getWallet(db, c.get('auth'), c.req.valid('param').id)
    const own = wallet.sandbox ? await hasOwnTestWallet(db, wallet.merchantId) : false
    return c.json(ok(c, toWalletView(wallet, chainsFor(c.env).get(wallet.chainId)?.name ?? null, own)), 200)
  })
  .openapi(balanceRoute, async (c) => {
    const db = getDb(c.env.DB)
    const wallet = await getWallet(db, c.get('auth'), c.req.valid('param').id)
    const balances = await walletBalances(db, chainsFor(c.env).get(wallet.chainId), wallet)
    return c.json(
      ok(c, {
        wallet_id: wallet.id,
        chain_id: wallet.chainId,
        balances: balances.map((b) => ({
          token: b.token,
          token_address: b.tokenAddress,
          amount: formatUnits(b.total, b.decimals),
          amount_base_units: b.total.toString(),
          confirmed_amount: formatUnits(b.confirmed, b.decimals),
          pending_amount: formatUnits(b.total - b.confirmed, b.decimals),
          transfers: b.transfers,
        })),
      }),
      200,
    )
  })
  .openapi(transactionsRoute, async (c) => {
    const db = getDb(c.env.DB)
    const wallet = await getWallet(db, c.get('auth'), c.req.valid('param').id)
    const { page, limit } = c.req.valid('query')
    const { rows, total } = await walletTransactions(db, wallet, page, limit)
    const chain = chainsFor(c.env).get(wallet.chainId)
    const totalPages = Math.ceil(total / limit)
    return c.json(
      okList(
        c,
        rows.map((o) => toTransactionView(o, chain ? findToken(chain, o.token)?.decimals : undefined)),
        { page, limit, total, total_pages: totalPages, has_more: page < totalPages },
      ),
      200,
    )
  })

function toTransactionView(o: ObservationRow, decimals = 18): z.infer<typeof transactionSchema> {
  return {
    id: o.id,
    chain_id: o.chainId,
    tx_hash: o.txHash,
    log_index: o.logIndex,
    from: o.fromAddress,
    to: o.toAddress,
    token: o.token,
    amount: formatUnits(BigInt(o.amount), decimals),
    amount_base_units: o.amount,
    block_number: o.blockNumber,
    block_hash: o.blockHash,
    confirmations: o.confirmations,
    payment_id: o.paymentId,
    note: o.note,
    unexpected: o.unexpected,
    removed_at: o.removedAt,
    created_at: o.createdAt,
  }
}
