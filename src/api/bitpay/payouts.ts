import { z } from '@hono/zod-openapi'
import { bitpayEffectiveDate, bitpayGroupFailure, MAX_GROUP_INSTRUCTIONS } from '../../domain/bitpay-payouts'
import { fiatDecimals } from '../../domain/currencies'
import { PAYOUT_STATUSES } from '../../domain/payouts'
import { checkUrls } from '../../domain/url-policy'
import { ApiError } from '../../errors'
import { bitpayPayouts, findPayouts } from '../../services/payouts/bitpay-views'
import { cancelPayoutGroup, createPayoutGroup } from '../../services/payouts/groups'
import { resendPayoutNotification } from '../../services/payouts/notifications'
import { cancelPayout, createPayout, getPayout, type NewPayout } from '../../services/payouts/payouts'
import { decimalInput } from '../schemas'
import { bitpayDate } from './ledgers'
import { parse } from './parse'
import { BITPAY_TRUE, bitpayTrueSchema, bodyToken, pageQuery, PAYOUT_FACADES } from './recipients'
import { idParam } from './schemas'
import { bitpayRoute, bitpayRouter } from './route'

const FACADE = 'payout/payout' as const
const DAY_MS = 86_400_000

/** The SDK's unset fields arrive as `null` (bodies) or `key=` (queries): both mean "absent". */
const optionalText = (max: number) => z.string().max(max).nullish()

/** A payout request (§6). label, notificationEmail and ignoreEmails are accepted and not used. */
const payoutBody = z.object({
  amount: decimalInput,
  currency: z.string().min(1).max(16),
  ledgerCurrency: optionalText(16),
  recipientId: optionalText(64),
  email: z.string().email().max(254).nullish(),
  shopperId: optionalText(64),
  reference: optionalText(100),
  notificationURL: optionalText(2048),
  effectiveDate: optionalText(40),
  label: optionalText(100),
  notificationEmail: optionalText(254),
  ignoreEmails: z.boolean().nullish(),
})

/** decimalInput is a union, whose issue does not tell "absent" from "wrong": say it first, before any other field. */
function requireAmount(raw: unknown): unknown {
  if (raw && typeof raw === 'object' && ((raw as Record<string, unknown>).amount ?? null) === null)
    throw new ApiError('INVALID_AMOUNT', 'amount is required', 'amount', { reason: 'missing' })
  return raw
}
/** A payout instruction as validated: `amount` missing is named first (documented as payoutBody). */
const payoutRequest = z.preprocess(requireAmount, payoutBody)
const createBody = z.preprocess(requireAmount, payoutBody.extend({ token: bodyToken }))

/**
 * BitPay's payout request as the native createPayout input. A token `currency` is the token paid and
 * `ledgerCurrency`, when given, must be the same; a fiat amount is converted into `ledgerCurrency`.
 */
function nativePayout(env: Env, b: z.output<typeof payoutBody>): NewPayout {
  const currency = b.currency.toUpperCase()
  const fiat = fiatDecimals(currency) !== undefined
  const ledger = b.ledgerCurrency?.toUpperCase()
  // A fiat amount is converted into ledgerCurrency (the token paid); a token amount pays that token.
  if (!fiat && ledger && ledger !== currency)
    throw new ApiError(
      'INVALID_CURRENCY',
      `ledgerCurrency must be the payout's currency (${currency}) when that is a token`,
      'ledgerCurrency',
    )
  if (fiat && ledger && fiatDecimals(ledger) !== undefined)
    throw new ApiError(
      'INVALID_CURRENCY',
      `ledgerCurrency must be the token paid (e.g. USDC), not ${ledger}`,
      'ledgerCurrency',
    )
  if (!b.recipientId && !b.email) {
    if (b.shopperId)
      throw new ApiError(
        'VALIDATION_ERROR',
        'shopperId is not supported: identify the recipient by recipientId or email',
        'shopperId',
      )
    throw new ApiError('VALIDATION_ERROR', 'recipientId or email is required', 'recipientId', { reason: 'missing' })
  }
  checkUrls(env.ENVIRONMENT, [{ field: 'notificationURL', kind: 'callback', value: b.notificationURL }])
  return {
    amount: b.amount,
    currency,
    ledger_currency: fiat ? ledger : undefined,
    recipient_id: b.recipientId ?? undefined,
    recipient_email: b.recipientId ? undefined : (b.email ?? undefined),
    reference: b.reference ?? undefined,
    notification_url: b.notificationURL ?? undefined,
    effective_date: b.effectiveDate ? bitpayEffectiveDate(b.effectiveDate) : undefined,
  }
}

