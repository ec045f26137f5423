import { Client, Env, Environment, Facade, Models, TokenContainer } from 'bitpay-sdk'
import { beforeAll, describe, expect, it } from 'vitest'
// The SDK's own response schemas (used by its functional tests; not exported, so imported by path).
import { ledgerEntryInterfaceSchema } from '../../node_modules/bitpay-sdk/dist/Model/Ledger/LedgerEntry.zod.js'
import { settlementInterfaceSchema } from '../../node_modules/bitpay-sdk/dist/Model/Settlement/Settlement.zod.js'
import { call, merchantWithWallet } from '../helpers/api'
import { GATEWAY, newIdentity, pairToken, routeGatewayFetch } from '../helpers/bitpay'

async function sdkMerchant() {
  const m = await merchantWithWallet()
  const identity = newIdentity()
  const token = await pairToken(m.testKey, identity)
  const client = Client.createClientByPrivateKey(
    identity.privateKey,
    new TokenContainer({ [Facade.Merchant]: token }),
    Environment.Test,
  )
  return { m, client, token }
}

/** An invoice paid in full by the sandbox (12 USD → 0.004 ETH). */
async function paidInvoice(client: Client, testKey: string, orderId: string) {
  const invoice = Object.assign(new Models.Invoice(12, 'USD'), {
    orderId,
    buyer: { name: 'John Doe', email: 'john@doe.com', locality: 'Alexandria', notify: true },
  })
  const created = await client.createInvoice(invoice)
  const paid = await call('POST', `/v1/sandbox/payments/${created.id}/simulate`, {
    key: testKey,
    body: { chain_id: 31337, token: 'ETH' },
  })
  expect(paid.json.data.status).toBe('completed')
  return created
}

describe('bitpay-sdk ledgers and settlements against the gateway', () => {
  beforeAll(() => {
    ;(Env as { TestUrl: string }).TestUrl = GATEWAY
    routeGatewayFetch()
  })

  it('getLedgers and getLedgerEntries (with and without dates) show a paid invoice as a 1000 entry', async () => {
    const { m, client } = await sdkMerchant()
    const invoice = await paidInvoice(client, m.testKey, 'order-ledger-1')
    expect(await client.getLedgers()).toEqual([{ currency: 'ETH', balance: 0.004 }])

    const entries = await client.getLedgerEntries('ETH', null, null)
    expect(entries).toHaveLength(1)
    const entry = entries[0]!
    expect(entry).toMatchObject({
      type: 'Invoice',
      code: 1000,
      amount: 400000,
      scale: 100000000,
      description: 'order-ledger-1',
      txType: 'sale',
      invoiceId: invoice.id,
      invoiceAmount: 12,
      invoiceCurrency: 'USD',
      transactionCurrency: 'ETH',
      currency: 'ETH',
    })
    expect(entry.buyerFields).toMatchObject({
      buyerName: 'John Doe',
      buyerEmail: 'john@doe.com',
      buyerCity: 'Alexandria',
      buyerNotify: true,
    })
    expect(ledgerEntryInterfaceSchema.safeParse(entry).success).toBe(true)

    const today = new Date()
    const dated = await client.getLedgerEntries('ETH', new Date(today.getTime() - 86_400_000), today)
    expect(dated.map((e) => e.id)).toEqual([entry.id])
    expect(await client.getLedgerEntries('ETH', new Date('2020-01-01'), new Date('2020-01-31'))).toEqual([])
    expect(await client.getLedgerEntries('USDC', null, null)).toEqual([])
  })

  it('getSettlements, getSettlement and getSettlementReconciliationReport state the closed period', async () => {
    const { m, client } = await sdkMerchant()
    const invoice = await paidInvoice(client, m.testKey, 'order-settle-1')
    const closed = await call('POST', '/v1/sandbox/settlements/close', { key: m.testKey })
    const id = closed.json.data[0].id as string

    const today = new Date().toISOString().slice(0, 10)
    const list = await client.getSettlements({
      currency: 'ETH',
      startDate: today,
      endDate: today,
      status: 'completed',
      limit: 10,
      offset: 0,
    })
    expect(list.map((s) => s.id)).toEqual([id])
    // The Node SDK's JSDoc spelling of the dates works too.
    expect(await client.getSettlements({ dateStart: '2020-01-01', dateEnd: '2020-01-02' })).toEqual([])

    const settlement = await client.getSettlement(id)
    expect(settlement).toMatchObject({
      id,
      accountId: m.id,
      currency: 'ETH',
      status: 'completed',
      openingBalance: 0,
      ledgerEntriesSum: 0.004,
      withholdingsSum: 0,
      totalAmount: 0.004,
      withholdings: [],
    })
    expect(settlementInterfaceSchema.safeParse(settlement).success).toBe(true)
    expect(settlement.totalAmount).toBe(
      settlement.openingBalance + settlement.ledgerEntriesSum - (settlement.withholdingsSum ?? 0),
    )

    const report = await client.getSettlementReconciliationReport(id, settlement.token!)
    expect(report).toMatchObject({ id, totalAmount: 0.004 })
    expect(report.ledgerEntries).toEqual([
      expect.objectContaining({
        code: 1000,
        amount: 0.004,
        invoiceId: invoice.id,
        invoiceData: expect.objectContaining({
          orderId: 'order-settle-1',
          price: 12,
          currency: 'USD',
          transactionCurrency: 'ETH',
          payoutPercentage: { ETH: 100 },
        }),
      }),
    ])
    expect(settlementInterfaceSchema.safeParse(report).success).toBe(true)
  })

  it("surfaces errors: unknown settlement, wrong report token, another merchant's settlement", async () => {
    const a = await sdkMerchant()
    const b = await sdkMerchant()
    await paidInvoice(a.client, a.m.testKey, 'order-x')
    const id = (await call('POST', '/v1/sandbox/settlements/close', { key: a.m.testKey })).json.data[0].id as string
    const token = (await a.client.getSettlement(id)).token!
    // getSettlement wraps API errors in its own exception (no code); the list and report keep BitPay's code.
    await expect(b.client.getSettlement(id)).rejects.toThrow(/Failed to deserialize/)
    await expect(b.client.getSettlementReconciliationReport(id, token)).rejects.toMatchObject({ code: '020000' })
    await expect(a.client.getSettlementReconciliationReport(id, 'wrong')).rejects.toMatchObject({ code: '020001' })
    expect(await b.client.getSettlements({})).toEqual([])
    expect(await b.client.getLedgers()).toEqual([])
    await expect(a.client.getSettlements({ status: 'bogus' })).rejects.toMatchObject({ code: '020002' })
  })
})
