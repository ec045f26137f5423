import { beforeAll, describe, expect, it } from 'vitest'
import { generatePrivateKey } from 'viem/accounts'
import { createApp, OPENAPI_INFO } from '../../src/app'
import { call, merchantWithWallet } from '../helpers/api'
import { newIdentity, pairToken, signedCall } from '../helpers/bitpay'
import { responseSchema, schemaErrors, type OpenApiDoc } from '../helpers/openapi-schema'
import { billBody } from '../bills/helpers'
import { completedPayment } from '../ledger/helpers'

/**
 * Every BitPay operation of /openapi.json, called once the way a client would, and its 200 body
 * checked against the documented schema (exact-JSON numbers included, undocumented fields refused).
 * The operations come from the document, so a new BitPay route fails here until it has a call.
 */

const doc = createApp().getOpenAPI31Document(OPENAPI_INFO) as unknown as OpenApiDoc
const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops)
    .filter(([, op]) => op.tags?.includes('BitPay'))
    .map(([method]) => `${method.toUpperCase()} ${path}`),
)

type Response = Awaited<ReturnType<typeof call>>
/** The response of the representative call of each operation, by `METHOD /openapi/{path}`. */
const responses = new Map<string, Response>()

async function record(operation: string, res: Response | Promise<Response>): Promise<Response> {
  const r = await res
  if (r.status !== 200) throw new Error(`${operation}: ${r.status} ${r.text}`)
  responses.set(operation, r)
  return r
}

