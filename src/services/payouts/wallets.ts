import { and, desc, eq } from 'drizzle-orm'
import { erc20Abi, isHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { encryptPayoutKey, payoutKeySecret } from '../../auth/payout-keys'
import { randomHex } from '../../auth/crypto'
import { chainsFor } from '../../chain/registry'
import type { AuthContext } from '../../context'
import { getDb } from '../../db/client'
import { payoutWallets } from '../../db/schema'
import type { Chain } from '../../chain/registry'
import { chainClient } from '../../chain/rpc'
import { formatUnits } from '../../domain/money'
import { ApiError, notFound } from '../../errors'

export type PayoutWalletRow = typeof payoutWallets.$inferSelect

export function chainOf(env: Env, chainId: number): Chain {
  const chain = chainsFor(env).get(chainId)
  if (!chain) throw new ApiError('UNSUPPORTED_CHAIN', `Chain ${chainId} is not supported`, 'chain_id')
  return chain
}

export async function createPayoutWallet(
  env: Env,
  auth: AuthContext,
  input: { chain_id: number; private_key: string; label?: string | undefined },
): Promise<PayoutWalletRow> {
  const secret = payoutKeySecret(env)
  chainOf(env, input.chain_id)
  const key = input.private_key.startsWith('0x') ? input.private_key : `0x${input.private_key}`
  if (!isHex(key) || key.length !== 66)
    throw new ApiError('VALIDATION_ERROR', 'private_key must be 32 bytes of hex', 'private_key')
  let address: string
  try {
    address = privateKeyToAccount(key).address
  } catch {
    throw new ApiError('VALIDATION_ERROR', 'private_key is not a valid secp256k1 key', 'private_key')
  }
  const id = `pw_${randomHex(12)}`
  const row: PayoutWalletRow = {
    id,
    merchantId: auth.merchantId,
    livemode: auth.livemode,
    chainId: input.chain_id,
    address,
    label: input.label ?? null,
    encryptedKey: await encryptPayoutKey(secret, id, key),
    status: 'active',
    createdAt: new Date().toISOString(),
  }
  await getDb(env.DB).insert(payoutWallets).values(row)
  return row
}

export async function listPayoutWallets(env: Env, auth: AuthContext): Promise<PayoutWalletRow[]> {
  return getDb(env.DB)
    .select()
    .from(payoutWallets)
    .where(
      and(
        eq(payoutWallets.merchantId, auth.merchantId),
        eq(payoutWallets.livemode, auth.livemode),
        eq(payoutWallets.status, 'active'),
      ),
    )
    .orderBy(desc(payoutWallets.createdAt))
}

export async function getPayoutWallet(env: Env, auth: AuthContext, id: string): Promise<PayoutWalletRow> {
  const [row] = await getDb(env.DB)
    .select()
    .from(payoutWallets)
    .where(
      and(
        eq(payoutWallets.id, id),
        eq(payoutWallets.merchantId, auth.merchantId),
        eq(payoutWallets.livemode, auth.livemode),
        eq(payoutWallets.status, 'active'),
      ),
    )
  if (!row) throw notFound('Payout wallet')
  return row
}

export async function deletePayoutWallet(env: Env, auth: AuthContext, id: string): Promise<void> {
  const row = await getPayoutWallet(env, auth, id)
  await getDb(env.DB)
    .update(payoutWallets)
    .set({ status: 'deleted', encryptedKey: '' })
    .where(eq(payoutWallets.id, row.id))
}

/** On-chain balance of one token (null address = native) in base units. */
export async function tokenBalance(chain: Chain, address: string, token: `0x${string}` | null): Promise<bigint> {
  const client = chainClient(chain)
  if (token === null) return client.getBalance({ address: address as `0x${string}` })
  return client.readContract({
    address: token,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [address as `0x${string}`],
  })
}

export interface WalletBalance {
  token: string
  balance: string
  balance_base_units: string
}

/** Native and token balances; null when the chain's RPC did not answer. */
export async function walletBalances(env: Env, wallet: PayoutWalletRow): Promise<WalletBalance[] | null> {
  const chain = chainOf(env, wallet.chainId)
  const tokens = [
    { symbol: chain.nativeSymbol, address: null, decimals: 18 },
    ...chain.tokens.filter((t) => t.address !== null),
  ]
  try {
    return await Promise.all(
      tokens.map(async (t) => {
        const units = await tokenBalance(chain, wallet.address, t.address)
        return { token: t.symbol, balance: formatUnits(units, t.decimals), balance_base_units: units.toString() }
      }),
    )
  } catch {
    return null
  }
}
