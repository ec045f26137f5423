import { and, asc, eq } from 'drizzle-orm'
import { findToken, type Chain, type Token } from '../../chain/registry'
import { chainsFor } from '../../chain/registry'
import { rateSourceFor } from '../../chain/price-feeds'
import { getDb, type Db, type PaymentRow } from '../../db/client'
import type { PaymentOption, PaymentOptions } from '../../objects/payment-object'
import { wallets } from '../../db/schema'
import type { TransactionSpeed } from '../../domain/payment-status'
import { PricingError, quote } from '../../domain/pricing'
import { pricesFor, type RateSource } from '../../domain/rates'
import { describeRpcError, nativeBalance, redact } from '../../chain/rpc'
import { defaultTestChain } from '../../domain/sandbox'
import { ApiError } from '../../errors'
import type { XpubClaim } from '../../db/deposit-claims'
import { allocateDepositAddress, takeDepositAddress, walletInUse } from '../wallets/wallets'
import { log } from '../../log'

export type { PaymentOption } from '../../objects/payment-object'

interface OptionRequest {
  merchantId: string
  livemode: boolean
  amount: string
  currency: string
  transactionSpeed: TransactionSpeed
}

/** Finds the chain and token, or throws a 400 naming the field. */
export function resolveChainToken(
  chains: Map<number, Chain>,
  chainId: number,
  symbol: string,
): { chain: Chain; token: Token } {
  const chain = chains.get(chainId)
  if (!chain) throw new ApiError('UNSUPPORTED_CHAIN', `Chain ${chainId} is not supported`, 'chain_id')
  const token = findToken(chain, symbol)
  if (!token) {
    const known = chain.tokens.map((t) => t.symbol).join(', ')
    throw new ApiError(
      'UNSUPPORTED_TOKEN',
      `Token ${symbol} is not available on ${chain.name} (available: ${known})`,
      'token',
    )
  }
  return { chain, token }
}

/**
 * Prices the order in the token, allocates the next deposit address of the merchant's wallet on
 * that chain (an atomic increment, so concurrent payments never share an index) and returns the
 * columns to store. The crypto amount is locked until the payment expires.
 */
export async function choosePaymentOption(
  db: Db,
  chains: Map<number, Chain>,
  rates: RateSource,
  request: OptionRequest,
  chainId: number,
  symbol: string,
  /** When given, an xpub address's claim is pushed here for the caller's own batch instead of written now (see takeDepositAddress). */
  deferredClaims?: XpubClaim[],
): Promise<PaymentOption> {
  const { chain, token } = resolveChainToken(chains, chainId, symbol)
  let priced: ReturnType<typeof quote>
  const pricing = await pricesFor(rates, [request.currency, token.symbol])
  try {
    priced = quote(request.amount, request.currency, token, pricing.prices)
  } catch (err) {
    if (err instanceof PricingError)
      throw new ApiError(
        'RATE_UNAVAILABLE',
        `${err.message}: cannot price ${request.currency} in ${token.symbol}`,
        'currency',
      )
    throw err
  }
  if (priced.payAmount <= 0n)
    throw new ApiError('INVALID_AMOUNT', `Amount is below the smallest unit of ${token.symbol}`, 'amount')

  const missing = () => walletRequired(request.livemode, chains, chainId)
  let allocated: Awaited<ReturnType<typeof allocateDepositAddress>>
  if (deferredClaims) {
    const taken = await takeDepositAddress(db, request, chainId, missing)
    if (taken.claim) deferredClaims.push(taken.claim)
    allocated = taken
  } else allocated = await allocateDepositAddress(db, request, chainId, missing)
  const { address, index, wallet } = allocated
  // Native coin has no transfer logs: the scanner sees it as balance above this baseline (for a token
  // payment, native coin sent by mistake; unreadable there, that check is simply skipped).
  const baselineBalance = !request.livemode
    ? null
    : token.address === null
      ? await baselineOf(chain, address)
      : await baselineOf(chain, address).catch(() => null)

  return {
    chainId,
    token: token.symbol,
    tokenAddress: token.address,
    tokenDecimals: token.decimals,
    payAmount: priced.payAmount.toString(),
    depositAddress: address,
    walletId: wallet.id,
    derivationIndex: index,
    rateSource: pricing.source,
    rate: priced.rate,
    requiredConfirmations: chain.confirmations[request.transactionSpeed],
    baselineBalance,
  }
}

async function baselineOf(chain: Chain, address: string): Promise<string> {
  try {
    return (await nativeBalance(chain, address)).toString()
  } catch (err) {
    log.error('baseline balance unreadable', {
      chainId: chain.id,
      rpc: redact(chain.rpcUrl),
      error: describeRpcError(err, chain.rpcUrl),
    })
    throw new ApiError(
      'CHAIN_UNAVAILABLE',
      `${chain.name} (chain ${chain.id}) cannot be reached to open a ${chain.nativeSymbol} deposit: try again or pay with a token`,
      'chain_id',
    )
  }
}

/**
 * The option a sandbox payment settles in when nobody picked one: the merchant's first wallet's
 * chain, paying in the order currency if it is a token there, else a stablecoin, else the native coin.
 */
export async function defaultOption(
  db: Db,
  chains: Map<number, Chain>,
  payment: Pick<PaymentRow, 'merchantId' | 'livemode' | 'currency'>,
) {
  const { merchantId, livemode, currency } = payment
  const rows = await db
    .select()
    .from(wallets)
    .where(and(eq(wallets.merchantId, merchantId), eq(wallets.livemode, livemode), walletInUse(merchantId)))
    .orderBy(asc(wallets.createdAt), asc(wallets.id))
  for (const wallet of rows) {
    const chain = chains.get(wallet.chainId)
    if (!chain) continue
    const token =
      findToken(chain, currency) ??
      findToken(chain, 'USDC') ??
      findToken(chain, 'USDT') ??
      findToken(chain, chain.nativeSymbol)
    if (token) return { chainId: chain.id, token: token.symbol }
  }
  throw walletRequired(livemode, chains)
}

/** WALLET_REQUIRED naming what is missing (and, in test mode, where the sandbox wallet is). */
export function walletRequired(livemode: boolean, chains: Map<number, Chain>, chainId?: number): ApiError {
  const on =
    chainId === undefined ? 'on a supported chain' : `for ${chains.get(chainId)?.name ?? 'chain'} (chain ${chainId})`
  if (livemode)
    return new ApiError(
      'WALLET_REQUIRED',
      `No live wallet ${on}: register one with POST /v1/wallets using a live key`,
      'chain_id',
    )
  const test = defaultTestChain(chains.values())
  const sandbox = test
    ? ` Without a test wallet of your own, test payments use the sandbox wallet on ${test.name} (chain ${test.id}).`
    : ''
  return new ApiError(
    'WALLET_REQUIRED',
    `No test wallet ${on}.${sandbox} Register one with POST /v1/wallets`,
    'chain_id',
  )
}

/** What the PaymentObject needs of this module, for src/index.ts to hand it (objects import no service). */
export function paymentOptionsFor(env: Env): PaymentOptions {
  return {
    choose: (payment, chainId, token) =>
      choosePaymentOption(getDb(env.DB), chainsFor(env), rateSourceFor(env), payment, chainId, token),
    fallback: (payment) => defaultOption(getDb(env.DB), chainsFor(env), payment),
  }
}
