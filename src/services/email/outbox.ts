import { and, asc, eq, lte } from 'drizzle-orm'
import { randomHex } from '../../auth/crypto'
import { getDb, type Db } from '../../db/client'
import { emailOutbox } from '../../db/schema'
import { EMAIL_CLAIM_SECONDS, EMAIL_MAX_ATTEMPTS, emailRetryDelaySeconds } from './retry'
import { emailSender, type EmailSender } from './sender'
import { log } from '../../log'

export type EmailRow = typeof emailOutbox.$inferSelect

export interface NewEmail {
  merchantId: string
  livemode: boolean
  /** What the message is for (`bill`, `recipient_invite`, …) and that thing's id. */
  kind: string
  refId: string
  /** The same key never makes a second message (retried issuers stay idempotent). */
  dedupeKey?: string
  to: string[]
  cc?: string[]
  subject: string
  text: string
  html?: string
}

/** The sender address: EMAIL_FROM, else a local placeholder (wrangler dev accepts any). */
export function fromAddress(env: Env): string {
  return env.EMAIL_FROM || 'billing@bitxpay.localhost'
}

/**
 * The insert that records a message as queued, for the caller's own `db.batch` (so the message is
 * written with the change that causes it). Returns the row's id with the query.
 */
export function queueEmail(env: Env, db: Db, email: NewEmail, now = new Date()) {
  const id = `em_${randomHex(12)}`
  const at = now.toISOString()
  const query = db
    .insert(emailOutbox)
    .values({
      id,
      merchantId: email.merchantId,
      livemode: email.livemode,
      kind: email.kind,
      refId: email.refId,
      dedupeKey: email.dedupeKey ?? id,
      fromAddress: fromAddress(env),
      toAddresses: JSON.stringify(email.to),
      ccAddresses: JSON.stringify(email.cc ?? []),
      subject: email.subject,
      textBody: email.text,
      htmlBody: email.html ?? null,
      nextAttemptAt: at,
      createdAt: at,
      updatedAt: at,
    })
    .onConflictDoNothing()
  return { id, query }
}

/**
 * One attempt at a queued message: claimed first (a conditional UPDATE, so two cron runs never send
 * it twice), then sent, then marked sent, or re-queued with a backoff, or failed after the last try.
 */
export async function attemptEmail(
  env: Env,
  id: string,
  now = new Date(),
  sender: EmailSender = emailSender(env),
): Promise<EmailRow | undefined> {
  const db = getDb(env.DB)
  const at = now.toISOString()
  const [row] = await db
    .update(emailOutbox)
    .set({ nextAttemptAt: new Date(now.getTime() + EMAIL_CLAIM_SECONDS * 1000).toISOString(), updatedAt: at })
    .where(and(eq(emailOutbox.id, id), eq(emailOutbox.status, 'queued'), lte(emailOutbox.nextAttemptAt, at)))
    .returning()
  if (!row) return undefined
  const attempts = row.attempts + 1
  try {
    const { messageId } = await sender.send({
      from: row.fromAddress,
      to: JSON.parse(row.toAddresses) as string[],
      cc: JSON.parse(row.ccAddresses) as string[],
      subject: row.subject,
      text: row.textBody,
      ...(row.htmlBody ? { html: row.htmlBody } : {}),
    })
    const [sent] = await db
      .update(emailOutbox)
      .set({
        status: 'sent',
        attempts,
        messageId,
        lastError: null,
        sentAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
      })
      .where(eq(emailOutbox.id, id))
      .returning()
    return sent
  } catch (err) {
    const failed = attempts >= EMAIL_MAX_ATTEMPTS
    const [kept] = await db
      .update(emailOutbox)
      .set({
        status: failed ? 'failed' : 'queued',
        attempts,
        lastError: String(err instanceof Error ? err.message : err).slice(0, 500),
        nextAttemptAt: new Date(now.getTime() + emailRetryDelaySeconds(attempts) * 1000).toISOString(),
        updatedAt: new Date().toISOString(),
      })
      .where(eq(emailOutbox.id, id))
      .returning()
    log.warn(failed ? 'email failed for good' : 'email send failed; will retry', { id, attempts, err: String(err) })
    return kept
  }
}

/** Cron: tries every queued message whose time has come (oldest first, up to `limit`). */
export async function sendQueuedEmails(
  env: Env,
  now = new Date(),
  sender: EmailSender = emailSender(env),
  limit = 50,
): Promise<number> {
  const due = await getDb(env.DB)
    .select({ id: emailOutbox.id })
    .from(emailOutbox)
    .where(and(eq(emailOutbox.status, 'queued'), lte(emailOutbox.nextAttemptAt, now.toISOString())))
    .orderBy(asc(emailOutbox.nextAttemptAt))
    .limit(limit)
  let sent = 0
  for (const { id } of due) if ((await attemptEmail(env, id, now, sender))?.status === 'sent') sent++
  return sent
}

/** The messages recorded for one thing (a bill, an invite), newest first. */
export async function emailsFor(db: Db, kind: string, refId: string): Promise<EmailRow[]> {
  return db
    .select()
    .from(emailOutbox)
    .where(and(eq(emailOutbox.kind, kind), eq(emailOutbox.refId, refId)))
    .orderBy(asc(emailOutbox.createdAt))
}
