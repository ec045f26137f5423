import { z } from '@hono/zod-openapi'
import { LIMITS } from '../../config'
import { chainsFor } from '../../chain/registry'
import { findToken } from '../../chain/registry'
import { chainSlug } from '../../chain/slugs'
import { getDb, type ObservationRow } from '../../db/client'
import { formatUnits } from '../../domain/money'
import { notFound } from '../../errors'
import { listTransfers, transfersOfTx, type TransferStatus } from '../../services/payments/transactions'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok, page, pageSchema } from './envelope'
import { cryptoPayRoute, cryptoPayRouter } from './router'

const STATUSES = ['confirmed', 'pending', 'removed'] as const

const transactionSchema = z
  .object({
    hash: z.string(),
    log_index: z.number().int(),
    blockchain: z.string().nullable(),
    chain_id: z.number().int(),
    order: z.string().nullable().openapi({ description: 'Payment order id' }),
    status: z.enum(STATUSES),
    from_address: z.string().nullable(),
    to_address: z.string(),
    token: z.string(),
    amount: z.string(),
    amount_base_units: z.string(),
    block_number: z.number().int().nullable(),
    block_hash: z.string().nullable(),
    confirmations: z.number().int(),
    required_confirmations: z.number().int().nullable(),
    created_at: z.string(),
  })
  .openapi('Transaction')

type Row = { observation: ObservationRow; status: TransferStatus; requiredConfirmations: number | null }

function toView(r: Row, chains: ReturnType<typeof chainsFor>): z.infer<typeof transactionSchema> {
  const o = r.observation
  const chain = chains.get(o.chainId)
  const decimals = chain ? (findToken(chain, o.token)?.decimals ?? 18) : 18
  return {
    hash: o.txHash,
    log_index: o.logIndex,
    blockchain: chain ? chainSlug(chain) : null,
    chain_id: o.chainId,
    order: o.paymentId,
    status: r.status,
    from_address: o.fromAddress,
    to_address: o.toAddress,
    token: o.token,
    amount: formatUnits(BigInt(o.amount), decimals),
    amount_base_units: o.amount,
    block_number: o.blockNumber,
    block_hash: o.blockHash,
    confirmations: o.confirmations,
    required_confirmations: r.requiredConfirmations,
    created_at: o.createdAt,
  }
}

const tags = ['CryptoPay']
const listRoute = cryptoPayRoute({
  method: 'get',
  path: '/api/transactions',
  tags,
  summary: 'List transactions (GET /api/transactions/)',
  request: {
    query: z.object({
      page: z.coerce.number().int().min(1).default(1),
      page_size: z.coerce.number().int().min(1).max(LIMITS.maxPageSize).default(LIMITS.defaultPageSize),
      order: z.string().uuid().optional().openapi({ description: 'Only transfers for this payment order' }),
      status: z.enum(STATUSES).optional(),
    }),
  },
  responses: { 200: json(envelope(pageSchema(transactionSchema)), 'A page of transfers'), ...commonErrors },
})
const getRoute = cryptoPayRoute({
  method: 'get',
  path: '/api/transactions/{hash}',
  tags,
  summary: 'Get transaction details (GET /api/transactions/{hash}/)',
  description:
    'The transfer in this transaction (the first one, with all of them in `transfers` when a transaction paid several times).',
  request: {
    params: z.object({
      hash: z
        .string()
        .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte transaction hash')
        .openapi({ param: { name: 'hash', in: 'path' } }),
    }),
  },
  responses: {
    200: json(envelope(transactionSchema.extend({ transfers: z.array(transactionSchema) })), 'The transaction'),
    ...commonErrors,
    404: errorResponse('No such transaction for this merchant'),
  },
})

export const transactionsRouter = cryptoPayRouter()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid('query')
    const { rows, total } = await listTransfers(getDb(c.env.DB), c.get('auth'), {
      page: q.page,
      pageSize: q.page_size,
      paymentId: q.order,
      status: q.status,
    })
    const chains = chainsFor(c.env)
    return c.json(
      ok(
        page(
          c,
          rows.map((r) => toView(r, chains)),
          total,
          q.page,
          q.page_size,
        ),
        'Transactions retrieved',
      ),
      200,
    )
  })
  .openapi(getRoute, async (c) => {
    const rows = await transfersOfTx(getDb(c.env.DB), c.get('auth'), c.req.valid('param').hash)
    const chains = chainsFor(c.env)
    const [first, ...rest] = rows.map((r) => toView(r, chains))
    if (!first) throw notFound('Transaction')
    return c.json(ok({ ...first, transfers: [first, ...rest] }, 'Transaction retrieved'), 200)
  })