const emptyIsAbsent = (v: unknown) => (v === '' ? undefined : v)
const listQuery = z.object({
  startDate: bitpayDate,
  endDate: bitpayDate,
  status: z.preprocess(emptyIsAbsent, z.enum(PAYOUT_STATUSES).optional()),
  reference: z.preprocess(emptyIsAbsent, z.string().max(100).optional()),
  groupId: z.preprocess(emptyIsAbsent, z.string().max(64).optional()),
  ...pageQuery,
})

/** Each instruction is validated on its own: an invalid one is listed in `failed`, the others are created. */
const groupBody = z.object({
  token: bodyToken,
  instructions: z
    .array(z.unknown().openapi({ description: 'A payout request, as the body of POST /payouts (without token)' }))
    .min(1)
    .max(MAX_GROUP_INSTRUCTIONS),
})

const transactionSchema = z.object({
  txid: z.string(),
  amount: z.number().openapi({ description: 'Exact decimal, in ledgerCurrency' }),
  date: z.string(),
  confirmations: z.number().int(),
})
const payoutSchema = z
  .object({
    id: z.string(),
    recipientId: z.string(),
    accountId: z.string().openapi({ description: 'The merchant id' }),
    amount: z.number().openapi({ description: 'Exact decimal: as asked, in currency' }),
    currency: z.string().openapi({ description: 'As asked: a fiat currency or the token paid' }),
    ledgerCurrency: z.string().openapi({ description: 'The token paid' }),
    email: z.string().optional().openapi({ description: "The recipient's" }),
    label: z.string().optional().openapi({ description: "The recipient's" }),
    reference: z.string().optional(),
    notificationURL: z.string().optional(),
    effectiveDate: z.string(),
    requestDate: z.string(),
    dateExecuted: z.string().optional().openapi({ description: 'Once complete' }),
    status: z.enum(PAYOUT_STATUSES),
    message: z.string().optional(),
    groupId: z.string().optional(),
    transactions: z.array(transactionSchema),
  })
  .openapi('BitPayPayout')
const one = z.object({ facade: z.literal(FACADE), data: payoutSchema, status: z.literal('success'), message: z.null() })

