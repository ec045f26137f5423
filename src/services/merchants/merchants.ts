import { eq } from 'drizzle-orm'
import { forgetCachedKeys, keyRow, newApiKey, type IssuedKey } from '../../auth/api-keys'
import { randomAlphanumeric, randomHex } from '../../auth/crypto'
import type { Db, MerchantRow } from '../../db/client'
import { apiKeys, merchants } from '../../db/schema'
import { notFound } from '../../errors'

export interface NewMerchant {
  merchant: MerchantRow
  keys: IssuedKey[]
}

/** Creates a merchant with its first test and live keys, in one batch. */
export async function createMerchant(
  db: Db,
  input: {
    name: string
    email: string
    rateLimitTest?: number
    rateLimitLive?: number
    plan?: MerchantRow['plan']
    rateLimitHourly?: number
    feeBps?: number
  },
): Promise<NewMerchant> {
  const merchant: MerchantRow = {
    id: `mer_${randomHex(12)}`,
    name: input.name,
    email: input.email,
    merchantKey: `mkey-${randomAlphanumeric(25)}`,
    rateLimitTest: input.rateLimitTest ?? null,
    rateLimitLive: input.rateLimitLive ?? null,
    plan: input.plan ?? 'standard',
    rateLimitHourly: input.rateLimitHourly ?? null,
    feeBps: input.feeBps ?? 0,
    createdAt: new Date().toISOString(),
    payoutDailyLimits: null,
  }
  const keys = [newApiKey('test', { name: 'Default test key' }), newApiKey('live', { name: 'Default live key' })]
  await db.batch([
    db.insert(merchants).values(merchant),
    db.insert(apiKeys).values(keys.map((k) => keyRow(merchant.id, k))),
  ])
  return { merchant, keys }
}

export async function updateMerchantLimits(
  db: Db,
  id: string,
  limits: {
    rateLimitTest?: number | null
    rateLimitLive?: number | null
    plan?: MerchantRow['plan']
    rateLimitHourly?: number | null
    feeBps?: number
    /** Daily payout limits per ledger currency (decimal strings), merged into the current ones. */
    payoutDailyLimits?: Record<string, string> | undefined
  },
) {
  const { payoutDailyLimits, ...rest } = limits
  let set: Partial<MerchantRow> = rest
  if (payoutDailyLimits) {
    const [current] = await db
      .select({ limits: merchants.payoutDailyLimits })
      .from(merchants)
      .where(eq(merchants.id, id))
    if (!current) throw notFound('Merchant')
    const merged = {
      ...(current.limits ? (JSON.parse(current.limits) as Record<string, string>) : {}),
      ...payoutDailyLimits,
    }
    set = { ...rest, payoutDailyLimits: JSON.stringify(merged) }
  }
  const [row] =
    Object.keys(set).length > 0
      ? await db.update(merchants).set(set).where(eq(merchants.id, id)).returning()
      : await db.select().from(merchants).where(eq(merchants.id, id))
  // Cached keys carry the merchant's limits: this isolate applies the new ones at once, others within the cache bound.
  forgetCachedKeys()
  if (!row) throw notFound('Merchant')
  return row
}
