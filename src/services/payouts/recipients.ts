import { and, desc, eq, inArray, sql } from 'drizzle-orm'
import { getAddress, isAddress, verifyMessage } from 'viem'
import { randomHex } from '../../auth/crypto'
import { inviteUrl } from '../../webhooks/payout-views'
import type { AuthContext } from '../../context'
import { getDb } from '../../db/client'
import { merchants, recipients } from '../../db/schema'
import { enqueueEvent, enqueueEvents, insertSubjectEventIf, recipientTransition } from '../../db/subject-events'
import { canSetRecipientStatus, MAX_INVITES_PER_CALL, recipientChallenge } from '../../domain/payouts'
import { checkUrls } from '../../domain/url-policy'
import { ApiError, notFound } from '../../errors'
import { queueEmail } from '../email/outbox'

export type RecipientRow = typeof recipients.$inferSelect

export { inviteUrl } from '../../webhooks/payout-views'

export interface InviteInput {
  email: string
  label?: string | undefined
  notification_url?: string | undefined
}

/** Invites recipients (one email each through the outbox); an email already invited returns its existing row. */
export async function inviteRecipients(
  env: Env,
  auth: AuthContext,
  inputs: InviteInput[],
  requestUrl: string,
): Promise<RecipientRow[]> {
  if (inputs.length === 0 || inputs.length > MAX_INVITES_PER_CALL)
    throw new ApiError('VALIDATION_ERROR', `Invite 1 to ${MAX_INVITES_PER_CALL} recipients per call`, 'recipients')
  for (const [i, r] of inputs.entries())
    checkUrls(env.ENVIRONMENT, [
      { field: `recipients[${i}].notification_url`, kind: 'callback', value: r.notification_url },
    ])
  const db = getDb(env.DB)
  const [merchant] = await db.select({ name: merchants.name }).from(merchants).where(eq(merchants.id, auth.merchantId))
  const now = new Date().toISOString()
  const emails = [...new Set(inputs.map((r) => r.email.toLowerCase()))]
  const rows: RecipientRow[] = emails.map((email) => {
    const input = inputs.find((r) => r.email.toLowerCase() === email)
    return {
      id: `rcp_${randomHex(12)}`,
      merchantId: auth.merchantId,
      livemode: auth.livemode,
      email,
      label: input?.label ?? null,
      notificationUrl: input?.notification_url ?? null,
      status: 'invited',
      inviteToken: randomHex(24),
      address: null,
      challengeAddress: null,
      challengeNonce: null,
      verifiedAt: null,
      createdAt: now,
      updatedAt: now,
      version: 1,
    }
  })
  const eventOf = new Map<string, string>()
  for (let i = 0; i < rows.length; i += 25) {
    const group = rows.slice(i, i + 25)
    const queries = group.flatMap((r) => {
      // Written only when this call inserted the row (an email already invited keeps its own row and events).
      const event = insertSubjectEventIf(
        db,
        { subject: 'recipient', type: 'recipient.invited', row: r },
        sql`EXISTS (SELECT 1 FROM recipients WHERE id = ${r.id})`,
      )
      eventOf.set(r.id, event.id)
      return [
        db.insert(recipients).values(r).onConflictDoNothing(),
        event.query,
        queueEmail(env, db, {
          merchantId: auth.merchantId,
          livemode: auth.livemode,
          kind: 'recipient_invite',
          refId: r.id,
          dedupeKey: `recipient_invite:${r.id}`,
          to: [r.email],
          subject: `${merchant?.name ?? 'A merchant'} invites you to receive payouts`,
          text: `${merchant?.name ?? 'A merchant'} would like to send you payouts.\n\nOpen this link to choose the address that receives them:\n${inviteUrl(env, r, requestUrl)}\n`,
        }).query,
      ]
    })
    await db.batch(queries as [(typeof queries)[number], ...(typeof queries)[number][]])
  }
  // D1 binds at most 100 parameters per statement: read the rows back in slices.
  const stored: RecipientRow[] = []
  for (let i = 0; i < emails.length; i += 90) {
    stored.push(
      ...(await db
        .select()
        .from(recipients)
        .where(
          and(
            eq(recipients.merchantId, auth.merchantId),
            eq(recipients.livemode, auth.livemode),
            inArray(recipients.email, emails.slice(i, i + 90)),
          ),
        )),
    )
  }
  // The rows this call inserted carry the ids it chose: their recipient.invited events were written.
  await enqueueEvents(
    env,
    stored.flatMap((r) => eventOf.get(r.id) ?? []),
  )
  return stored
}