beforeAll(async () => {
  const m = await merchantWithWallet()
  const identity = newIdentity()
  const token = await pairToken(m.testKey, identity)
  const pos = await pairToken(m.testKey, newIdentity(), 'pos')
  const signed = (method: string, path: string, body?: Record<string, unknown>) =>
    signedCall(identity, method, path, body)

  await record(
    'POST /tokens',
    call('POST', '/tokens', { body: { id: newIdentity().sin, facade: 'merchant', label: 'till 1' } }),
  )
  await record('GET /tokens', signed('GET', '/tokens'))
  await record('POST /sessions', call('POST', '/sessions'))

  // Invoices: one paid (for refunds and the ledger), two cancelled (by id and by guid), one by a pos token.
  const invoice = (
    await record(
      'POST /invoices',
      signed('POST', '/invoices', {
        token,
        price: 12,
        currency: 'USD',
        orderId: 'o-1',
        buyer: { name: 'Bea', notify: true },
      }),
    )
  ).json.data
  await call('POST', '/invoices', { body: { token: pos, price: 1.5, currency: 'EUR' } }).then((r) =>
    expect(r.status).toBe(200),
  )
  await record('GET /invoices', signed('GET', `/invoices?token=${token}&status=&limit=10`))
  await record('GET /invoices/{id}', signed('GET', `/invoices/${invoice.id}?token=${token}`))
  await record('GET /invoices/guid/{guid}', signed('GET', `/invoices/guid/${invoice.guid}?token=${token}`))
  await record('GET /invoices/{id}/events', signed('GET', `/invoices/${invoice.id}/events?token=${token}`))
  await record('PUT /invoices/{id}', signed('PUT', `/invoices/${invoice.id}`, { token, buyerEmail: 'new@example.com' }))
  await record(
    'POST /invoices/{id}/notifications',
    call('POST', `/invoices/${invoice.id}/notifications`, { body: { token: invoice.token } }),
  )
  await record('PUT /invoices/pay/{id}', signed('PUT', `/invoices/pay/${invoice.id}`, { token }))
  const doomed = (await signed('POST', '/invoices', { token, price: 2, currency: 'USD' })).json.data
  await record('DELETE /invoices/{id}', signed('DELETE', `/invoices/${doomed.id}?token=${token}`))
  await signed('POST', '/invoices', { token, price: 2, currency: 'USD', guid: 'doomed-guid' })
  await record('DELETE /invoices/guid/{guid}', signed('DELETE', `/invoices/guid/doomed-guid?token=${token}`))

  // Refunds: a preview submitted, notified, listed and cancelled; a second one by guid.
  const refund = (
    await record(
      'POST /refunds',
      signed('POST', '/refunds', { token, invoiceId: invoice.id, amount: 4, preview: true, reference: 'r-1' }),
    )
  ).json.data
  await record('PUT /refunds/{id}', signed('PUT', `/refunds/${refund.id}`, { token, status: 'created' }))
  await record('GET /refunds', signed('GET', `/refunds?token=${token}&invoiceId=${invoice.id}`))
  await record('GET /refunds/{id}', signed('GET', `/refunds/${refund.id}?token=${token}`))
  await record('GET /refunds/guid/{guid}', signed('GET', `/refunds/guid/${refund.guid}?token=${token}`))
  await record(
    'POST /refunds/{id}/notifications',
    call('POST', `/refunds/${refund.id}/notifications`, { body: { token: refund.token } }),
  )
  await record('DELETE /refunds/{id}', signed('DELETE', `/refunds/${refund.id}?token=${token}`))
  await signed('POST', '/refunds', { token, invoiceId: invoice.id, amount: 1, preview: true, guid: 'refund-guid' })
  await record('PUT /refunds/guid/{guid}', signed('PUT', '/refunds/guid/refund-guid', { token, status: 'created' }))
  await record('DELETE /refunds/guid/{guid}', signed('DELETE', `/refunds/guid/refund-guid?token=${token}`))
  await signed('POST', '/refunds', { token, invoiceId: invoice.id, amount: 2 }).then((r) => expect(r.status).toBe(200))

  // Bills and subscriptions.
  const bill = (await record('POST /bills', signed('POST', '/bills', { token, ...billBody(), dueDate: '2026-12-31' })))
    .json.data
  await record('GET /bills', signed('GET', `/bills?token=${token}&status=`))
  await record('GET /bills/{id}', signed('GET', `/bills/${bill.id}?token=${token}`))
  await record(
    'PUT /bills/{id}',
    signed('PUT', `/bills/${bill.id}`, { token: bill.token, ...billBody({ number: 'bill-1002' }) }),
  )
  await record(
    'POST /bills/{id}/deliveries',
    call('POST', `/bills/${bill.id}/deliveries`, { body: { token: bill.token } }),
  )
  const { token: _billToken, ...billData } = { token, ...billBody() }
  const sub = (
    await record('POST /subscriptions', signed('POST', '/subscriptions', { token, billData, schedule: 'weekly' }))
  ).json.data
  await record('GET /subscriptions', signed('GET', `/subscriptions?token=${token}`))
  await record('GET /subscriptions/{id}', signed('GET', `/subscriptions/${sub.id}?token=${token}`))
  await record(
    'PUT /subscriptions/{id}',
    signed('PUT', `/subscriptions/${sub.id}`, { token: sub.token, status: 'active' }),
  )

  // Ledger and settlements (after the paid invoice and its refund).
  // Complete the paid invoice (the ledger books completed payments), and one more payment through v1.
  expect(
    (await call('POST', `/v1/sandbox/payments/${invoice.id}/simulate`, { key: m.testKey, body: {} })).json.data.status,
  ).toBe('completed')
  await completedPayment(m.testKey)
  await record('GET /ledgers', signed('GET', `/ledgers?token=${token}`))
  const paidIn = (await signed('GET', `/invoices/${invoice.id}?token=${token}`)).json.data.transactionCurrency
  await record('GET /ledgers/{currency}', signed('GET', `/ledgers/${paidIn}?token=${token}&startDate=&endDate=`))
  const closed = await call('POST', '/v1/sandbox/settlements/close', { key: m.testKey })
  const settlementId = closed.json.data[0].id
  await record('GET /settlements', signed('GET', `/settlements?token=${token}&currency=ETH`))
  const settlement = (
    await record('GET /settlements/{id}', signed('GET', `/settlements/${settlementId}?token=${token}`))
  ).json.data
  await record(
    'GET /settlements/{id}/reconciliationReport',
    signed('GET', `/settlements/${settlementId}/reconciliationReport?token=${settlement.token}`),
  )

  // Public.
  await record('GET /rates', call('GET', '/rates'))
  await record('GET /rates/{base}', call('GET', '/rates/ETH'))
  await record('GET /rates/{base}/{currency}', call('GET', '/rates/ETH/USD'))
  await record('GET /currencies', call('GET', '/currencies'))
  await record('GET /supportedwallets', call('GET', '/supportedwallets'))

  // Token SINs: link a second key, list, unlink it again.
  const second = newIdentity()
  await record('POST /tokens/{token}/sins', signed('POST', `/tokens/${token}/sins`, { sin: second.sin }))
  await record('GET /tokens/{token}/sins', signed('GET', `/tokens/${token}/sins`))
  await record('DELETE /tokens/{token}/sins/{sin}', signed('DELETE', `/tokens/${token}/sins/${second.sin}`))

  // Recipients and payouts (payout facade): a recipient invited, activated, updated and paid (later);
  // a fiat payout; a group with one refused instruction, cancelled; another recipient removed.
  await call('POST', '/v1/payout-wallets', {
    key: m.testKey,
    body: { chain_id: 31337, private_key: generatePrivateKey() },
  }).then((r) => expect(r.status).toBe(201))
  const payoutIdentity = newIdentity()
  const payoutToken = await pairToken(m.testKey, payoutIdentity, 'payout')
  const payouts = (method: string, path: string, body?: Record<string, unknown>) =>
    signedCall(payoutIdentity, method, path, body)
  const email = `r.${crypto.randomUUID().slice(0, 8)}@example.com`
  const recipient = (
    await record(
      'POST /recipients',
      payouts('POST', '/recipients', {
        token: payoutToken,
        recipients: [{ email, label: 'R', notificationURL: 'https://merchant.example/payouts' }],
      }),
    )
  ).json.data[0]
  await call('POST', `/v1/sandbox/recipients/${recipient.id}/activate`, {
    key: m.testKey,
    body: { address: '0x000000000000000000000000000000000000dEaD' },
  })
  await record('GET /recipients', payouts('GET', `/recipients?token=${payoutToken}&status=&limit=10`))
  await record('GET /recipients/{id}', payouts('GET', `/recipients/${recipient.id}?token=${payoutToken}`))
  await record(
    'PUT /recipients/{id}',
    payouts('PUT', `/recipients/${recipient.id}`, { token: payoutToken, email, label: 'R2', notificationURL: null }),
  )
  await record(
    'POST /recipients/{id}/notifications',
    payouts('POST', `/recipients/${recipient.id}/notifications`, { token: payoutToken }),
  )
  const later = { recipientId: recipient.id, effectiveDate: '2100-01-01' }
  const payout = (
    await record(
      'POST /payouts',
      payouts('POST', '/payouts', {
        token: payoutToken,
        amount: '2.5',
        currency: 'USDC',
        reference: 'p-1',
        notificationURL: 'https://merchant.example/p',
        ...later,
      }),
    )
  ).json.data
  await payouts('POST', '/payouts', {
    token: payoutToken,
    amount: 10,
    currency: 'USD',
    ledgerCurrency: 'USDC',
    ...later,
  }).then((r) => expect(r.status).toBe(200))
  await record(
    'GET /payouts',
    payouts('GET', `/payouts?token=${payoutToken}&status=&reference=&groupId=&startDate=&endDate=`),
  )
  await record('GET /payouts/{id}', payouts('GET', `/payouts/${payout.id}?token=${payoutToken}`))
  await record(
    'POST /payouts/{id}/notifications',
    payouts('POST', `/payouts/${payout.id}/notifications`, { token: payoutToken }),
  )
  await record('DELETE /payouts/{id}', payouts('DELETE', `/payouts/${payout.id}?token=${payoutToken}`))
  const group = (
    await record(
      'POST /payouts/group',
      payouts('POST', '/payouts/group', {
        token: payoutToken,
        instructions: [
          { amount: 1, currency: 'USDC', ...later },
          { amount: 1, ...later },
        ],
      }),
    )
  ).json
  expect(group.failed).toHaveLength(1)
  await record(
    'DELETE /payouts/group/{groupId}',
    payouts('DELETE', `/payouts/group/${group.created[0].groupId}?token=${payoutToken}`),
  )
  const recipientOnly = (
    await payouts('POST', '/recipients', { token: payoutToken, recipients: [{ email: `gone.${email}` }] })
  ).json.data[0]
  await record('DELETE /recipients/{id}', payouts('DELETE', `/recipients/${recipientOnly.id}?token=${payoutToken}`))
}, 120_000)

