/**
 * Subscription schedules: BitPay's named periods or a 6-field cron (`sec min hour day-of-month month
 * day-of-week`), always kept and returned in the cron form. All times are UTC.
 */

export class ScheduleError extends Error {}

/** The named periods as BitPay returns them ("weekly" came back as "0 0 0 * * 1"). */
export const NAMED_SCHEDULES = {
  weekly: '0 0 0 * * 1',
  monthly: '0 0 0 1 * *',
  quarterly: '0 0 0 1 1,4,7,10 *',
  yearly: '0 0 0 1 1 *',
} as const

const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 7 },
] as const

/** A parsed cron: the allowed values of each field, and whether day fields were restricted. */
export interface Cron {
  seconds: Set<number>
  minutes: Set<number>
  hours: Set<number>
  days: Set<number>
  months: Set<number>
  weekdays: Set<number>
  anyDay: boolean
  anyWeekday: boolean
}

function parseField(text: string, f: (typeof FIELDS)[number]): Set<number> {
  const values = new Set<number>()
  for (const part of text.split(',')) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part)
    if (!m) throw new ScheduleError(`invalid ${f.name} field "${text}"`)
    const step = m[4] === undefined ? 1 : Number(m[4])
    let lo: number = f.min
    let hi: number = f.max
    if (m[1] !== '*') {
      lo = Number(m[2])
      hi = m[3] === undefined ? (m[4] === undefined ? lo : f.max) : Number(m[3])
    }
    if (step < 1 || lo < f.min || hi > f.max || lo > hi)
      throw new ScheduleError(`${f.name} field "${text}" is out of range ${f.min}-${f.max}`)
    for (let v = lo; v <= hi; v += step) values.add(f.name === 'day-of-week' && v === 7 ? 0 : v)
  }
  return values
}

/** Parses a 6-field cron expression. Throws ScheduleError naming the bad field. */
export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/)
  if (parts.length !== 6)
    throw new ScheduleError(
      'must be weekly, monthly, quarterly, yearly or a 6-field cron (sec min hour day month weekday)',
    )
  const [s, mi, h, d, mo, w] = FIELDS.map((field, i) => parseField(parts[i] ?? '', field)) as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ]
  return {
    seconds: s,
    minutes: mi,
    hours: h,
    days: d,
    months: mo,
    weekdays: w,
    anyDay: parts[3] === '*',
    anyWeekday: parts[5] === '*',
  }
}

/** The cron form of a schedule: a named period's cron, or the cron itself (normalised spacing). */
export function normalizeSchedule(schedule: string): string {
  const named = NAMED_SCHEDULES[schedule.trim().toLowerCase() as keyof typeof NAMED_SCHEDULES]
  if (named) return named
  parseCron(schedule)
  return schedule.trim().split(/\s+/).join(' ')
}

function dayMatches(cron: Cron, date: Date): boolean {
  if (!cron.months.has(date.getUTCMonth() + 1)) return false
  const dom = cron.days.has(date.getUTCDate())
  const dow = cron.weekdays.has(date.getUTCDay())
  // Classic cron: when both day fields are restricted, either one matching is enough.
  if (!cron.anyDay && !cron.anyWeekday) return dom || dow
  return dom && dow
}

const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b)

/** How far ahead a schedule is searched (a "30 February" cron never fires). */
const SEARCH_DAYS = 366 * 8

/** The first time strictly after `after` that the schedule fires, or null if it never does. */
export function nextOccurrence(schedule: string, after: Date): Date | null {
  const cron = parseCron(normalizeSchedule(schedule))
  const times = sorted(cron.hours).flatMap((h) =>
    sorted(cron.minutes).flatMap((m) => sorted(cron.seconds).map((s) => (h * 60 + m) * 60 + s)),
  )
  const start = Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate())
  for (let day = 0; day < SEARCH_DAYS; day++) {
    const midnight = start + day * 86_400_000
    if (!dayMatches(cron, new Date(midnight))) continue
    for (const t of times) {
      const at = midnight + t * 1000
      if (at > after.getTime()) return new Date(at)
    }
  }
  return null
}