export async function listRecipients(env: Env, auth: AuthContext): Promise<RecipientRow[]> {
  return getDb(env.DB)
    .select()
    .from(recipients)
    .where(and(eq(recipients.merchantId, auth.merchantId), eq(recipients.livemode, auth.livemode)))
    .orderBy(desc(recipients.createdAt))
    .limit(1000)
}

export async function getRecipient(env: Env, auth: AuthContext, id: string): Promise<RecipientRow> {
  const [row] = await getDb(env.DB)
    .select()
    .from(recipients)
    .where(
      and(eq(recipients.id, id), eq(recipients.merchantId, auth.merchantId), eq(recipients.livemode, auth.livemode)),
    )
  if (!row) throw notFound('Recipient')
  return row
}

export async function findRecipientByEmail(env: Env, auth: AuthContext, email: string): Promise<RecipientRow> {
  const [row] = await getDb(env.DB)
    .select()
    .from(recipients)
    .where(
      and(
        eq(recipients.email, email.toLowerCase()),
        eq(recipients.merchantId, auth.merchantId),
        eq(recipients.livemode, auth.livemode),
      ),
    )
  if (!row) throw new ApiError('NOT_FOUND', 'Recipient not found', 'recipient_email')
  return row
}

export async function updateRecipient(
  env: Env,
  auth: AuthContext,
  id: string,
  patch: {
    label?: string | undefined
    notification_url?: string | null | undefined
    status?: 'active' | 'paused' | undefined
  },
): Promise<RecipientRow> {
  const row = await getRecipient(env, auth, id)
  checkUrls(env.ENVIRONMENT, [{ field: 'notification_url', kind: 'callback', value: patch.notification_url }])
  if (patch.status && patch.status !== row.status && !canSetRecipientStatus(row.status, patch.status)) {
    throw new ApiError('INVALID_STATE_TRANSITION', `A ${row.status} recipient cannot become ${patch.status}`, 'status')
  }
  const t = recipientTransition(getDb(env.DB), row, {
    ...(patch.label !== undefined ? { label: patch.label } : {}),
    ...(patch.notification_url !== undefined ? { notificationUrl: patch.notification_url } : {}),
    ...(patch.status ? { status: patch.status } : {}),
  })
  return commit(env, t)
}

/** Writes a recipient change and its events in one batch, then queues the events; a concurrent change is a 409. */
async function commit(
  env: Env,
  t: ReturnType<typeof recipientTransition>,
  conflict = 'The recipient changed meanwhile: try again',
): Promise<RecipientRow> {
  const db = getDb(env.DB)
  const [updated] = await db.batch([t.update, ...t.events.map((e) => e.query)])
  const [row] = updated
  if (!row) throw new ApiError('CONFLICT', conflict, 'id')
  for (const e of t.events) await enqueueEvent(env, e.id)
  return row
}

export async function removeRecipient(env: Env, auth: AuthContext, id: string): Promise<RecipientRow> {
  const row = await getRecipient(env, auth, id)
  if (row.status === 'removed') return row
  return commit(env, recipientTransition(getDb(env.DB), row, { status: 'removed', challengeNonce: null }))
}

