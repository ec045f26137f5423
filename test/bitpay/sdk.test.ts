import { Client, Env, Environment, Facade, Models, TokenContainer } from 'bitpay-sdk'
import { beforeAll, describe, expect, it } from 'vitest'
import { call, eventually, merchantWithWallet } from '../helpers/api'
import { GATEWAY, newIdentity, pairToken, routeGatewayFetch } from '../helpers/bitpay'

describe('the official bitpay-sdk client, pointed at the gateway', () => {
  beforeAll(() => {
    // The SDK's documented way to change its host; its typings mark the export read-only.
    ;(Env as { TestUrl: string }).TestUrl = GATEWAY
    routeGatewayFetch()
  })

  it('pairs a merchant token, creates, reads, lists and cancels invoices, refunds a paid one, reads rates and currencies', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const client = Client.createClientByPrivateKey(
      identity.privateKey,
      new TokenContainer({ [Facade.Merchant]: token }),
      Environment.Test,
    )

    const invoice = new Models.Invoice(10, 'USD')
    invoice.orderId = 'order-1001'
    invoice.itemDesc = 'Coffee beans'
    invoice.posData = '{"cart":7}'
    const created = await client.createInvoice(invoice)
    expect(created).toMatchObject({
      status: 'new',
      price: 10,
      currency: 'USD',
      orderId: 'order-1001',
      itemDesc: 'Coffee beans',
      posData: '{"cart":7}',
      exceptionStatus: false,
    })
    expect(created.url).toMatch(/\/pay\/[A-Z]{4}-\d{8}-PMT$/)
    expect(created.paymentTotals).toHaveProperty('ETH')

    const byId = await client.getInvoice(created.id!)
    expect(byId.id).toBe(created.id)
    const byGuid = await client.getInvoiceByGuid(created.guid)
    expect(byGuid.id).toBe(created.id)

    const today = new Date()
    const listed = await client.getInvoices({
      dateStart: new Date(today.getTime() - 86_400_000).toISOString().slice(0, 10),
      dateEnd: new Date(today.getTime() + 86_400_000).toISOString().slice(0, 10),
      status: null,
      orderId: 'order-1001',
      limit: 10,
      offset: 0,
    })
    expect(listed.map((i: { id?: string }) => i.id)).toEqual([created.id])

    const other = await client.createInvoice(new Models.Invoice(12.5, 'EUR'))
    const cancelled = await client.cancelInvoice(other.id!)
    expect(cancelled.status).toBe('expired')
    expect(cancelled.isCancelled).toBe(true)

    // 10.00 settles on its own in the sandbox; then it can be refunded.
    await eventually(async () => ['confirmed', 'complete'].includes((await client.getInvoice(created.id!)).status!))
    const refund = await client.createRefund(
      Object.assign(new Models.Refund(5, created.id!, token), { currency: 'USD' }),
    )
    expect(refund).toMatchObject({ invoice: created.id, amount: 5, currency: 'USD', status: 'created' })
    expect((await client.getRefund(refund.id!)).id).toBe(refund.id)
    expect((await client.getRefunds(created.id!)).map((r: { id?: string }) => r.id)).toEqual([refund.id])
    expect((await client.cancelRefund(refund.id!)).status).toBe('canceled')

    const rate = await client.getRate('ETH', 'USD')
    expect(rate).toMatchObject({ code: 'USD', rate: 3000 })
    const rates = await client.getRates('ETH')
    expect(rates.getRate('EUR')).toBeCloseTo(3000 / 1.08, 2)
    const usd = await client.getCurrencyInfo('USD')
    expect(usd).toMatchObject({ code: 'USD', precision: 2 })
    const wallets = await client.getSupportedWallets()
    expect(wallets.length).toBeGreaterThan(0)
  })

  it('surfaces BitPay error codes through the client', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const client = Client.createClientByPrivateKey(
      identity.privateKey,
      new TokenContainer({ [Facade.Merchant]: token }),
      Environment.Test,
    )
    const fresh = await client.createInvoice(new Models.Invoice(3, 'USD'))
    await expect(
      client.createRefund(Object.assign(new Models.Refund(1, fresh.id!, token), { currency: 'USD' })),
    ).rejects.toMatchObject({ code: '010207' })
    await expect(client.getInvoice('3d0a5e66-f5a5-432e-86e6-e9405a94fba6')).rejects.toMatchObject({ code: '020101' })
  })

  it("sees another merchant's invoice as not found", async () => {
    const a = await merchantWithWallet()
    const b = await merchantWithWallet()
    const ia = newIdentity()
    const ib = newIdentity()
    const clientA = Client.createClientByPrivateKey(
      ia.privateKey,
      new TokenContainer({ [Facade.Merchant]: await pairToken(a.testKey, ia) }),
      Environment.Test,
    )
    const clientB = Client.createClientByPrivateKey(
      ib.privateKey,
      new TokenContainer({ [Facade.Merchant]: await pairToken(b.testKey, ib) }),
      Environment.Test,
    )
    const invoice = await clientA.createInvoice(new Models.Invoice(4, 'USD'))
    await expect(clientB.getInvoice(invoice.id!)).rejects.toMatchObject({ code: '020101' })
    expect((await call('GET', `/v1/payments/${invoice.id}`, { key: a.testKey })).json.data.amount).toBe('4.00')
  })
})
