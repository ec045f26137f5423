import { describe, expect, it } from 'vitest'
import { advancesBill, billStatusForPayment, billTotal, subscriptionTransitionAllowed } from '../../src/domain/bills'
import { nextOccurrence, normalizeSchedule, ScheduleError } from '../../src/domain/schedule'

describe('normalizeSchedule', () => {
  it.each([
    ['weekly', '0 0 0 * * 1'],
    ['monthly', '0 0 0 1 * *'],
    ['quarterly', '0 0 0 1 1,4,7,10 *'],
    ['yearly', '0 0 0 1 1 *'],
    ['Monthly', '0 0 0 1 * *'],
    ['0  30 9 15 * *', '0 30 9 15 * *'],
  ])('returns %s as the cron %s', (input, cron) => expect(normalizeSchedule(input)).toBe(cron))

  it.each([
    'daily',
    '0 0 * * *',
    '60 0 0 * * *',
    '0 0 24 * * *',
    '0 0 0 0 * *',
    '0 0 0 * 13 *',
    '0 0 0 * * 8',
    '0 0 0 5-1 * *',
    '*/0 * * * * *',
  ])('refuses %s', (input) => expect(() => normalizeSchedule(input)).toThrow(ScheduleError))
})

describe('nextOccurrence', () => {
  const at = (iso: string) => new Date(iso)
  it.each([
    ['weekly', '2021-05-21T12:29:54.428Z', '2021-05-24T00:00:00.000Z'],
    ['weekly', '2021-05-24T00:00:00.000Z', '2021-05-31T00:00:00.000Z'],
    ['monthly', '2021-05-21T00:00:00.000Z', '2021-06-01T00:00:00.000Z'],
    ['monthly', '2021-12-15T00:00:00.000Z', '2022-01-01T00:00:00.000Z'],
    ['quarterly', '2021-05-21T00:00:00.000Z', '2021-07-01T00:00:00.000Z'],
    ['yearly', '2021-05-21T00:00:00.000Z', '2022-01-01T00:00:00.000Z'],
    ['0 30 9 15 * *', '2021-05-15T09:30:00.000Z', '2021-06-15T09:30:00.000Z'],
    ['0 30 9 15 * *', '2021-05-15T09:29:59.000Z', '2021-05-15T09:30:00.000Z'],
    ['*/15 * * * * *', '2021-05-15T09:29:59.000Z', '2021-05-15T09:30:00.000Z'],
    ['0 0 12 29 2 *', '2021-03-01T00:00:00.000Z', '2024-02-29T12:00:00.000Z'],
    ['0 0 0 * * 7', '2021-05-21T00:00:00.000Z', '2021-05-23T00:00:00.000Z'],
    ['0 0 0 1 * 1', '2021-05-21T00:00:00.000Z', '2021-05-24T00:00:00.000Z'],
  ])('%s after %s is %s', (schedule, after, next) =>
    expect(nextOccurrence(schedule, at(after))?.toISOString()).toBe(next),
  )

  it('is null for a schedule that never fires (30 February)', () =>
    expect(nextOccurrence('0 0 0 30 2 *', at('2021-01-01T00:00:00Z'))).toBeNull())
})

describe('bill rules', () => {
  it('totals price × quantity exactly', () => {
    expect(
      billTotal([
        { price: '0.10', quantity: 3 },
        { price: '0.2', quantity: 1 },
      ]),
    ).toBe('0.50')
    expect(
      billTotal([
        { price: '6', quantity: 1 },
        { price: '4', quantity: 1 },
      ]),
    ).toBe('10')
  })
  it('moves bills forward only', () => {
    expect(advancesBill('sent', 'new')).toBe(true)
    expect(advancesBill('complete', 'paid')).toBe(false)
    expect(advancesBill('paid', 'paid')).toBe(false)
  })
  it('maps payment statuses to bill statuses', () => {
    expect(billStatusForPayment('processing')).toBe('paid')
    expect(billStatusForPayment('completed')).toBe('complete')
    expect(billStatusForPayment('expired')).toBeNull()
  })
  it('allows draft → active → cancelled and nothing out of cancelled', () => {
    expect(subscriptionTransitionAllowed('draft', 'active')).toBe(true)
    expect(subscriptionTransitionAllowed('active', 'cancelled')).toBe(true)
    expect(subscriptionTransitionAllowed('active', 'draft')).toBe(false)
    expect(subscriptionTransitionAllowed('cancelled', 'active')).toBe(false)
  })
})