/** Test mode: activates a recipient with an address, no signature (sandbox). */
export async function sandboxActivate(env: Env, auth: AuthContext, id: string, address: string): Promise<RecipientRow> {
  if (auth.livemode)
    throw new ApiError(
      'FORBIDDEN',
      'Activating a recipient without a signature is only available with test keys',
      'Authorization',
    )
  if (!isAddress(address)) throw new ApiError('VALIDATION_ERROR', 'address must be an EVM address', 'address')
  const row = await getRecipient(env, auth, id)
  if (row.status === 'removed') throw new ApiError('INVALID_STATE_TRANSITION', 'The recipient was removed', 'id')
  return commit(
    env,
    recipientTransition(getDb(env.DB), row, {
      status: 'active',
      address: getAddress(address),
      verifiedAt: new Date().toISOString(),
    }),
  )
}

async function byToken(env: Env, token: string): Promise<RecipientRow> {
  const [row] = await getDb(env.DB).select().from(recipients).where(eq(recipients.inviteToken, token))
  if (!row || row.status === 'removed') throw notFound('Invitation')
  return row
}

export async function recipientForPage(
  env: Env,
  token: string,
): Promise<{ recipient: RecipientRow; merchantName: string }> {
  const recipient = await byToken(env, token)
  const [merchant] = await getDb(env.DB)
    .select({ name: merchants.name })
    .from(merchants)
    .where(eq(merchants.id, recipient.merchantId))
  return { recipient, merchantName: merchant?.name ?? 'A merchant' }
}

/** A fresh challenge naming `address` (replaces any open one); the invite becomes `unverified`. */
export async function issueChallenge(env: Env, token: string, address: string): Promise<string> {
  if (!isAddress(address)) throw new ApiError('VALIDATION_ERROR', 'address must be an EVM address', 'address')
  const { recipient, merchantName } = await recipientForPage(env, token)
  const nonce = randomHex(16)
  const status = recipient.status === 'invited' ? 'unverified' : recipient.status
  await commit(
    env,
    recipientTransition(getDb(env.DB), recipient, {
      challengeAddress: getAddress(address),
      challengeNonce: nonce,
      status,
    }),
  )
  return recipientChallenge({ merchantName, recipientId: recipient.id, address, nonce })
}

/** Checks the signature over the open challenge, consumes it, and activates the recipient with the address. */
export async function verifyChallenge(
  env: Env,
  token: string,
  address: string,
  signature: string,
): Promise<RecipientRow> {
  if (!isAddress(address)) throw new ApiError('VALIDATION_ERROR', 'address must be an EVM address', 'address')
  const { recipient, merchantName } = await recipientForPage(env, token)
  if (
    !recipient.challengeNonce ||
    !recipient.challengeAddress ||
    recipient.challengeAddress.toLowerCase() !== address.toLowerCase()
  ) {
    throw new ApiError('CONFLICT', 'No open challenge for this address: request one first', 'address')
  }
  const message = recipientChallenge({
    merchantName,
    recipientId: recipient.id,
    address: recipient.challengeAddress,
    nonce: recipient.challengeNonce,
  })
  const valid =
    /^0x[0-9a-fA-F]+$/.test(signature) &&
    (await verifyMessage({ address: getAddress(address), message, signature: signature as `0x${string}` }).catch(
      () => false,
    ))
  if (!valid) throw new ApiError('INVALID_SIGNATURE', 'The signature does not match the address', 'signature')
  // Conditional on the nonce: a challenge verifies once. A valid signature proves control (verified)
  // and the address is accepted at once (active): both events, one batch.
  const t = recipientTransition(
    getDb(env.DB),
    recipient,
    {
      status: 'active',
      address: getAddress(address),
      verifiedAt: new Date().toISOString(),
      challengeNonce: null,
      challengeAddress: null,
    },
    {
      via: recipient.status === 'active' ? [] : ['verified'],
      extra: eq(recipients.challengeNonce, recipient.challengeNonce),
    },
  )
  return commit(env, t, 'The challenge was already used')
}
