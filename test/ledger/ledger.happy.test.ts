import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { getDb } from '../../src/db/client'
import { insertLedgerEntries } from '../../src/db/ledger'
import { ledgerEntries, payments, settlements } from '../../src/db/schema'
import { completionEntries } from '../../src/domain/ledger'
import { runMaintenance } from '../../src/maintenance'
import { paymentObject } from '../../src/services/payments/payments'
import { completeRefund, createRefund } from '../../src/services/bitpay/refunds'
import { eq } from 'drizzle-orm'
import { call, createMerchant, merchantWithWallet } from '../helpers/api'
import { completedPayment, setFee } from './helpers'

async function entriesOf(paymentId: string) {
  return getDb(env.DB).select().from(ledgerEntries).where(eq(ledgerEntries.paymentId, paymentId))
}

describe('ledger entries from payment completion', () => {
  it('books the amount received as a 1000 entry in the pay currency when a payment completes', async () => {
    const m = await merchantWithWallet()
    const p = await completedPayment(m.testKey)
    const balances = await call('GET', '/v1/balances', { key: m.testKey })
    expect(balances.status).toBe(200)
    expect(balances.json.data).toEqual([{ currency: 'ETH', balance: '0.004', livemode: false }])
    const ledger = await call('GET', '/v1/ledger', { key: m.testKey })
    expect(ledger.json.data).toHaveLength(1)
    expect(ledger.json.data[0]).toMatchObject({
      object: 'ledger_entry',
      code: 1000,
      type: 'Invoice',
      currency: 'ETH',
      amount: '0.004',
      payment_id: p.id,
      source: { type: 'payment', id: p.id },
      settlement_id: null,
    })
    expect(ledger.json.meta.pagination).toMatchObject({ page: 1, total: 1, has_more: false })
  })

  it('writes the entry exactly once when the same completion is observed twice, or its statement runs twice', async () => {
    const m = await merchantWithWallet()
    const p = await completedPayment(m.testKey)
    const object = paymentObject(env, p.id)
    await object.observeFunds(p.amount_received.replace('0.004', '4000000000000000'), '4000000000000000', 5)
    await object.observeFunds('4000000000000000', '4000000000000000', 5)
    expect(await entriesOf(p.id)).toHaveLength(1)
    // The completion batch retried (or raced by a second writer): ON CONFLICT DO NOTHING adds nothing.
    const db = getDb(env.DB)
    const [row] = await db.select().from(payments).where(eq(payments.id, p.id))
    const again = completionEntries({ status: 'processing' }, row!, 0, new Date().toISOString())
    await db.batch([insertLedgerEntries(db, again), insertLedgerEntries(db, again)])
    expect(await entriesOf(p.id)).toHaveLength(1)
  })

  it("books the merchant's fee as a 1023 debit (fee_bps set by the operator)", async () => {
    const m = await merchantWithWallet()
    await setFee(m.id, 250)
    const p = await completedPayment(m.testKey)
    const rows = await entriesOf(p.id)
    expect(rows.map((r) => [r.code, r.amount]).sort()).toEqual([
      [1000, '4000000000000000'],
      [1023, '-100000000000000'],
    ])
    expect((await call('GET', '/v1/balances', { key: m.testKey })).json.data[0].balance).toBe('0.0039')
  })

  it('books a completed refund as a 1020 debit, once', async () => {
    const m = await merchantWithWallet()
    const p = await completedPayment(m.testKey)
    const auth = { merchantId: m.id, livemode: false } as Parameters<typeof createRefund>[1]
    const [payment] = await getDb(env.DB).select().from(payments).where(eq(payments.id, p.id))
    const refund = await createRefund(env, auth, payment!, { amount: '3' })
    const done = await completeRefund(env, refund)
    expect(done.status).toBe('success')
    await expect(completeRefund(env, refund)).rejects.toMatchObject({ code: 'INVALID_STATE_TRANSITION' })
    const rows = await entriesOf(p.id)
    expect(rows.find((r) => r.code === 1020)).toMatchObject({ amount: '-1000000000000000', sourceId: refund.id })
    expect((await call('GET', '/v1/balances', { key: m.testKey })).json.data[0].balance).toBe('0.003')
  })

  it('filters by currency and dates, pages, and exports CSV for accountants', async () => {
    const m = await merchantWithWallet()
    await completedPayment(m.testKey, { order_id: 'o-1' })
    await completedPayment(m.testKey, { order_id: '=cmd' })
    const page = await call('GET', '/v1/ledger?currency=eth&limit=1&page=2', { key: m.testKey })
    expect(page.json.data).toHaveLength(1)
    expect(page.json.meta.pagination).toMatchObject({ page: 2, limit: 1, total: 2, has_more: false })
    expect((await call('GET', '/v1/ledger?currency=USDC', { key: m.testKey })).json.data).toEqual([])
    expect((await call('GET', '/v1/ledger?from=2099-01-01', { key: m.testKey })).json.data).toEqual([])
    const csv = await call('GET', '/v1/ledger', { key: m.testKey, headers: { Accept: 'text/csv' } })
    expect(csv.status).toBe(200)
    expect(csv.headers.get('content-type')).toContain('text/csv')
    const lines = csv.text.trim().split('\r\n')
    expect(lines[0]).toBe(
      'id,created_at,currency,code,type,amount,payment_id,order_id,source_type,source_id,description,settlement_id',
    )
    expect(lines).toHaveLength(3)
    expect(lines[1]).toContain(',ETH,1000,Invoice,0.004,')
    expect(csv.text).toContain("'=cmd") // formulas are defused
  })
})

