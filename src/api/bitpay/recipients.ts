import { z } from '@hono/zod-openapi'
import { bodyLimit } from 'hono/body-limit'
import { bitpayRecipient, MAX_BITPAY_PAGE } from '../../domain/bitpay-payouts'
import { MAX_INVITES_PER_CALL, RECIPIENT_STATUSES } from '../../domain/payouts'
import { checkUrls } from '../../domain/url-policy'
import { ApiError } from '../../errors'
import { findRecipients } from '../../services/payouts/bitpay-views'
import { resendRecipientNotification } from '../../services/payouts/notifications'
import { getRecipient, inviteRecipients, removeRecipient, updateRecipient } from '../../services/payouts/recipients'
import { bitpayRoute, bitpayRouter } from './route'
import { idParam } from './schemas'

/** Recipients, payouts and payout groups take the payout facade only, signed (BITPAY-REFERENCE §1.3). */
export const PAYOUT_FACADES = ['payout'] as const
const FACADE = 'payout/recipient' as const

/** The body of BitPay's boolean calls (delete, request notification): the v8 SDK reads it as true. */
export const BITPAY_TRUE = { status: 'success', data: {}, message: null } as const
export const bitpayTrueSchema = z
  .object({ status: z.literal('success'), data: z.object({}), message: z.null() })
  .openapi('BitPayTrue')

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

/** The token of a POST/PUT: in the body (as the SDK sends it) or `?token=`; the auth reads it. */
export const bodyToken = z.string().optional().openapi({ description: 'The payout token (or ?token=)' })

const inviteBody = z.object({
  token: bodyToken,
  recipients: z
    .array(
      z.object({ email: z.string().email().max(254), label: optionalText(100), notificationURL: optionalText(2048) }),
    )
    .min(1)
    .max(MAX_INVITES_PER_CALL),
})

/** `?limit=&offset=`: integers, `key=` meaning the default. */
export const pageQuery = {
  limit: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(1).max(MAX_BITPAY_PAGE).default(100),
  ),
  offset: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).default(0)),
}
const listQuery = z.object({
  status: z.preprocess((v) => (v === '' ? undefined : v), z.enum(RECIPIENT_STATUSES).optional()),
  ...pageQuery,
})

/** PUT carries the whole recipient object; `email` may only repeat the current one (or be null). */
const updateBody = z.object({
  token: bodyToken,
  email: optionalText(254),
  label: optionalText(100),
  notificationURL: optionalText(2048),
})

const recipientSchema = z
  .object({
    email: z.string(),
    label: z.string().nullable(),
    notificationURL: z.string().optional(),
    status: z.enum(RECIPIENT_STATUSES),
    id: z.string(),
    shopperId: z.null().openapi({ description: 'Always null: recipients are identified by id or email here' }),
  })
  .openapi('BitPayRecipient')
const one = z.object({ facade: z.literal(FACADE), data: recipientSchema })
const many = z.object({ facade: z.literal(FACADE), data: z.array(recipientSchema) })

export const bitpayRecipientsRouter = bitpayRouter()
bitpayRoute(bitpayRecipientsRouter, {
  method: 'post',
  path: '/recipients',
  summary: 'Invite recipients by email (up to 1,000 per call; bodies up to 512 KiB)',
  signing: 'token',
  facades: PAYOUT_FACADES,
  request: { body: inviteBody },
  responses: { 200: many },
  handler: async (c, { auth, body }) => {
    checkUrls(
      c.env.ENVIRONMENT,
      body.recipients.map((r, i) => ({
        field: `recipients.${i}.notificationURL`,
        kind: 'callback' as const,
        value: r.notificationURL,
      })),
    )
    const invites = body.recipients.map((r) => ({
      email: r.email,
      label: r.label ?? undefined,
      notification_url: r.notificationURL ?? undefined,
    }))
    const rows = await inviteRecipients(c.env, auth, invites, c.req.url)
    // In the order asked for (an email repeated in the call appears once).
    const byEmail = new Map(rows.map((r) => [r.email, r]))
    const ordered = [...new Set(body.recipients.map((r) => r.email.toLowerCase()))].flatMap((e) => byEmail.get(e) ?? [])
    return { facade: FACADE, data: ordered.map(bitpayRecipient) }
  },
})
bitpayRoute(bitpayRecipientsRouter, {
  method: 'get',
  path: '/recipients',
  summary: 'List recipients (?status=, ?limit=, ?offset=)',
  signing: 'token',
  facades: PAYOUT_FACADES,
  request: { query: listQuery },
  responses: { 200: many },
  handler: async (c, { auth, query }) => ({
    facade: FACADE,
    data: (await findRecipients(c.env, auth, query)).map(bitpayRecipient),
  }),
})
bitpayRoute(bitpayRecipientsRouter, {
  method: 'get',
  path: '/recipients/{id}',
  summary: 'Get a recipient',
  signing: 'token',
  facades: PAYOUT_FACADES,
  request: { params: idParam },
  responses: { 200: one },
  handler: async (c, { auth, params }) => ({
    facade: FACADE,
    data: bitpayRecipient(await getRecipient(c.env, auth, params.id)),
  }),
})
bitpayRoute(bitpayRecipientsRouter, {
  method: 'put',
  path: '/recipients/{id}',
  summary: "Update a recipient's label or notificationURL (email cannot change)",
  signing: 'token',
  facades: PAYOUT_FACADES,
  request: { params: idParam, body: updateBody },
  responses: { 200: one },
  handler: async (c, { auth, params, body }) => {
    const current = await getRecipient(c.env, auth, params.id)
    if (body.email && body.email.toLowerCase() !== current.email)
      throw new ApiError(
        'VALIDATION_ERROR',
        'email cannot change: invite the new address as another recipient',
        'email',
      )
    checkUrls(c.env.ENVIRONMENT, [{ field: 'notificationURL', kind: 'callback', value: body.notificationURL }])
    const updated = await updateRecipient(c.env, auth, current.id, {
      label: body.label ?? undefined,
      notification_url: body.notificationURL ?? undefined,
    })
    return { facade: FACADE, data: bitpayRecipient(updated) }
  },
})
bitpayRoute(bitpayRecipientsRouter, {
  method: 'delete',
  path: '/recipients/{id}',
  summary: 'Remove a recipient',
  signing: 'token',
  facades: PAYOUT_FACADES,
  request: { params: idParam },
  responses: { 200: bitpayTrueSchema },
  handler: async (c, { auth, params }) => {
    await removeRecipient(c.env, auth, params.id)
    return BITPAY_TRUE
  },
})
bitpayRoute(bitpayRecipientsRouter, {
  method: 'post',
  path: '/recipients/{id}/notifications',
  summary: "Resend the recipient's last notification",
  signing: 'token',
  facades: PAYOUT_FACADES,
  request: { params: idParam },
  responses: { 200: bitpayTrueSchema },
  handler: async (c, { auth, params }) => {
    await resendRecipientNotification(c.env, auth, params.id)
    return BITPAY_TRUE
  },
})
