import { z } from '@hono/zod-openapi'
import { chainBySlug, chainSlug } from '../../chain/slugs'
import { chainsFor } from '../../chain/registry'
import { getDb, type WalletRow } from '../../db/client'
import { ApiError } from '../../errors'
import { listWallets, registerWallet, updateWallet } from '../../services/wallets/wallets'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok } from './envelope'
import { cryptoPayRoute, cryptoPayRouter } from './router'
import { resourceIdParam } from '../schemas'

const walletSchema = z
  .object({
    id: z.string(),
    blockchain: z.string().nullable(),
    chain_id: z.number().int(),
    address: z.string().nullable(),
    xpub: z.string().nullable(),
    label: z.string().nullable(),
    addresses_issued: z.number().int(),
    created_at: z.string(),
  })
  .openapi('MerchantWallet')

function toView(w: WalletRow, chains: ReturnType<typeof chainsFor>): z.infer<typeof walletSchema> {
  const chain = chains.get(w.chainId)
  return {
    id: w.id,
    blockchain: chain ? chainSlug(chain) : null,
    chain_id: w.chainId,
    address: w.address,
    xpub: w.xpub,
    label: w.label,
    addresses_issued: w.nextIndex,
    created_at: w.createdAt,
  }
}

const tags = ['CryptoPay']
const createBody = z
  .object({
    blockchain: z.string().min(1).max(40),
    address: z.string().max(64).optional(),
    xpub: z.string().max(200).optional(),
    label: z.string().max(100).optional(),
  })
  .refine((b) => (b.xpub === undefined) !== (b.address === undefined), {
    message: 'give exactly one of address or xpub',
    path: ['address'],
  })
  .openapi('CreateMerchantWalletRequest')
const updateBody = z.object({
  address: z.string().max(64).optional(),
  xpub: z.string().max(200).optional(),
  label: z.string().max(100).nullable().optional(),
})
const idParam = resourceIdParam()

const listRoute = cryptoPayRoute({
  method: 'get',
  path: '/api/merchant-wallets',
  tags,
  summary: 'List wallet addresses (GET /api/merchant-wallets/)',
  responses: { 200: json(envelope(z.array(walletSchema)), 'Wallets'), ...commonErrors },
})
const createRoute_ = cryptoPayRoute({
  method: 'post',
  path: '/api/merchant-wallets',
  tags,
  summary: 'Add wallet address (POST /api/merchant-wallets/)',
  description: 'The same wallets as /v1/wallets: one per blockchain and mode, an address or an account xpub.',
  request: { body: { required: true, content: { 'application/json': { schema: createBody } } } },
  responses: {
    201: json(envelope(walletSchema), 'The wallet'),
    ...commonErrors,
    409: errorResponse('A wallet for this blockchain exists'),
  },
})
const updateRoute = cryptoPayRoute({
  method: 'put',
  path: '/api/merchant-wallets/{id}',
  tags,
  summary: 'Update wallet address (PUT /api/merchant-wallets/{id}/)',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateBody } } } },
  responses: {
    200: json(envelope(walletSchema), 'The wallet'),
    ...commonErrors,
    404: errorResponse('No such wallet'),
    409: errorResponse('Addresses already issued'),
  },
})

export const merchantWalletsRouter = cryptoPayRouter()
  .openapi(listRoute, async (c) => {
    const chains = chainsFor(c.env)
    return c.json(
      ok(
        (await listWallets(getDb(c.env.DB), c.get('auth'))).map((w) => toView(w, chains)),
        'Wallets retrieved',
      ),
      200,
    )
  })
  .openapi(createRoute_, async (c) => {
    const body = c.req.valid('json')
    const chains = chainsFor(c.env)
    const chain = chainBySlug(chains, body.blockchain)
    if (!chain) throw new ApiError('UNSUPPORTED_CHAIN', `Unknown blockchain ${body.blockchain}`, 'blockchain')
    const wallet = await registerWallet(getDb(c.env.DB), chains, c.get('auth'), {
      chainId: chain.id,
      xpub: body.xpub,
      address: body.address,
      label: body.label,
    })
    return c.json(ok(toView(wallet, chains), 'Wallet added'), 201)
  })
  .openapi(updateRoute, async (c) => {
    const body = c.req.valid('json')
    const wallet = await updateWallet(getDb(c.env.DB), c.get('auth'), c.req.valid('param').id, body)
    return c.json(ok(toView(wallet, chainsFor(c.env)), 'Wallet updated'), 200)
  })
