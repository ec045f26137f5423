import { inArray } from 'drizzle-orm'
import type { Db } from '../../db/client'
import { bitpayInvoices } from '../../db/schema'

/** The BitPay fields behind ledger entries: the buyer of each invoice. */
export async function bitpayContext(db: Db, paymentIds: readonly string[]) {
  const ids = [...new Set(paymentIds)]
  const buyers = new Map<string, Record<string, unknown>>()
  for (let i = 0; i < ids.length; i += 90) {
    const chunk = ids.slice(i, i + 90)
    const invoices = await db
      .select({ paymentId: bitpayInvoices.paymentId, buyer: bitpayInvoices.buyer })
      .from(bitpayInvoices)
      .where(inArray(bitpayInvoices.paymentId, chunk))
    for (const inv of invoices)
      if (inv.buyer) buyers.set(inv.paymentId, JSON.parse(inv.buyer) as Record<string, unknown>)
  }
  return { buyers }
}