export const bitpayPayoutsRouter = bitpayRouter()
bitpayRoute(bitpayPayoutsRouter, {
  method: 'post',
  path: '/payouts/group',
  summary: 'Create a payout group (up to 200 instructions; invalid ones are listed in failed)',
  signing: 'token',
  facades: PAYOUT_FACADES,
  request: { body: groupBody },
  responses: {
    200: z.object({
      created: z.array(payoutSchema),
      failed: z.array(
        z.object({
          errMessage: z.string(),
          payee: z.string().optional().openapi({ description: "The instruction's email, recipientId or shopperId" }),
        }),
      ),
    }),
  },
  handler: async (c, { auth, body }) => {
    const { created, failed } = await createPayoutGroup(c.env, auth, body.instructions, (raw) =>
      nativePayout(c.env, parse(payoutRequest, raw)),
    )
    return { created: await bitpayPayouts(c.env, auth, created), failed: failed.map(bitpayGroupFailure) }
  },
})
bitpayRoute(bitpayPayoutsRouter, {
  method: 'delete',
  path: '/payouts/group/{groupId}',
  summary: 'Cancel the payouts of a group that can still be cancelled',
  signing: 'token',
  facades: PAYOUT_FACADES,
  request: { params: z.object({ groupId: z.string() }) },
  responses: {
    200: z.object({
      cancelled: z.array(payoutSchema),
      failed: z.array(z.object({ errMessage: z.string(), payoutId: z.string() })),
    }),
  },
  handler: async (c, { auth, params }) => {
    const { cancelled, failed } = await cancelPayoutGroup(c.env, auth, params.groupId)
    return {
      cancelled: await bitpayPayouts(c.env, auth, cancelled),
      failed: failed.map((f) => ({ errMessage: f.message, payoutId: f.payoutId })),
    }
  },
})
bitpayRoute(bitpayPayoutsRouter, {
  method: 'post',
  path: '/payouts',
  summary: 'Create a payout to a recipient (by recipientId or email)',
  signing: 'token',
  facades: PAYOUT_FACADES,
  request: { body: createBody },
  responses: { 200: one },
  handler: async (c, { auth, body }) => {
    const payout = await createPayout(c.env, auth, nativePayout(c.env, body))
    const [view] = await bitpayPayouts(c.env, auth, [payout])
    if (!view) throw new Error('bitpayPayouts returned no view for the created payout')
    return { facade: FACADE, data: view, status: 'success' as const, message: null }
  },
})
bitpayRoute(bitpayPayoutsRouter, {
  method: 'get',
  path: '/payouts',
  summary: 'List payouts (?startDate=&endDate= YYYY-MM-DD, ?status=, ?reference=, ?groupId=, ?limit=, ?offset=)',
  signing: 'token',
  facades: PAYOUT_FACADES,
  request: { query: listQuery },
  responses: { 200: z.object({ facade: z.literal(FACADE), data: z.array(payoutSchema) }) },
  handler: async (c, { auth, query: q }) => {
    const rows = await findPayouts(c.env, auth, {
      from: q.startDate === undefined ? undefined : new Date(q.startDate).toISOString(),
      // endDate is a whole day.
      to: q.endDate === undefined ? undefined : new Date(q.endDate + DAY_MS).toISOString(),
      status: q.status,
      reference: q.reference,
      groupId: q.groupId,
      limit: q.limit,
      offset: q.offset,
    })
    return { facade: FACADE, data: await bitpayPayouts(c.env, auth, rows) }
  },
})
bitpayRoute(bitpayPayoutsRouter, {
  method: 'get',
  path: '/payouts/{id}',
  summary: 'Get a payout',
  signing: 'token',
  facades: PAYOUT_FACADES,
  request: { params: idParam },
  responses: { 200: one },
  handler: async (c, { auth, params }) => {
    const [view] = await bitpayPayouts(c.env, auth, [await getPayout(c.env, auth, params.id)])
    if (!view) throw new Error('bitpayPayouts returned no view for the payout')
    return { facade: FACADE, data: view, status: 'success' as const, message: null }
  },
})
bitpayRoute(bitpayPayoutsRouter, {
  method: 'delete',
  path: '/payouts/{id}',
  summary: 'Cancel a payout (before it is processed)',
  signing: 'token',
  facades: PAYOUT_FACADES,
  request: { params: idParam },
  responses: { 200: bitpayTrueSchema },
  handler: async (c, { auth, params }) => {
    await cancelPayout(c.env, auth, params.id)
    return BITPAY_TRUE
  },
})
bitpayRoute(bitpayPayoutsRouter, {
  method: 'post',
  path: '/payouts/{id}/notifications',
  summary: "Resend the payout's last notification",
  signing: 'token',
  facades: PAYOUT_FACADES,
  request: { params: idParam },
  responses: { 200: bitpayTrueSchema },
  handler: async (c, { auth, params }) => {
    await resendPayoutNotification(c.env, auth, params.id)
    return BITPAY_TRUE
  },
})
