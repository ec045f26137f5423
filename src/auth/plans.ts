import type { MerchantRow } from '../db/client'

/** Requests per hour on the CryptoPay API by plan (seed 001); enterprise is set per merchant. */
export const PLAN_HOURLY_LIMITS = { standard: 1000, premium: 5000, enterprise: 5000 } as const

/** The merchant's hourly CryptoPay limit: its override, else its plan's. */
export function hourlyLimit(m: Pick<MerchantRow, 'plan' | 'rateLimitHourly'>): number {
  return m.rateLimitHourly ?? PLAN_HOURLY_LIMITS[m.plan]
}
