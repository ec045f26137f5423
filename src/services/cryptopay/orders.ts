import { and, eq } from 'drizzle-orm'
import { chainBySlug } from '../../chain/slugs'
import { chainsFor } from '../../chain/registry'
import type { AuthContext } from '../../context'
import { getDb, type PaymentRow } from '../../db/client'
import { orderNonces } from '../../db/schema'
import type { TransactionSpeed } from '../../domain/payment-status'
import { ApiError } from '../../errors'
import { createPayment } from '../payments/payments'

export interface NewOrder {
  amount: string
  currency: string
  blockchain: string
  orderInfo?: string
  nonce: string
  transactionSpeed: TransactionSpeed
  expiresIn: number
  notificationUrl?: string
}

/**
 * A CryptoPay payment order is a payment priced and paid in `currency` (a token) on `blockchain`.
 * The nonce is claimed first, so a retried create is refused instead of making a second order; a
 * create that fails releases it again.
 */
export async function createOrder(env: Env, auth: AuthContext, order: NewOrder): Promise<PaymentRow> {
  const chain = chainBySlug(chainsFor(env), order.blockchain)
  if (!chain) throw new ApiError('UNSUPPORTED_CHAIN', `Unknown blockchain ${order.blockchain}`, 'blockchain')
  const db = getDb(env.DB)
  const claimed = await db
    .insert(orderNonces)
    .values({ merchantId: auth.merchantId, livemode: auth.livemode, nonce: order.nonce, paymentId: '' })
    .onConflictDoNothing()
    .returning({ nonce: orderNonces.nonce })
  if (claimed.length === 0) throw new ApiError('VALIDATION_ERROR', 'This nonce has already been used', 'nonce')
  const scope = and(
    eq(orderNonces.merchantId, auth.merchantId),
    eq(orderNonces.livemode, auth.livemode),
    eq(orderNonces.nonce, order.nonce),
  )
  try {
    const payment = await createPayment(env, auth, {
      amount: order.amount,
      currency: order.currency,
      chainId: chain.id,
      token: order.currency,
      transactionSpeed: order.transactionSpeed,
      expiresIn: order.expiresIn,
      notificationUrl: order.notificationUrl,
      metadata: { ...(order.orderInfo !== undefined ? { order_info: order.orderInfo } : {}), nonce: order.nonce },
    })
    await db.update(orderNonces).set({ paymentId: payment.id }).where(scope)
    return payment
  } catch (err) {
    await db.delete(orderNonces).where(scope)
    // The order's token is its currency: name the field the client sent.
    if (err instanceof ApiError && err.field === 'token')
      throw new ApiError(err.code, err.message, 'currency', { reason: err.reason })
    throw err
  }
}
