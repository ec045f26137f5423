import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  balancesOf,
  bitpayScaled,
  completionEntries,
  feeOf,
  formatLedgerAmount,
  refundEntry,
  toLedgerUnits,
  type LedgerPayment,
} from '../../src/domain/ledger'
import {
  lastBoundary,
  planSettlements,
  settlementEntry,
  settlementPeriodMs,
  type SettlementEntry,
  type SettlementState,
} from '../../src/domain/settlement'

const payment = (over: Partial<LedgerPayment & { amount: string }> = {}): LedgerPayment & { amount: string } => ({
  id: 'pay_1',
  merchantId: 'mer_1',
  livemode: false,
  status: 'completed',
  token: 'USDC',
  tokenDecimals: 6,
  amountReceived: '10000000',
  payAmount: '10000000',
  orderId: 'order-1',
  description: null,
  amount: '10.00',
  ...over,
})

describe('ledger entries of a payment transition', () => {
  it('books a 1000 credit of the amount received, in the pay currency, on the move into completed', () => {
    const [entry, ...rest] = completionEntries({ status: 'processing' }, payment(), 0, '2026-01-01T00:00:00.000Z')
    expect(rest).toEqual([])
    expect(entry).toMatchObject({
      code: 1000,
      currency: 'USDC',
      amount: 10n * 10n ** 18n,
      sourceType: 'payment',
      sourceId: 'pay_1',
      description: 'order-1',
    })
  })

  it('books nothing for a payment already completed, or not completed', () => {
    expect(completionEntries({ status: 'completed' }, payment(), 0, 'x')).toEqual([])
    expect(completionEntries({ status: 'pending' }, payment({ status: 'processing' }), 0, 'x')).toEqual([])
  })

  it('adds a 1023 fee debit in basis points, rounded down', () => {
    const entries = completionEntries({ status: 'pending' }, payment({ amountReceived: '3' }), 50, 'x')
    expect(entries.map((e) => [e.code, e.amount])).toEqual([
      [1000, 3n * 10n ** 12n],
      [1023, -(3n * 10n ** 12n * 50n) / 10_000n],
    ])
    expect(feeOf(100n, 0)).toBe(0n)
    expect(() => feeOf(1n, 10_001)).toThrow(RangeError)
  })

  it('debits a refund as its share of the pay amount (1020)', () => {
    const e = refundEntry({ id: 'ref_1', amount: '2.5', completedAt: 'x' }, payment())
    expect(e).toMatchObject({
      code: 1020,
      amount: -(25n * 10n ** 17n),
      sourceType: 'refund',
      sourceId: 'ref_1',
      currency: 'USDC',
    })
  })

  it('scales exactly between token decimals and the ledger, and renders BitPay units', () => {
    expect(toLedgerUnits(1n, 6)).toBe(10n ** 12n)
    expect(formatLedgerAmount(-15n * 10n ** 17n)).toBe('-1.5')
    expect(formatLedgerAmount(0n)).toBe('0')
    expect(bitpayScaled(823n * 10n ** 16n)).toEqual({ amount: 823000000n, scale: 100000000n })
    expect(bitpayScaled(1n)).toEqual({ amount: 1n, scale: 10n ** 18n })
  })
})

describe('settlement periods', () => {
  it('defaults to daily at 00:00 UTC and accepts SETTLEMENT_PERIOD_HOURS', () => {
    expect(settlementPeriodMs(undefined)).toBe(86_400_000)
    expect(settlementPeriodMs('6')).toBe(6 * 3_600_000)
    expect(settlementPeriodMs('nonsense')).toBe(86_400_000)
    expect(new Date(lastBoundary(Date.parse('2026-03-04T17:20:00Z'), 86_400_000)).toISOString()).toBe(
      '2026-03-04T00:00:00.000Z',
    )
  })

  it('plans one settlement per period with entries, each total = opening + entries − withholdings', () => {
    const day = 86_400_000
    const entries: SettlementEntry[] = [
      { id: 'a', amount: 5n, at: 10 },
      { id: 'b', amount: -2n, at: day + 5 },
      { id: 'c', amount: 7n, at: day + 6 },
      { id: 'late', amount: 1n, at: 3 * day },
    ]
    const plans = planSettlements({ lastSeq: 0, lastClosing: null, settledBalance: 0n }, entries, 2 * day, day, [
      { amount: 1n, code: 'W005', description: 'Pending Refunds' },
    ])
    expect(
      plans.map((p) => [p.seq, p.openingBalance, p.ledgerEntriesSum, p.withholdingsSum, p.totalAmount, p.entryIds]),
    ).toEqual([
      [1, 0n, 5n, 0n, 5n, ['a']],
      [2, 5n, 5n, 1n, 9n, ['b', 'c']],
    ])
    expect(plans[1]?.closingDate).toBe(2 * day)
    expect(plans[1]?.openingDate).toBe(plans[0]?.closingDate)
  })

  it('plans nothing when no entry is due, and books no 1017 for a zero total', () => {
    expect(
      planSettlements(
        { lastSeq: 3, lastClosing: 100, settledBalance: 9n },
        [{ id: 'x', amount: 1n, at: 500 }],
        400,
        1000,
      ),
    ).toEqual([])
    expect(
      settlementEntry({ id: 's', merchantId: 'm', livemode: false, currency: 'ETH', totalAmount: 0n }, 'x'),
    ).toBeNull()
  })
})

