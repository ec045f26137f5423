/** What the outbox hands to a sender: one message, already recorded in D1. */
export interface OutgoingEmail {
  from: string
  to: string[]
  cc: string[]
  subject: string
  text: string
  html?: string
}

export interface EmailSender {
  send(message: OutgoingEmail): Promise<{ messageId: string }>
}

let override: EmailSender | undefined

/**
 * Tests only. The `send_email` binding works inside the vitest plugin (it answers with a messageId)
 * but cannot show what it received nor be made to fail, so tests swap in their own sender here.
 */
export function setEmailSenderForTests(sender: EmailSender | undefined): void {
  override = sender
}

/** The Cloudflare `send_email` binding `EMAIL` (simulated locally by `wrangler dev`). */
export function emailSender(env: Env): EmailSender {
  if (override) return override
  return {
    async send(m) {
      const result = await env.EMAIL.send({
        from: m.from,
        to: m.to,
        ...(m.cc.length ? { cc: m.cc } : {}),
        subject: m.subject,
        text: m.text,
        ...(m.html ? { html: m.html } : {}),
      })
      return { messageId: result.messageId }
    },
  }
}