describe('settlements', () => {
  it('closes the open period on demand in test mode: identity holds, entries are stated once, the total is booked as 1017', async () => {
    const m = await merchantWithWallet()
    await completedPayment(m.testKey)
    await completedPayment(m.testKey)
    const closed = await call('POST', '/v1/sandbox/settlements/close', { key: m.testKey })
    expect(closed.status).toBe(200)
    expect(closed.json.data).toHaveLength(1)
    const s = closed.json.data[0]
    expect(s).toMatchObject({
      object: 'settlement',
      currency: 'ETH',
      status: 'completed',
      opening_balance: '0',
      ledger_entries_sum: '0.008',
      withholdings_sum: '0',
      total_amount: '0.008',
      entry_count: 2,
    })

    const got = await call('GET', `/v1/settlements/${s.id}`, { key: m.testKey })
    expect(got.json.data.entries.map((e: { code: number }) => e.code)).toEqual([1000, 1000])
    expect(got.json.data.entries.every((e: { settlement_id: string }) => e.settlement_id === s.id)).toBe(true)
    // The settled total leaves the balance as a 1017 debit in the next period.
    expect((await call('GET', '/v1/balances', { key: m.testKey })).json.data[0].balance).toBe('0')

    await completedPayment(m.testKey)
    const next = (await call('POST', '/v1/sandbox/settlements/close', { key: m.testKey })).json.data[0]
    expect(next).toMatchObject({
      opening_balance: '0.008',
      ledger_entries_sum: '-0.004',
      total_amount: '0.004',
      entry_count: 2,
      opening_date: s.closing_date,
    })
    const list = await call('GET', '/v1/settlements?currency=ETH', { key: m.testKey })
    expect(list.json.data.map((x: { id: string }) => x.id)).toEqual([next.id, s.id])
    expect(list.json.meta.pagination).toMatchObject({ total: 2, has_more: false })
    expect((await call('GET', '/v1/settlements?limit=1', { key: m.testKey })).json.meta.pagination).toMatchObject({
      total: 2,
      total_pages: 2,
      has_more: true,
    })
  })

  it('holds back pending refunds as a W005 withholding', async () => {
    const m = await merchantWithWallet()
    const p = await completedPayment(m.testKey)
    const [payment] = await getDb(env.DB).select().from(payments).where(eq(payments.id, p.id))
    await createRefund(env, { merchantId: m.id, livemode: false } as Parameters<typeof createRefund>[1], payment!, {
      amount: '6',
    })
    const s = (await call('POST', '/v1/sandbox/settlements/close', { key: m.testKey })).json.data[0]
    expect(s).toMatchObject({
      ledger_entries_sum: '0.004',
      withholdings: [{ amount: '0.002', code: 'W005', description: 'Pending Refunds' }],
      withholdings_sum: '0.002',
      total_amount: '0.002',
    })
    expect((await call('GET', '/v1/balances', { key: m.testKey })).json.data[0].balance).toBe('0.002')
  })

  it('is closed by the cron at the period boundary, idempotently when the cron runs twice', async () => {
    const m = await merchantWithWallet()
    const p = await completedPayment(m.testKey)
    const tomorrow = new Date(Date.now() + 86_400_000)
    await Promise.all([runMaintenance(env, tomorrow), runMaintenance(env, tomorrow)])
    await runMaintenance(env, tomorrow)
    const rows = await getDb(env.DB).select().from(settlements).where(eq(settlements.merchantId, m.id))
    expect(rows).toHaveLength(1)
    expect(rows[0]!.closingDate).toBe(`${tomorrow.toISOString().slice(0, 10)}T00:00:00.000Z`)
    expect((await entriesOf(p.id))[0]!.settlementId).toBe(rows[0]!.id)
  })

  it("keeps every balance equal to the sum of its entries and every settlement's identity on D1", async () => {
    const m = await merchantWithWallet()
    await setFee(m.id, 100)
    for (let round = 0; round < 3; round++) {
      const p = await completedPayment(m.testKey, { amount: String(5 + round) })
      const [payment] = await getDb(env.DB).select().from(payments).where(eq(payments.id, p.id))
      if (round !== 1)
        await completeRefund(
          env,
          await createRefund(
            env,
            { merchantId: m.id, livemode: false } as Parameters<typeof createRefund>[1],
            payment!,
            { amount: '1' },
          ),
        )
      await call('POST', '/v1/sandbox/settlements/close', { key: m.testKey })
    }
    const db = getDb(env.DB)
    const entries = await db.select().from(ledgerEntries).where(eq(ledgerEntries.merchantId, m.id))
    const sum = entries.reduce((a, e) => a + BigInt(e.amount), 0n)
    const balance = (await call('GET', '/v1/balances', { key: m.testKey })).json.data[0].balance
    expect(balance).toBe(sum === 0n ? '0' : (Number(sum) / 1e18).toString())
    const rows = await db.select().from(settlements).where(eq(settlements.merchantId, m.id))
    expect(rows).toHaveLength(3)
    let opening = 0n
    for (const s of rows.sort((a, b) => a.seq - b.seq)) {
      const stated = entries.filter((e) => e.settlementId === s.id).reduce((a, e) => a + BigInt(e.amount), 0n)
      expect(BigInt(s.ledgerEntriesSum)).toBe(stated)
      expect(BigInt(s.openingBalance)).toBe(opening)
      expect(BigInt(s.totalAmount)).toBe(BigInt(s.openingBalance) + stated - BigInt(s.withholdingsSum))
      opening += stated
    }
  })
})

describe('operator fee setting', () => {
  it('shows fee_bps on the merchant and refuses out-of-range values naming the field', async () => {
    const m = await createMerchant()
    const bad = await call('PATCH', `/v1/merchants/${m.id}`, {
      headers: { Authorization: 'Bearer test-admin-token' },
      body: { fee_bps: 10_001 },
    })
    expect(bad.status).toBe(400)
    expect(bad.json.error.field).toBe('fee_bps')
    const ok = await call('PATCH', `/v1/merchants/${m.id}`, {
      headers: { Authorization: 'Bearer test-admin-token' },
      body: { fee_bps: 30 },
    })
    expect(ok.json.data.fee_bps).toBe(30)
  })
})
