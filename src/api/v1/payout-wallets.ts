import { z } from '@hono/zod-openapi'
import {
  createPayoutWallet,
  deletePayoutWallet,
  listPayoutWallets,
  walletBalances,
  type PayoutWalletRow,
  type WalletBalance,
} from '../../services/payouts/wallets'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok } from './envelope'
import { merchantRoute, v1Router } from './router'
import { resourceIdParam } from '../schemas'

const tags = ['Payouts']
const balanceSchema = z.object({ token: z.string(), balance: z.string(), balance_base_units: z.string() })
export const payoutWalletSchema = z
  .object({
    id: z.string(),
    object: z.literal('payout_wallet'),
    chain_id: z.number().int(),
    address: z.string(),
    label: z.string().nullable(),
    livemode: z.boolean(),
    balances: z
      .array(balanceSchema)
      .nullable()
      .openapi({ description: 'On-chain balances (native first); null when the RPC did not answer' }),
    created_at: z.string(),
  })
  .openapi('PayoutWallet')

/** The view of a payout wallet: never the key, encrypted or not. */
export function toPayoutWalletView(
  w: PayoutWalletRow,
  balances: WalletBalance[] | null,
): z.infer<typeof payoutWalletSchema> {
  return {
    id: w.id,
    object: 'payout_wallet',
    chain_id: w.chainId,
    address: w.address,
    label: w.label,
    livemode: w.livemode,
    balances,
    created_at: w.createdAt,
  }
}

const createBody = z.object({
  chain_id: z.number().int().positive(),
  private_key: z
    .string()
    .min(64)
    .max(66)
    .openapi({ description: 'Hex secp256k1 key; stored encrypted (AES-256-GCM) and never returned' }),
  label: z.string().max(100).optional(),
})
const idParam = resourceIdParam()

const createRoute = merchantRoute({
  method: 'post',
  path: '/payout-wallets',
  tags,
  summary: 'Register a payout hot wallet',
  description:
    'Test keys register test-mode wallets (payouts simulated, never broadcast). Refused with 403 when the gateway has no PAYOUT_KEY_SECRET.',
  request: { body: { content: { 'application/json': { schema: createBody } }, required: true } },
  responses: {
    201: json(envelope(payoutWalletSchema), 'The wallet'),
    ...commonErrors,
    403: errorResponse('Payout wallets are not enabled'),
  },
})
const listRoute = merchantRoute({
  method: 'get',
  path: '/payout-wallets',
  tags,
  summary: 'List payout wallets with their balances',
  responses: { 200: json(envelope(z.array(payoutWalletSchema)), 'The wallets'), ...commonErrors },
})
const deleteRoute = merchantRoute({
  method: 'delete',
  path: '/payout-wallets/{id}',
  tags,
  summary: 'Delete a payout wallet (its key is erased)',
  request: { params: idParam },
  responses: {
    200: json(envelope(z.object({ id: z.string(), deleted: z.literal(true) })), 'Deleted'),
    ...commonErrors,
    404: errorResponse('No such payout wallet'),
  },
})

export const payoutWalletsRouter = v1Router()
  .openapi(createRoute, async (c) => {
    const wallet = await createPayoutWallet(c.env, c.get('auth'), c.req.valid('json'))
    return c.json(ok(c, toPayoutWalletView(wallet, await walletBalances(c.env, wallet))), 201)
  })
  .openapi(listRoute, async (c) => {
    const wallets = await listPayoutWallets(c.env, c.get('auth'))
    const views = await Promise.all(wallets.map(async (w) => toPayoutWalletView(w, await walletBalances(c.env, w))))
    return c.json(ok(c, views), 200)
  })
  .openapi(deleteRoute, async (c) => {
    const id = c.req.valid('param').id
    await deletePayoutWallet(c.env, c.get('auth'), id)
    return c.json(ok(c, { id, deleted: true as const }), 200)
  })
