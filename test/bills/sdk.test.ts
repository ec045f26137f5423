import { Client, Env, Environment, Facade, Models, TokenContainer } from 'bitpay-sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { merchantWithWallet } from '../helpers/api'
import { GATEWAY, newIdentity, pairToken, routeGatewayFetch } from '../helpers/bitpay'
import { recordingSender } from './helpers'

/** What the gateway returns for a bill (the SDK's typings make every field optional). */
type GatewayBill = {
  id: string
  token: string
  url: string
  status: string
  items: { id: string; price: number; quantity: number; description?: string }[]
}

describe('the official bitpay-sdk bill client, pointed at the gateway', () => {
  const mail = recordingSender()
  beforeAll(() => {
    ;(Env as { TestUrl: string }).TestUrl = GATEWAY
    routeGatewayFetch()
  })
  afterAll(() => mail.restore())

  it('creates, reads, lists, updates and delivers a bill', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const token = await pairToken(m.testKey, identity)
    const client = Client.createClientByPrivateKey(
      identity.privateKey,
      new TokenContainer({ [Facade.Merchant]: token }),
      Environment.Test,
    )

    const item1 = Object.assign(new Models.BillItem(), { price: 6, quantity: 1, description: 'Test Item 1' })
    const item2 = Object.assign(new Models.BillItem(), { price: 4, quantity: 1, description: 'Test Item 2' })
    const bill = new Models.Bill('bill1234-EFGH', 'USD', 'john@doe.com', [item1, item2])
    bill.cc = ['jane@doe.com']
    bill.dueDate = '2021-5-31'
    bill.name = 'John Doe'
    const created = (await client.createBill(bill)) as unknown as GatewayBill
    expect(created).toMatchObject({
      status: 'draft',
      number: 'bill1234-EFGH',
      currency: 'USD',
      email: 'john@doe.com',
      cc: ['jane@doe.com'],
      name: 'John Doe',
      dueDate: '2021-05-31T00:00:00.000Z',
      merchant: m.id,
    })
    expect(created.items.map((i: { price: number }) => i.price)).toEqual([6, 4])
    expect(created.url).toBe(`http://gateway.test/bill/${created.id}`)
    expect(typeof created.token).toBe('string')

    expect((await client.getBill(created.id)).id).toBe(created.id)
    expect((await client.getBills('draft')).map((b) => b.id)).toEqual([created.id])
    expect(await client.getBills('paid')).toEqual([])
    expect((await client.getBills(null)).length).toBe(1)

    // As the SDK's own functional test does: change the first item's price, PUT with the bill token.
    const changed = { ...created, items: created.items.map((item, i) => (i === 0 ? { ...item, price: 9 } : item)) }
    const updated = (await client.updateBill(changed as unknown as Models.Bill, created.id)) as unknown as GatewayBill
    expect(updated.items.map((i) => i.price)).toEqual([9, 4])
    expect(updated.items[0]?.id).not.toBe(created.items[0]?.id)

    expect(await client.deliverBill(created.id, created.token)).toBe(true)
    expect((await client.getBill(created.id)).status).toBe('sent')
    expect(mail.sent).toHaveLength(1)
    expect(mail.sent[0]).toMatchObject({
      from: 'billing@bitxpay.localhost',
      to: ['john@doe.com'],
      cc: ['jane@doe.com'],
      subject: expect.stringMatching(/^Bill bill1234-EFGH from Merchant \d+$/),
    })
    expect(mail.sent[0]!.text).toContain('Total: 13.00 USD')
    expect(mail.sent[0]!.text).toContain(`/bill/${created.id}`)
  })

  it('creates and reads a bill with a pos token, without the buyer address', async () => {
    const m = await merchantWithWallet()
    const identity = newIdentity()
    const pos = await pairToken(m.testKey, identity, 'pos')
    const client = Client.createPosClient(pos, Environment.Test)
    const item = Object.assign(new Models.BillItem(), { price: 5, quantity: 2 })
    const created = (await client.createBill(
      Object.assign(new Models.Bill('pos-1', 'USD', 'a@b.co', [item]), { name: 'Hidden' }),
    )) as unknown as GatewayBill
    expect(created).toMatchObject({ status: 'draft', number: 'pos-1' })
    expect(created).not.toHaveProperty('name')
    expect(created).not.toHaveProperty('merchant')
    expect((await client.getBill(created.id)).id).toBe(created.id)
  })
})
