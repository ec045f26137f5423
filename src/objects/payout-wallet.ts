import { DurableObject } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { createWalletClient, encodeFunctionData, erc20Abi, http, keccak256, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { decryptPayoutKey, payoutKeySecret } from '../auth/payout-keys'
import { chainsFor } from '../chain/registry'
import { finalityDepth, findToken, type Chain } from '../chain/registry'
import { chainClient } from '../chain/rpc'
import { getDb, type Db } from '../db/client'
import { insertLedgerEntriesIf } from '../db/ledger'
import { payouts, payoutWallets } from '../db/schema'
import { enqueueEvent, payoutIsAt, payoutTransition } from '../db/subject-events'
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
 * Faults a test can arm through the stub (no route reaches this): `failBroadcasts` makes that many
 * broadcasts throw as an RPC error would; `crashAfterSign` kills the object once right after the signed
 * transaction is stored, before the payout is marked processing or anything is broadcast.
 */
export interface PayoutWalletFaults {
  failBroadcasts?: number
  crashAfterSign?: boolean
}

/**
 * One per payout wallet (`idFromName(walletId)`): the only holder of the decrypted key and the only
 * signer. Nonces are assigned one at a time (blockConcurrencyWhile); each payout's signed transaction
 * is stored before its first broadcast and rebroadcast unchanged until a receipt is at the chain's
 * finality depth. It writes a payout's moves funded → processing → complete | failed, each with its
 * outbox event in the same batch.
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
      await this.crashPoint()
    }
    let current = payout
    if (current.status === 'funded') {
      // Signed (now, or before a crash): processing, with the txid, before the first broadcast.
      const transactions: PayoutTransaction[] = [
        { txid: tx.hash, amount: payout.amount, date: tx.signedAt, confirmations: 0 },
      ]
      const moved = await this.commit(
        db,
        current,
        { status: 'processing', transactions: JSON.stringify(transactions) },
        tx.signedAt,
      )
      if (!moved) return (await this.reread(db, payout.id)) ?? 'missing'
      current = moved
    }
    return this.follow(db, chain, current, tx)
  }

  /** Arms test faults (see PayoutWalletFaults); an empty object disarms them. */
  async setFaults(faults: PayoutWalletFaults): Promise<void> {
    await this.ctx.storage.put('faults', faults)
  }

  /** The hash of the transaction signed for a payout, or null before it is signed. */
  async signedTx(payoutId: string): Promise<string | null> {
    return (await this.ctx.storage.get<SignedTx>(`tx:${payoutId}`))?.hash ?? null
  }

  /** Hashes of the raw transactions broadcast for a payout, one per attempt (for tests and audit). */
  async broadcasts(payoutId: string): Promise<string[]> {
    return (await this.ctx.storage.get<string[]>(`sent:${payoutId}`)) ?? []
  }

  private async crashPoint(): Promise<void> {
    const faults = await this.ctx.storage.get<PayoutWalletFaults>('faults')
    if (!faults?.crashAfterSign) return
    await this.ctx.storage.put('faults', { ...faults, crashAfterSign: false })
    // Resets the object as a crash or an eviction would: in-memory state is gone, storage stays.
    this.ctx.abort('payout wallet killed after signing (test fault)')
  }

  /** A broadcast, through the armed RPC fault if any; each attempt is logged by raw-tx hash. */
  private async broadcast(chain: Chain, payoutId: string, tx: SignedTx): Promise<void> {
    const sent = (await this.ctx.storage.get<string[]>(`sent:${payoutId}`)) ?? []
    await this.ctx.storage.put(`sent:${payoutId}`, [...sent, keccak256(tx.raw)])
    const faults = await this.ctx.storage.get<PayoutWalletFaults>('faults')
    if (faults?.failBroadcasts) {
      await this.ctx.storage.put('faults', { ...faults, failBroadcasts: faults.failBroadcasts - 1 })
      throw new Error('HTTP request failed: 503 Service Unavailable (test fault)')
    }
    await chainClient(chain).sendRawTransaction({ serializedTransaction: tx.raw })
  }

  /** One payout change and its event in one batch, then the event queued; null when the row moved meanwhile. */
  private async commit(
    db: Db,
    before: PayoutRow,
    changes: Parameters<typeof payoutTransition>[2],
    at?: string,
    extra: BatchItem<'sqlite'>[] = [],
  ): Promise<PayoutRow | null> {
    const t = payoutTransition(db, before, changes, at)
    const [updated] = await db.batch([t.update, ...(t.event ? [t.event.query] : []), ...extra])
    if (updated.length === 0) return null
    if (t.event) await enqueueEvent(this.env, t.event.id)
    return t.after
  }

  private async reread(db: Db, id: string): Promise<AdvanceResult | null> {
    const [row] = await db.select({ status: payouts.status }).from(payouts).where(eq(payouts.id, id))
    return row?.status ?? null
  }

  private async sign(db: Db, chain: Chain, payout: PayoutRow): Promise<SignedTx | { error: string }> {
    const [wallet] = await db.select().from(payoutWallets).where(eq(payoutWallets.id, payout.payoutWalletId))
    if (!wallet || wallet.status !== 'active') return { error: 'The payout wallet was deleted' }
    const token = findToken(chain, payout.token)
    if (!token) return { error: `${payout.token} is not configured on chain ${chain.id}` }
    const account = privateKeyToAccount(
      await decryptPayoutKey(payoutKeySecret(this.env), wallet.id, wallet.encryptedKey),
    )
    const client = createWalletClient({ account, chain: viemChain(chain), transport: http(chain.rpcUrl) })
    const amount = BigInt(payout.amountBaseUnits)
    const call =
      token.address === null
        ? { to: payout.toAddress as Hex, value: amount }
        : {
            to: token.address,
            data: encodeFunctionData({
              abi: erc20Abi,
              functionName: 'transfer',
              args: [payout.toAddress as Hex, amount],
            }),
            value: 0n,
          }
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

  /** Broadcasts (again, the same bytes) and reads the receipt; completes at finality depth, fails on a revert. */
  private async follow(db: Db, chain: Chain, payout: PayoutRow, tx: SignedTx): Promise<AdvanceResult> {
    const client = chainClient(chain)
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.broadcast(chain, payout.id, tx)
        break
      } catch (err) {
        const text = String(err).toLowerCase()
        if (text.includes('already known') || text.includes('nonce too low') || text.includes('already imported')) break
        if (attempt === 2)
          log.error('payout broadcast failed; will rebroadcast', {
            payoutId: payout.id,
            txid: tx.hash,
            error: shortError(err),
          })
      }
    }
    const receipt = await client.getTransactionReceipt({ hash: tx.hash }).catch(() => null)
    if (!receipt) return 'processing'
    if (receipt.status === 'reverted') return this.fail(db, payout, `The transfer ${tx.hash} reverted`)
    const head = await client.getBlockNumber({ cacheTime: 0 })
    const confirmations = Number(head - receipt.blockNumber) + 1
    const done = confirmations >= finalityDepth(chain)
    const transactions: PayoutTransaction[] = [
      { txid: tx.hash, amount: payout.amount, date: tx.signedAt, confirmations },
    ]
    if (!done && payout.transactions === JSON.stringify(transactions)) return 'processing'
    const moved = await this.commit(db, payout, {
      status: done ? 'complete' : 'processing',
      transactions: JSON.stringify(transactions),
    })
    if (!moved) return (await this.reread(db, payout.id)) ?? 'missing'
    return moved.status
  }

  /** Test mode: nothing is signed or broadcast; the payout completes with a simulated txid (processing, then complete). */
  private async simulate(db: Db, payout: PayoutRow): Promise<AdvanceResult> {
    const at = new Date().toISOString()
    const txid = `0x${'00'.repeat(12)}${payout.id
      .replace(/[^0-9a-f]/g, '')
      .padEnd(40, '0')
      .slice(0, 40)}`
    const transactions: PayoutTransaction[] = [{ txid, amount: payout.amount, date: at, confirmations: 0 }]
    let current: PayoutRow | null = payout
    if (current.status === 'funded')
      current = await this.commit(db, current, { status: 'processing', transactions: JSON.stringify(transactions) }, at)
    if (current) current = await this.commit(db, current, { status: 'complete' }, at)
    return current?.status ?? (await this.reread(db, payout.id)) ?? 'missing'
  }

  /** Failed with a message; the 1034 debit of funding is reversed in the same batch. */
  private async fail(db: Db, payout: PayoutRow, message: string): Promise<AdvanceResult> {
    const at = new Date().toISOString()
    const chain = chainsFor(this.env).get(payout.chainId)
    const decimals = (chain && findToken(chain, payout.token)?.decimals) ?? 6
    const after = { id: payout.id, version: payout.version + 1, status: 'failed' as const }
    const reversal = insertLedgerEntriesIf(
      db,
      [
        {
          merchantId: payout.merchantId,
          livemode: payout.livemode,
          currency: payout.token,
          code: LEDGER_CODES.payout,
          amount: toLedgerUnits(BigInt(payout.amountBaseUnits), decimals),
          sourceType: 'payout',
          sourceId: `${payout.id}:reversal`,
          paymentId: null,
          description: 'Payout failed: reversal',
          createdAt: at,
        },
      ],
      payoutIsAt(after),
    )
    const moved = await this.commit(db, payout, { status: 'failed', message }, at, [reversal])
    return moved ? 'failed' : ((await this.reread(db, payout.id)) ?? 'missing')
  }
}

function viemChain(chain: Chain) {
  return {
    id: chain.id,
    name: chain.name,
    nativeCurrency: { name: chain.nativeSymbol, symbol: chain.nativeSymbol, decimals: 18 },
    rpcUrls: { default: { http: [chain.rpcUrl] } },
  }
}

/** An RPC error without the URL (which may carry a provider key). */
function shortError(err: unknown): string {
  const text = err instanceof Error ? ((err as { shortMessage?: string }).shortMessage ?? err.message) : String(err)
  return text.replace(/https?:\/\/\S+/g, '<rpc>').slice(0, 300)
}