describe('BitPay responses match /openapi.json', () => {
  it('documents the BitPay routes', () => {
    expect(operations.length).toBeGreaterThan(40)
  })

  it.each(operations)('%s: the 200 body validates against its documented schema', (operation) => {
    const res = responses.get(operation)
    expect(res, `no representative call for ${operation}: add one above`).toBeDefined()
    const [method = '', path = ''] = operation.split(' ')
    const schema = responseSchema(doc, method, path, 200)
    expect(schema, `${operation} documents no 200 JSON schema`).toBeDefined()
    if (!res || !schema) return
    expect(res.headers.get('content-type')).toContain('application/json')
    expect(schemaErrors(res.json, schema, doc)).toEqual([])
  })

  it('checks the exact-JSON numbers as numbers: price, amounts and balances are JSON numbers, not strings', () => {
    expect(typeof responses.get('GET /invoices/{id}')?.json.data.price).toBe('number')
    const entries = responses.get('GET /ledgers/{currency}')?.json.data
    expect(entries.find((e: { invoiceId?: string }) => e.invoiceId)).toMatchObject({
      invoiceAmount: 12,
      buyerFields: { buyerName: 'Bea', buyerNotify: true },
    })
    expect(typeof entries[0].amount).toBe('number')
    expect(typeof responses.get('GET /ledgers')?.json.data[0].balance).toBe('number')
    expect(responses.get('GET /settlements/{id}/reconciliationReport')?.json.data.ledgerEntries.length).toBeGreaterThan(
      0,
    )
  })

  it('refuses what the document does not say: a field sent but undocumented, a string where a number is due', () => {
    const schema = { type: 'object', properties: { price: { type: 'number' } }, required: ['price'] }
    expect(schemaErrors({ price: 1, extra: true }, schema, doc)).toEqual(['$.extra: sent but not documented'])
    expect(schemaErrors({ price: '1' }, schema, doc)).toEqual(['$.price: expected number, got string ("1")'])
    expect(schemaErrors({}, schema, doc)).toEqual(['$.price: required but absent'])
  })
})
