import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../../context'
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
import { bitpayBody } from './auth'
import { sendJson } from './json'
import { bitpayDate } from './ledgers'
import { parse } from './parse'
import { BITPAY_TRUE, pageQuery, payoutFacade } from './recipients'

const FACADE = 'payout/payout'
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

/**
 * BitPay's payout request as the native createPayout input. Native payouts are priced in the token
 * they send, so `currency` is that token and `ledgerCurrency`, when given, must be the same; a fiat
 * `currency` is refused until fiat-priced payouts exist.
 */
function nativePayout(env: Env, raw: unknown): NewPayout {
  // decimalInput is a union, whose issue does not tell "absent" from "wrong": say it here.
  if (raw && typeof raw === 'object' && ((raw as Record<string, unknown>).amount ?? null) === null) throw new ApiError('INVALID_AMOUNT', 'amount is required', 'amount', { reason: 'missing' })
  const b = parse(payoutBody, raw)
  const currency = b.currency.toUpperCase()
  const fiat = fiatDecimals(currency) !== undefined
  const ledger = b.ledgerCurrency?.toUpperCase()
  // A fiat amount is converted into ledgerCurrency (the token paid); a token amount pays that token.
  if (!fiat && ledger && ledger !== currency) throw new ApiError('INVALID_CURRENCY', `ledgerCurrency must be the payout's currency (${currency}) when that is a token`, 'ledgerCurrency')
  if (fiat && ledger && fiatDecimals(ledger) !== undefined) throw new ApiError('INVALID_CURRENCY', `ledgerCurrency must be the token paid (e.g. USDC), not ${ledger}`, 'ledgerCurrency')
  if (!b.recipientId && !b.email) {
    if (b.shopperId) throw new ApiError('VALIDATION_ERROR', 'shopperId is not supported: identify the recipient by recipientId or email', 'shopperId')
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

const groupBody = z.object({ instructions: z.array(z.unknown()).min(1).max(MAX_GROUP_INSTRUCTIONS) })

export const bitpayPayoutsRouter = new Hono<AppEnv>()
  .post('/payouts/group', ...payoutFacade, async (c) => {
    const body = parse(groupBody, await bitpayBody(c))
    const auth = c.get('auth')
    const { created, failed } = await createPayoutGroup(c.env, auth, body.instructions, (raw) => nativePayout(c.env, raw))
    return sendJson(c, { created: await bitpayPayouts(c.env, auth, created), failed: failed.map(bitpayGroupFailure) })
  })
  .delete('/payouts/group/:groupId', ...payoutFacade, async (c) => {
    const auth = c.get('auth')
    const { cancelled, failed } = await cancelPayoutGroup(c.env, auth, c.req.param('groupId'))
    return sendJson(c, { cancelled: await bitpayPayouts(c.env, auth, cancelled), failed: failed.map((f) => ({ errMessage: f.message, payoutId: f.payoutId })) })
  })
  .post('/payouts', ...payoutFacade, async (c) => {
    const auth = c.get('auth')
    const payout = await createPayout(c.env, auth, nativePayout(c.env, await bitpayBody(c)))
    const [view] = await bitpayPayouts(c.env, auth, [payout])
    return sendJson(c, { facade: FACADE, data: view, status: 'success', message: null })
  })
  .get('/payouts', ...payoutFacade, async (c) => {
    const q = parse(listQuery, c.req.query(), 'query')
    const auth = c.get('auth')
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
    return sendJson(c, { facade: FACADE, data: await bitpayPayouts(c.env, auth, rows) })
  })
  .get('/payouts/:id', ...payoutFacade, async (c) => {
    const auth = c.get('auth')
    const [view] = await bitpayPayouts(c.env, auth, [await getPayout(c.env, auth, c.req.param('id'))])
    return sendJson(c, { facade: FACADE, data: view, status: 'success', message: null })
  })
  .delete('/payouts/:id', ...payoutFacade, async (c) => {
    await cancelPayout(c.env, c.get('auth'), c.req.param('id'))
    return sendJson(c, BITPAY_TRUE)
  })
  .post('/payouts/:id/notifications', ...payoutFacade, async (c) => {
    await resendPayoutNotification(c.env, c.get('auth'), c.req.param('id'))
    return sendJson(c, BITPAY_TRUE)
  })