/** A random history: payments completing (with fees), refunds, and settlement closings. */
const step = fc.oneof(
  fc.record({
    kind: fc.constant('pay' as const),
    currency: fc.constantFrom('USDC', 'ETH'),
    received: fc.bigInt({ min: 1n, max: 10n ** 20n }),
    decimals: fc.constantFrom(6, 18),
    feeBps: fc.integer({ min: 0, max: 500 }),
  }),
  fc.record({ kind: fc.constant('refund' as const), share: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ kind: fc.constant('close' as const), withheld: fc.bigInt({ min: 0n, max: 10n ** 6n }) }),
)

describe('property: balances and settlements over random histories', () => {
  it('every balance is the sum of its entries, every settlement satisfies its identity, every entry is stated once', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const entries: (SettlementEntry & { currency: string; settlement: string | null })[] = []
        const settlements: {
          id: string
          currency: string
          seq: number
          opening: bigint
          sum: bigint
          held: bigint
          total: bigint
          ids: string[]
        }[] = []
        const paid: (LedgerPayment & { amount: string })[] = []
        let clock = 0
        let n = 0
        for (const s of steps) {
          clock += 1000
          if (s.kind === 'pay') {
            const p = payment({
              id: `p${n++}`,
              token: s.currency,
              tokenDecimals: s.decimals,
              amountReceived: s.received.toString(),
              payAmount: s.received.toString(),
            })
            paid.push(p)
            for (const e of completionEntries({ status: 'processing' }, p, s.feeBps, ''))
              entries.push({ id: `e${n++}`, amount: e.amount, at: clock, currency: e.currency, settlement: null })
          } else if (s.kind === 'refund' && paid.length > 0) {
            const p = paid[n % paid.length] as LedgerPayment & { amount: string }
            const e = refundEntry({ id: `r${n++}`, amount: (s.share / 10).toFixed(1), completedAt: '' }, p)
            entries.push({ id: `e${n++}`, amount: e.amount, at: clock, currency: e.currency, settlement: null })
          } else if (s.kind === 'close') {
            for (const currency of ['USDC', 'ETH']) {
              const mine = settlements.filter((x) => x.currency === currency)
              const last = mine[mine.length - 1]
              const state: SettlementState = last
                ? { lastSeq: last.seq, lastClosing: clock - 1, settledBalance: last.opening + last.sum }
                : { lastSeq: 0, lastClosing: null, settledBalance: 0n }
              const open = entries.filter((e) => e.currency === currency && e.settlement === null)
              for (const plan of planSettlements(
                state,
                open,
                clock,
                10_000,
                s.withheld > 0n ? [{ amount: s.withheld, code: 'W005', description: '' }] : [],
              )) {
                const id = `s${n++}`
                settlements.push({
                  id,
                  currency,
                  seq: plan.seq,
                  opening: plan.openingBalance,
                  sum: plan.ledgerEntriesSum,
                  held: plan.withholdingsSum,
                  total: plan.totalAmount,
                  ids: plan.entryIds,
                })
                for (const e of entries) if (plan.entryIds.includes(e.id)) e.settlement = id
                const debit = settlementEntry(
                  { id, merchantId: 'm', livemode: false, currency, totalAmount: plan.totalAmount },
                  '',
                )
                if (debit) entries.push({ id: `e${n++}`, amount: debit.amount, at: clock, currency, settlement: null })
              }
            }
          }
        }
        const balances = balancesOf(entries)
        for (const [currency, balance] of balances)
          expect(balance).toBe(entries.filter((e) => e.currency === currency).reduce((a, e) => a + e.amount, 0n))
        for (const s of settlements) {
          expect(s.total).toBe(s.opening + s.sum - s.held)
          expect(s.sum).toBe(entries.filter((e) => s.ids.includes(e.id)).reduce((a, e) => a + e.amount, 0n))
          // The opening balance is everything stated before this settlement.
          const earlier = settlements.filter((x) => x.currency === s.currency && x.seq < s.seq)
          expect(s.opening).toBe(earlier.reduce((a, x) => a + x.sum, 0n))
        }
        const stated = settlements.flatMap((s) => s.ids)
        expect(new Set(stated).size).toBe(stated.length)
      }),
      { numRuns: 200 },
    )
  })
})
