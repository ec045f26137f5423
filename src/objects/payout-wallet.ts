import { DurableObject } from 'cloudflare:workers'
import { and, eq, inArray, sql } from 'drizzle-orm'
import { createWalletClient, encodeFunctionData, erc20Abi, http, keccak256, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { decryptPayoutKey, payoutKeySecret } from '../auth/payout-keys'
import { chainsFor } from '../chain/registry'
import { finalityDepth, findToken, type Chain } from '../chain/registry'
import { chainClient } from '../chain/rpc'
import { getDb, type Db } from '../db/client'
import { insertLedgerEntriesIf } from '../db/ledger'
import { payouts, payoutWallets } from '../db/schema'
import { LEDGER_CODES, toLedgerUnits } from '../domain/ledger'
import type { PayoutTransaction } from '../domain/payouts'
import { log } from '../log'

type PayoutRow = typeof payouts.$inferSelect

/** A transaction as signed: persisted before it is broadcast, so a retry sends the same bytes (same nonce). */
interface SignedTx {
  raw: Hex
  hash: Hex
  nonce: number
  signedAt: string
}

export type AdvanceResult = PayoutRow['status'] | 'missing'

/**
 * One per payout wallet (`idFromName(walletId)`): the only holder of the decrypted key and the only
 * signer. Nonces are assigned one at a time (blockConcurrencyWhile); each payout's signed transaction
 * is stored before its first broadcast and rebroadcast unchanged until a receipt is at the chain's
 * finality depth. It writes a payout's moves funded → processing → complete | failed.
 */
export class PayoutWallet extends DurableObject<Env> {
  /** Moves a funded or processing payout one step on; safe to call again (the cron does). */
  async advance(payoutId: string): Promise<AdvanceResult> {
    const db = getDb(this.env.DB)
    const [payout] = await db.select().from(payouts).where(eq(payouts.id, payoutId))
    if (!payout) return 'missing'
    if (payout.status !== 'funded' && payout.status !== 'processing') return payout.status
    if (!payout.livemode) return this.simulate(db, payout)
    const chain = chainsFor(this.env).get(payout.chainId)
    if (!chain) return this.fail(db, payout, `Chain ${payout.chainId} is no longer configured`)
    let tx = await this.ctx.storage.get<SignedTx>(`tx:${payout.id}`)
    if (!tx) {
      if (payout.status !== 'funded') return payout.status
      const signed = await this.sign(db, chain, payout)
      if ('error' in signed) return this.fail(db, payout, signed.error)
      tx = signed
      const transactions: PayoutTransaction[] = [{ txid: tx.hash, amount: payout.amount, date: tx.signedAt, confirmations: 0 }]
      await db.update(payouts).set({ status: 'processing', transactions: JSON.stringify(transactions), updatedAt: tx.signedAt }).where(and(eq(payouts.id, payout.id), eq(payouts.status, 'funded')))
    }
    return this.follow(db, chain, { ...payout, status: 'processing' }, tx)
  }

  private async sign(db: Db, chain: Chain, payout: PayoutRow): Promise<SignedTx | { error: string }> {
    const [wallet] = await db.select().from(payoutWallets).where(eq(payoutWallets.id, payout.payoutWalletId))
    if (!wallet || wallet.status !== 'active') return { error: 'The payout wallet was deleted' }
    const token = findToken(chain, payout.token)
    if (!token) return { error: `${payout.token} is not configured on chain ${chain.id}` }
    const account = privateKeyToAccount(await decryptPayoutKey(payoutKeySecret(this.env), wallet.id, wallet.encryptedKey))
    const client = createWalletClient({ account, chain: viemChain(chain), transport: http(chain.rpcUrl) })
    const amount = BigInt(payout.amountBaseUnits)
    const call =
      token.address === null
        ? { to: payout.toAddress as Hex, value: amount }
        : { to: token.address, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [payout.toAddress as Hex, amount] }), value: 0n }
    // One nonce at a time: nothing else runs in this object until the signed tx is stored.
    return this.ctx.blockConcurrencyWhile(async () => {
      const pending = await chainClient(chain).getTransactionCount({ address: account.address, blockTag: 'pending' })
      const nonce = Math.max(pending, (await this.ctx.storage.get<number>('nextNonce')) ?? 0)
      let raw: Hex
      try {
        const request = await client.prepareTransactionRequest({ ...call, nonce, chain: viemChain(chain) })
        raw = await client.signTransaction(request)
      } catch (err) {
        // Gas estimation runs the transfer: a revert here (not enough tokens or gas) means it cannot be sent.
        return { error: `The transfer cannot be sent: ${shortError(err)}` }
      }
      const tx: SignedTx = { raw, hash: keccak256(raw), nonce, signedAt: new Date().toISOString() }
      await this.ctx.storage.put({ [`tx:${payout.id}`]: tx, nextNonce: nonce + 1 })
      return tx
    })
  }

  /** Broadcasts (again) and reads the receipt; completes at finality depth, fails on a revert. */
  private async follow(db: Db, chain: Chain, payout: PayoutRow, tx: SignedTx): Promise<AdvanceResult> {
    const client = chainClient(chain)
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await client.sendRawTransaction({ serializedTransaction: tx.raw })
        break
      } catch (err) {
        const text = String(err).toLowerCase()
        if (text.includes('already known') || text.includes('nonce too low') || text.includes('already imported')) break
        if (attempt === 2) log.error('payout broadcast failed; will rebroadcast', { payoutId: payout.id, txid: tx.hash, error: shortError(err) })
      }
    }
    const receipt = await client.getTransactionReceipt({ hash: tx.hash }).catch(() => null)
    if (!receipt) return 'processing'
    if (receipt.status === 'reverted') return this.fail(db, payout, `The transfer ${tx.hash} reverted`)
    const head = await client.getBlockNumber({ cacheTime: 0 })
    const confirmations = Number(head - receipt.blockNumber) + 1
    const done = confirmations >= finalityDepth(chain)
    const transactions: PayoutTransaction[] = [{ txid: tx.hash, amount: payout.amount, date: tx.signedAt, confirmations }]
    await db
      .update(payouts)
      .set({ status: done ? 'complete' : 'processing', transactions: JSON.stringify(transactions), updatedAt: new Date().toISOString() })
      .where(and(eq(payouts.id, payout.id), eq(payouts.status, 'processing')))
    return done ? 'complete' : 'processing'
  }

  /** Test mode: nothing is signed or broadcast; the payout completes with a simulated txid. */
  private async simulate(db: Db, payout: PayoutRow): Promise<AdvanceResult> {
    const at = new Date().toISOString()
    const txid = `0x${'00'.repeat(12)}${payout.id.replace(/[^0-9a-f]/g, '').padEnd(40, '0').slice(0, 40)}`
    const transactions: PayoutTransaction[] = [{ txid, amount: payout.amount, date: at, confirmations: 0 }]
    await db.update(payouts).set({ status: 'complete', transactions: JSON.stringify(transactions), updatedAt: at }).where(and(eq(payouts.id, payout.id), inArray(payouts.status, ['funded', 'processing'])))
    return 'complete'
  }

  /** Failed with a message; the 1034 debit of funding is reversed in the same batch. */
  private async fail(db: Db, payout: PayoutRow, message: string): Promise<AdvanceResult> {
    const at = new Date().toISOString()
    const chain = chainsFor(this.env).get(payout.chainId)
    const decimals = (chain && findToken(chain, payout.token)?.decimals) ?? 6
    await db.batch([
      db.update(payouts).set({ status: 'failed', message, updatedAt: at }).where(and(eq(payouts.id, payout.id), inArray(payouts.status, ['funded', 'processing']))),
      insertLedgerEntriesIf(db, [
        {
          merchantId: payout.merchantId, livemode: payout.livemode, currency: payout.token, code: LEDGER_CODES.payout, amount: toLedgerUnits(BigInt(payout.amountBaseUnits), decimals),
          sourceType: 'payout', sourceId: `${payout.id}:reversal`, paymentId: null, description: 'Payout failed: reversal', createdAt: at,
        },
      ], sql`EXISTS (SELECT 1 FROM payouts WHERE id = ${payout.id} AND status = 'failed')`),
    ])
    return 'failed'
  }
}

function viemChain(chain: Chain) {
  return { id: chain.id, name: chain.name, nativeCurrency: { name: chain.nativeSymbol, symbol: chain.nativeSymbol, decimals: 18 }, rpcUrls: { default: { http: [chain.rpcUrl] } } }
}

/** An RPC error without the URL (which may carry a provider key). */
function shortError(err: unknown): string {
  const text = err instanceof Error ? ((err as { shortMessage?: string }).shortMessage ?? err.message) : String(err)
  return text.replace(/https?:\/\/\S+/g, '<rpc>').slice(0, 300)
}
