import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import type { AppEnv } from '../../context'
import { bitpayRecipient, MAX_BITPAY_PAGE } from '../../domain/bitpay-payouts'
import { MAX_INVITES_PER_CALL, RECIPIENT_STATUSES } from '../../domain/payouts'
import { checkUrls } from '../../domain/url-policy'
import { ApiError } from '../../errors'
import { findRecipients } from '../../services/payouts/bitpay-views'
import { resendRecipientNotification } from '../../services/payouts/notifications'
import { getRecipient, inviteRecipients, removeRecipient, updateRecipient } from '../../services/payouts/recipients'
import { rateLimit } from '../rate-limit'
import { bitpayAuth, bitpayBody } from './auth'
import { sendJson } from './json'
import { parse } from './parse'

/** Recipients, payouts and payout groups take the payout facade only, signed (BITPAY-REFERENCE §1.3). */
export const payoutFacade = [bitpayAuth(['payout']), rateLimit] as const
const FACADE = 'payout/recipient'

/** The body of BitPay's boolean calls (delete, request notification): the v8 SDK reads it as true. */
export const BITPAY_TRUE = { status: 'success', data: {}, message: null } as const

/** Bodies of /recipients may exceed the gateway's 64 KiB: 1,000 invites of ~100 bytes each fit in this. */
export const RECIPIENTS_MAX_BODY_BYTES = 512 * 1024
export const limitRecipientsBody = bodyLimit({
  maxSize: RECIPIENTS_MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError('BODY_TOO_LARGE', `Request body exceeds ${RECIPIENTS_MAX_BODY_BYTES} bytes`, 'body')
  },
})

/** The SDK's unset fields arrive as `null` (bodies) or `key=` (queries): both mean "absent". */
const optionalText = (max: number) => z.string().max(max).nullish()

const inviteBody = z.object({
  recipients: z
    .array(z.object({ email: z.string().email().max(254), label: optionalText(100), notificationURL: optionalText(2048) }))
    .min(1)
    .max(MAX_INVITES_PER_CALL),
})

/** `?limit=&offset=`: integers, `key=` meaning the default. */
export const pageQuery = {
  limit: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(MAX_BITPAY_PAGE).default(100)),
  offset: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).default(0)),
}
const listQuery = z.object({ status: z.preprocess((v) => (v === '' ? undefined : v), z.enum(RECIPIENT_STATUSES).optional()), ...pageQuery })

/** PUT carries the whole recipient object; `email` may only repeat the current one (or be null). */
const updateBody = z.object({ email: optionalText(254), label: optionalText(100), notificationURL: optionalText(2048) })

export const bitpayRecipientsRouter = new Hono<AppEnv>()
  .post('/recipients', ...payoutFacade, async (c) => {
    const body = parse(inviteBody, await bitpayBody(c))
    checkUrls(c.env.ENVIRONMENT, body.recipients.map((r, i) => ({ field: `recipients.${i}.notificationURL`, kind: 'callback' as const, value: r.notificationURL })))
    const invites = body.recipients.map((r) => ({ email: r.email, label: r.label ?? undefined, notification_url: r.notificationURL ?? undefined }))
    const rows = await inviteRecipients(c.env, c.get('auth'), invites, c.req.url)
    // In the order asked for (an email repeated in the call appears once).
    const byEmail = new Map(rows.map((r) => [r.email, r]))
    const ordered = [...new Set(body.recipients.map((r) => r.email.toLowerCase()))].flatMap((e) => byEmail.get(e) ?? [])
    return sendJson(c, { facade: FACADE, data: ordered.map(bitpayRecipient) })
  })
  .get('/recipients', ...payoutFacade, async (c) => {
    const q = parse(listQuery, c.req.query(), 'query')
    return sendJson(c, { facade: FACADE, data: (await findRecipients(c.env, c.get('auth'), q)).map(bitpayRecipient) })
  })
  .get('/recipients/:id', ...payoutFacade, async (c) => {
    return sendJson(c, { facade: FACADE, data: bitpayRecipient(await getRecipient(c.env, c.get('auth'), c.req.param('id'))) })
  })
  .put('/recipients/:id', ...payoutFacade, async (c) => {
    const body = parse(updateBody, await bitpayBody(c))
    const auth = c.get('auth')
    const current = await getRecipient(c.env, auth, c.req.param('id'))
    if (body.email && body.email.toLowerCase() !== current.email) throw new ApiError('VALIDATION_ERROR', 'email cannot change: invite the new address as another recipient', 'email')
    checkUrls(c.env.ENVIRONMENT, [{ field: 'notificationURL', kind: 'callback', value: body.notificationURL }])
    const updated = await updateRecipient(c.env, auth, current.id, { label: body.label ?? undefined, notification_url: body.notificationURL ?? undefined })
    return sendJson(c, { facade: FACADE, data: bitpayRecipient(updated) })
  })
  .delete('/recipients/:id', ...payoutFacade, async (c) => {
    await removeRecipient(c.env, c.get('auth'), c.req.param('id'))
    return sendJson(c, BITPAY_TRUE)
  })
  .post('/recipients/:id/notifications', ...payoutFacade, async (c) => {
    await resendRecipientNotification(c.env, c.get('auth'), c.req.param('id'))
    return sendJson(c, BITPAY_TRUE)
  })
