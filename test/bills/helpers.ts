import { setEmailSenderForTests, type OutgoingEmail } from '../../src/services/email/sender'

/** A sender that records what it was given (and can be told to fail), swapped in for the EMAIL binding. */
export function recordingSender() {
  const sent: OutgoingEmail[] = []
  const state = { failWith: null as string | null }
  setEmailSenderForTests({
    async send(m) {
      if (state.failWith) throw new Error(state.failWith)
      sent.push(m)
      return { messageId: `<msg-${sent.length}@test>` }
    },
  })
  return { sent, state, restore: () => setEmailSenderForTests(undefined) }
}

export const billBody = (extra: Record<string, unknown> = {}) => ({
  number: 'bill-1001',
  currency: 'USD',
  email: 'buyer@example.com',
  cc: ['jane@example.com'],
  name: 'John Doe',
  due_date: '2026-12-31',
  items: [
    { description: 'Consulting', price: '6.00', quantity: 1 },
    { description: 'Hosting', price: '2.00', quantity: 2 },
  ],
  ...extra,
})
