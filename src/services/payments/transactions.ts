import { and, count, desc, eq, isNotNull, isNull, sql, type SQL } from 'drizzle-orm'
import type { AuthContext } from '../../context'
import type { Db } from '../../db/client'
import { observations, payments } from '../../db/schema'

export type TransferStatus = 'confirmed' | 'pending' | 'removed'

/** An observation is confirmed at its payment's required depth, removed after a reorg, else pending. */
const statusSql = sql<TransferStatus>`CASE
  WHEN ${observations.removedAt} IS NOT NULL THEN 'removed'
  WHEN ${observations.confirmations} >= COALESCE(${payments.requiredConfirmations}, 1) THEN 'confirmed'
  ELSE 'pending' END`

const columns = { observation: observations, status: statusSql, requiredConfirmations: payments.requiredConfirmations }

function filters(
  auth: AuthContext,
  f: { paymentId?: string; status?: TransferStatus; txHash?: string },
): SQL | undefined {
  const where: (SQL | undefined)[] = [
    eq(observations.merchantId, auth.merchantId),
    eq(observations.livemode, auth.livemode),
  ]
  if (f.paymentId) where.push(eq(observations.paymentId, f.paymentId))
  if (f.txHash) where.push(eq(sql`lower(${observations.txHash})`, f.txHash.toLowerCase()))
  if (f.status === 'removed') where.push(isNotNull(observations.removedAt))
  if (f.status === 'confirmed')
    where.push(
      isNull(observations.removedAt),
      sql`${observations.confirmations} >= COALESCE(${payments.requiredConfirmations}, 1)`,
    )
  if (f.status === 'pending')
    where.push(
      isNull(observations.removedAt),
      sql`${observations.confirmations} < COALESCE(${payments.requiredConfirmations}, 1)`,
    )
  return and(...where)
}

/** Transfers the gateway recorded for the merchant, newest first. */
export async function listTransfers(
  db: Db,
  auth: AuthContext,
  f: { page: number; pageSize: number; paymentId?: string; status?: TransferStatus },
) {
  const where = filters(auth, f)
  const [rows, [total]] = await db.batch([
    db
      .select(columns)
      .from(observations)
      .leftJoin(payments, eq(payments.id, observations.paymentId))
      .where(where)
      .orderBy(desc(observations.createdAt), desc(observations.id))
      .limit(f.pageSize)
      .offset((f.page - 1) * f.pageSize),
    db
      .select({ n: count() })
      .from(observations)
      .leftJoin(payments, eq(payments.id, observations.paymentId))
      .where(where),
  ])
  return { rows, total: total?.n ?? 0 }
}

/** The transfers of one transaction hash (one per log), for the caller only. */
export async function transfersOfTx(db: Db, auth: AuthContext, txHash: string) {
  return db
    .select(columns)
    .from(observations)
    .leftJoin(payments, eq(payments.id, observations.paymentId))
    .where(filters(auth, { txHash }))
    .orderBy(observations.logIndex)
}
