import { eq, sql, type SQL } from 'drizzle-orm'
import type { Db } from './client'
import { depositAddresses, wallets } from './schema'

/**
 * The wallets payments can use: the merchant's own, and the sandbox wallet only while the merchant
 * has no test wallet of their own (registering one sets the sandbox wallet aside).
 */
export function walletInUse(merchantId: string): SQL {
  return sql`(${wallets.sandbox} = 0 OR NOT EXISTS (SELECT 1 FROM wallets AS own WHERE own.merchant_id = ${merchantId} AND own.livemode = 0 AND own.sandbox = 0))`
}

/** The row that claims a deposit address for its wallet (deposit_addresses). */
export type DepositClaim = typeof depositAddresses.$inferInsert

/** The claim of an xpub wallet's derived address (its wallet, merchant and index known). */
export type XpubClaim = DepositClaim & { walletId: string; merchantId: string; derivationIndex: number }

/**
 * The statements that claim an xpub wallet's derived address in a payment's first D1 batch: the
 * claim, a plain INSERT whose address is NULL (NOT NULL fails the batch) unless the wallet is still
 * one the merchant's payments may use, and the wallet's next_index raised past the index, so the
 * atomic increment (services/wallets takeNextIndex) never hands it out again. Another claim on the
 * address — another wallet's, or this wallet's index taken by another payment — fails the batch on
 * the unique index. Either way nothing of the batch is written (`isClaimConflict`).
 */
export function claimStatements(db: Db, claim: XpubClaim) {
  const inUse = sql`EXISTS (SELECT 1 FROM ${wallets} WHERE ${wallets.id} = ${claim.walletId} AND ${wallets.kind} = 'xpub' AND ${walletInUse(claim.merchantId)})`
  return [
    db.insert(depositAddresses).values({ ...claim, address: sql`(SELECT ${claim.address} WHERE ${inUse})` }),
    db
      .update(wallets)
      .set({ nextIndex: sql`MAX(${wallets.nextIndex}, ${claim.derivationIndex + 1})` })
      .where(eq(wallets.id, claim.walletId)),
  ] as const
}
