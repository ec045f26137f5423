/**
 * Settlements: the period statement per merchant, mode and currency. Funds are the merchant's on
 * arrival, so a settlement only states the period: `total = opening + entries − withholdings`, and
 * the settled total is booked as a 1017 debit that falls into the next period (as BitPay's does).
 */
import { LEDGER_CODES, type LedgerEntryDraft } from './ledger'

export const DEFAULT_SETTLEMENT_PERIOD_HOURS = 24

/** The settlement period in ms from the SETTLEMENT_PERIOD_HOURS setting (1..744 hours, default daily). */
export function settlementPeriodMs(setting: unknown): number {
  const hours =
    typeof setting === 'string' && setting.trim() !== ''
      ? Number(setting)
      : typeof setting === 'number'
        ? setting
        : DEFAULT_SETTLEMENT_PERIOD_HOURS
  if (!Number.isInteger(hours) || hours < 1 || hours > 744) return DEFAULT_SETTLEMENT_PERIOD_HOURS * 3_600_000
  return hours * 3_600_000
}

/** The last period boundary at or before `now`: periods are aligned to the epoch (daily = 00:00 UTC). */
export function lastBoundary(now: number, periodMs: number): number {
  return Math.floor(now / periodMs) * periodMs
}

export interface Withholding {
  amount: bigint
  code: string
  description: string
}

export interface SettlementEntry {
  id: string
  amount: bigint
  /** ms since the epoch. */
  at: number
}

export interface PlannedSettlement {
  seq: number
  openingDate: number
  closingDate: number
  openingBalance: bigint
  entryIds: string[]
  ledgerEntriesSum: bigint
  withholdings: Withholding[]
  withholdingsSum: bigint
  totalAmount: bigint
}

export interface SettlementState {
  /** The last settlement's sequence number (0 when there is none). */
  lastSeq: number
  /** Its closing date, null when there is none. */
  lastClosing: number | null
  /** The ledger balance at the last closing: the sum of every entry already in a settlement. */
  settledBalance: bigint
}

/**
 * The settlements that closing at `cutoff` creates: one per period that has unsettled entries before
 * the cutoff, in order. Entries older than the last closing (written late) join the first new one.
 * Withholdings apply to the settlement closing at the cutoff (the current hold-backs).
 */
export function planSettlements(
  state: SettlementState,
  unsettled: readonly SettlementEntry[],
  cutoff: number,
  periodMs: number,
  withholdings: readonly Withholding[] = [],
): PlannedSettlement[] {
  const due = unsettled.filter((e) => e.at < cutoff).sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
  if (due.length === 0) return []
  const groups = new Map<number, SettlementEntry[]>()
  const floorPeriod = state.lastClosing === null ? -Infinity : Math.floor(state.lastClosing / periodMs)
  for (const e of due) {
    const period = Math.max(Math.floor(e.at / periodMs), floorPeriod)
    const group = groups.get(period) ?? []
    group.push(e)
    groups.set(period, group)
  }
  const periods = [...groups.keys()].sort((a, b) => a - b)
  const planned: PlannedSettlement[] = []
  let opening = state.settledBalance
  let openingDate = state.lastClosing
  let seq = state.lastSeq
  periods.forEach((period, i) => {
    const entries = groups.get(period) ?? []
    const last = i === periods.length - 1
    const closingDate = last ? cutoff : Math.min((period + 1) * periodMs, cutoff)
    const start = openingDate ?? period * periodMs
    const sum = entries.reduce((s, e) => s + e.amount, 0n)
    const held = last ? [...withholdings] : []
    const heldSum = held.reduce((s, w) => s + w.amount, 0n)
    seq += 1
    planned.push({
      seq,
      openingDate: start,
      closingDate,
      openingBalance: opening,
      entryIds: entries.map((e) => e.id),
      ledgerEntriesSum: sum,
      withholdings: held,
      withholdingsSum: heldSum,
      totalAmount: opening + sum - heldSum,
    })
    opening += sum
    openingDate = closingDate
  })
  return planned
}

/** The 1017 debit that books a settlement's total as paid out (none when there is nothing to pay). */
export function settlementEntry(
  s: { id: string; merchantId: string; livemode: boolean; currency: string; totalAmount: bigint },
  at: string,
): LedgerEntryDraft | null {
  if (s.totalAmount <= 0n) return null
  return {
    merchantId: s.merchantId,
    livemode: s.livemode,
    currency: s.currency,
    code: LEDGER_CODES.settlement,
    amount: -s.totalAmount,
    sourceType: 'settlement',
    sourceId: s.id,
    paymentId: null,
    description: `Account Settlement ${s.id}`,
    createdAt: at,
  }
}
