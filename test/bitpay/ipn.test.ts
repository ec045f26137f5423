import { describe, expect, it } from 'vitest'
import { call, merchantWithWallet } from '../helpers/api'
import { GATEWAY, newIdentity, pairToken, signHeaders } from '../helpers/bitpay'
import { received, receiverUrl, waitForRequests } from '../helpers/receiver'

async function invoiceWithIpn(body: Record<string, unknown>) {
  const m = await merchantWithWallet()
  const identity = newIdentity()
  const token = await pairToken(m.testKey, identity)
  const raw = JSON.stringify({ token, currency: 'USD', ...body })
  const res = await call('POST', '/invoices', {
    body: raw,
    raw: true,
    headers: signHeaders(identity, `${GATEWAY}invoices`, raw),
  })
  expect(res.status).toBe(200)
  return res.json.data
}

describe('BitPay IPNs to notificationURL', () => {
  it('sends the invoice object when it is paid and confirmed, and nothing for new', async () => {
    const r = receiverUrl()
    const invoice = await invoiceWithIpn({ price: 10, notificationURL: r.url, posData: 'p-1' })
    const [ipn] = await waitForRequests(r.name, 1)
    const body = JSON.parse(ipn!.body)
    expect(body).toMatchObject({
      id: invoice.id,
      status: 'confirmed',
      price: 10,
      currency: 'USD',
      posData: 'p-1',
      exceptionStatus: false,
    })
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect((await received(r.name)).map((x) => JSON.parse(x.body).status)).toEqual(['confirmed'])
  })

  it('wraps the invoice in {event, data} for extendedNotifications', async () => {
    const r = receiverUrl()
    const invoice = await invoiceWithIpn({ price: 10, notificationURL: r.url, extendedNotifications: true })
    const [ipn] = await waitForRequests(r.name, 1)
    expect(JSON.parse(ipn!.body)).toMatchObject({
      event: { code: 1005, name: 'invoice_confirmed' },
      data: { id: invoice.id, status: 'confirmed' },
    })
  })

  it('notifies expiry and failure only with fullNotifications', async () => {
    const quiet = receiverUrl()
    await invoiceWithIpn({ price: 20, notificationURL: quiet.url })
    const loud = receiverUrl()
    await invoiceWithIpn({ price: 20, notificationURL: loud.url, fullNotifications: true, extendedNotifications: true })
    const [ipn] = await waitForRequests(loud.name, 1)
    expect(JSON.parse(ipn!.body).event).toEqual({ code: 1013, name: 'invoice_failedToConfirm' })
    expect(await received(quiet.name)).toEqual([])
  })
})
