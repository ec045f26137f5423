// Real payments on a real chain: the worker's CHAINS binding points chain 31337 at the anvil that
// test/global-setup.ts started. This file alone mines, snapshots and reverts that anvil, so its tests
// run in order and nothing else moves the chain under them.
import {
  createExecutionContext,
  createScheduledController,
  evictDurableObject,
  runDurableObjectAlarm,
  waitOnExecutionContext,
} from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { deriveDepositAddress } from '../../src/chain/addresses'
import { chainsFor } from '../../src/chain/registry'
import { getDb } from '../../src/db/client'
import { depositAddresses, payments } from '../../src/db/schema'
import worker from '../../src/index'
import { paymentObject } from '../../src/services/payments/payments'
import { scanAllChains } from '../../src/services/chain/scanner'
import { call, createMerchant } from '../helpers/api'
import {
  cursorOf,
  e2eChain,
  eventTypes,
  getPayment,
  liveMerchant,
  livePayment,
  observationsOf,
  randomXpub,
  scanOk,
  seedOpenPayments,
  sharedChain,
  sharedChainConfig,
} from '../helpers/chain'

const chain = e2eChain()
const { usdc, usdt } = chain.ctx

describe('chain watching (anvil e2e)', () => {
  it('USDC: pending → processing → completed at exactly the configured depth, through the cron handler', async () => {
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, {
      amount: '25.00',
      currency: 'USD',
      token: 'USDC',
      transaction_speed: 'low',
    })
    expect(p).toMatchObject({ status: 'pending', pay_amount_base_units: '25000000', required_confirmations: 6 })

    // The cron handler itself (scheduled → runChainCron → scanner), waited on like the runtime does.
    const cron = async () => {
      const ctx = createExecutionContext()
      await worker.scheduled(createScheduledController({ cron: '* * * * *' }), env, ctx)
      await waitOnExecutionContext(ctx)
    }
    await cron()
    expect((await getPayment(m.liveKey, p.id)).status).toBe('pending')

    const receipt = await chain.payToken(usdc, p.deposit_address, 25_000_000n)
    await cron()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'processing',
      confirmations: 1,
      amount_received: '25',
    })

    await chain.mine(4)
    await cron()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({ status: 'processing', confirmations: 5 })

    await chain.mine(1)
    await cron()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({ status: 'completed', exception: null, confirmations: 6 })
    expect(await eventTypes(p.id)).toEqual(['payment.created', 'payment.processing', 'payment.completed'])

    // Recorded once, with everything a merchant needs to find it on the chain.
    await chain.mine(2)
    await cron()
    const obs = await observationsOf({ paymentId: p.id })
    expect(obs).toHaveLength(1)
    expect(obs[0]).toMatchObject({
      chainId: 31337,
      txHash: receipt.transactionHash,
      logIndex: receipt.logs[0]!.logIndex,
      fromAddress: chain.payer,
      token: 'USDC',
      amount: '25000000',
      blockNumber: Number(receipt.blockNumber),
      blockHash: receipt.blockHash,
      confirmations: 6, // final at the chain's deepest depth: no longer recounted
      removedAt: null,
      note: null,
      walletId: m.walletId,
      livemode: true,
    })
    expect(obs[0]!.toAddress.toLowerCase()).toBe(p.deposit_address.toLowerCase())
    const balance = await call('GET', `/v1/wallets/${m.walletId}/balance`, { key: m.liveKey })
    expect(balance.json.data.balances).toEqual([
      {
        token: 'USDC',
        token_address: usdc,
        amount: '25',
        amount_base_units: '25000000',
        confirmed_amount: '25',
        pending_amount: '0',
        transfers: 1,
      },
    ])
  })

  it('ETH: detected by balance against the balance at allocation, completed at depth, with the real transaction', async () => {
    const m = await liveMerchant()
    // Coins already at the next deposit address before the payment exists must not count toward it.
    await chain.payNative(deriveDepositAddress(m.xpub, 0), 10n ** 15n)
    const p = await livePayment(m.liveKey, { amount: '1', currency: 'ETH', token: 'ETH', transaction_speed: 'medium' })
    const [row] = await getDb(env.DB).select().from(payments).where(eq(payments.id, p.id))
    expect(row!.baselineBalance).toBe(String(10n ** 15n))

    await scanOk()
    expect((await getPayment(m.liveKey, p.id)).status).toBe('pending')

    const receipt = await chain.payNative(p.deposit_address, 10n ** 18n)
    await chain.mine(1) // an unrelated block between payment and scan: the scanner must find the right one
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'completed',
      confirmations: 2,
      amount_received: '1',
    })
    expect(await eventTypes(p.id)).toEqual(['payment.created', 'payment.completed'])
    const [obs] = await observationsOf({ paymentId: p.id })
    expect(obs).toMatchObject({
      txHash: receipt.transactionHash,
      logIndex: -1,
      fromAddress: chain.payer,
      token: 'ETH',
      amount: String(10n ** 18n),
      blockNumber: Number(receipt.blockNumber),
      blockHash: receipt.blockHash,
    })
  })

  it('ETH: processing below the depth, completed when it is reached', async () => {
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, { amount: '0.5', currency: 'ETH', token: 'ETH', transaction_speed: 'low' })
    await chain.payNative(p.deposit_address, 5n * 10n ** 17n)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({ status: 'processing', confirmations: 1 })
    await chain.mine(4)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({ status: 'processing', confirmations: 5 })
    await chain.mine(1)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({ status: 'completed', confirmations: 6 })
  })

  it('partial payment then top-up: processing underpaid, then completed with both transfers', async () => {
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, {
      amount: '10',
      currency: 'USDC',
      token: 'USDC',
      transaction_speed: 'medium',
    })
    await chain.payToken(usdc, p.deposit_address, 4_000_000n)
    await chain.mine(3)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'processing',
      exception: 'underpaid',
      amount_received: '4',
    })

    await chain.payToken(usdc, p.deposit_address, 6_000_000n)
    await scanOk()
    // The top-up has one confirmation: everything is received, not everything confirmed.
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'processing',
      exception: null,
      amount_received: '10',
      confirmations: 1,
    })
    await chain.mine(1)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'completed',
      exception: null,
      amount_received: '10',
    })
    expect((await observationsOf({ paymentId: p.id })).map((o) => o.amount)).toEqual(['4000000', '6000000'])
  })

  it('two native arrivals in one tick are recorded as two transfers', async () => {
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, { amount: '1', currency: 'ETH', token: 'ETH', transaction_speed: 'high' })
    const first = await chain.payNative(p.deposit_address, 3n * 10n ** 17n)
    await chain.mine(2)
    const second = await chain.payNative(p.deposit_address, 7n * 10n ** 17n)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({ status: 'completed', amount_received: '1' })
    const obs = await observationsOf({ paymentId: p.id })
    expect(obs.map((o) => [o.txHash, o.blockNumber, o.amount]).sort()).toEqual(
      [
        [first.transactionHash, Number(first.blockNumber), String(3n * 10n ** 17n)],
        [second.transactionHash, Number(second.blockNumber), String(7n * 10n ** 17n)],
      ].sort(),
    )
  })

  it('overpayment completes flagged overpaid', async () => {
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, { amount: '10', currency: 'USDC', token: 'USDC', transaction_speed: 'high' })
    await chain.payToken(usdc, p.deposit_address, 15_000_000n)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'completed',
      exception: 'overpaid',
      amount_received: '15',
    })
  })

  it('money after expiry is recorded and flagged paid_late', async () => {
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, { amount: '10', currency: 'USDC', token: 'USDC', transaction_speed: 'high' })
    // Move the expiry into the past and let the object's alarm expire it.
    await getDb(env.DB)
      .update(payments)
      .set({ expiresAt: new Date(Date.now() - 60_000).toISOString() })
      .where(eq(payments.id, p.id))
    const stub = paymentObject(env, p.id)
    await evictDurableObject(stub)
    await runDurableObjectAlarm(stub)
    expect((await getPayment(m.liveKey, p.id)).status).toBe('expired')

    await chain.payToken(usdc, p.deposit_address, 10_000_000n)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'expired',
      exception: 'paid_late',
      amount_received: '10',
    })
    expect(await eventTypes(p.id)).toEqual(['payment.created', 'payment.expired', 'payment.paid_late'])
    expect(await observationsOf({ paymentId: p.id })).toHaveLength(1)
  })

  it('money to a cancelled payment is recorded and flagged paid_late', async () => {
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, { amount: '1', currency: 'ETH', token: 'ETH', transaction_speed: 'high' })
    expect((await call('POST', `/v1/payments/${p.id}/cancel`, { key: m.liveKey })).status).toBe(200)
    await chain.payNative(p.deposit_address, 10n ** 18n)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'cancelled',
      exception: 'paid_late',
      amount_received: '1',
    })
  })

  it('a transfer in the wrong token is recorded on the payment as unexpected funds, announced, and pays nothing', async () => {
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, { amount: '10', currency: 'USDC', token: 'USDC', transaction_speed: 'high' })
    const wrong = await chain.payToken(usdt, p.deposit_address, 10_000_000n)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({ status: 'pending', amount_received: '0' })
    const [obs] = await observationsOf({ to: p.deposit_address })
    expect(obs).toMatchObject({
      txHash: wrong.transactionHash,
      token: 'USDT',
      amount: '10000000',
      paymentId: p.id,
      walletId: m.walletId,
      unexpected: 'wrong_asset',
    })
    expect(obs!.note).toMatch(/^wrong token: USDT sent to payment .* which expects USDC$/)
    const history = await call('GET', `/v1/wallets/${m.walletId}/transactions`, { key: m.liveKey })
    expect(history.json.data[0]).toMatchObject({
      tx_hash: wrong.transactionHash,
      token: 'USDT',
      amount: '10',
      payment_id: p.id,
      unexpected: 'wrong_asset',
      note: obs!.note,
      removed_at: null,
    })
    expect(await eventTypes(p.id)).toEqual(['payment.created', 'payment.unexpected_funds'])

    // Announced once, however often the block is re-scanned.
    await chain.mine(2)
    await scanOk()
    expect(await eventTypes(p.id)).toEqual(['payment.created', 'payment.unexpected_funds'])

    // The wallet shows what arrived; the right token still completes the payment, the USDT never counts.
    const balance = await call('GET', `/v1/wallets/${m.walletId}/balance`, { key: m.liveKey })
    expect(balance.json.data.balances.map((b: { token: string }) => b.token)).toEqual(['USDT'])
    await chain.payToken(usdc, p.deposit_address, 10_000_000n)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'completed',
      exception: null,
      amount_received: '10',
    })
  })

  it('native coin sent to a token payment is recorded on it as a wrong asset, with its transaction, and pays nothing', async () => {
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, { amount: '10', currency: 'USDC', token: 'USDC', transaction_speed: 'high' })
    const receipt = await chain.payNative(p.deposit_address, 10n ** 16n)
    await chain.mine(1)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({ status: 'pending', amount_received: '0' })
    expect(await observationsOf({ paymentId: p.id })).toMatchObject([
      {
        txHash: receipt.transactionHash,
        logIndex: -1,
        token: 'ETH',
        amount: String(10n ** 16n),
        unexpected: 'wrong_asset',
        blockNumber: Number(receipt.blockNumber),
      },
    ])
    expect(await eventTypes(p.id)).toEqual(['payment.created', 'payment.unexpected_funds'])
    await scanOk()
    expect(await observationsOf({ paymentId: p.id })).toHaveLength(1)
    await chain.payToken(usdc, p.deposit_address, 10_000_000n)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'completed',
      exception: null,
      amount_received: '10',
    })
  })

  it('money after the late-payment window is recorded on the payment and announced, never counted', async () => {
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, { amount: '10', currency: 'USDC', token: 'USDC', transaction_speed: 'high' })
    // Expired two days ago: past the 24-hour late window.
    await getDb(env.DB)
      .update(payments)
      .set({ expiresAt: new Date(Date.now() - 48 * 3600_000).toISOString() })
      .where(eq(payments.id, p.id))
    const stub = paymentObject(env, p.id)
    await evictDurableObject(stub)
    await runDurableObjectAlarm(stub)
    expect((await getPayment(m.liveKey, p.id)).status).toBe('expired')

    const late = await chain.payToken(usdc, p.deposit_address, 10_000_000n)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'expired',
      exception: null,
      amount_received: '0',
    })
    const [obs] = await observationsOf({ paymentId: p.id })
    expect(obs).toMatchObject({
      txHash: late.transactionHash,
      amount: '10000000',
      token: 'USDC',
      unexpected: 'after_window',
    })
    expect(obs!.note).toMatch(/after the late-payment window/)
    expect(await eventTypes(p.id)).toEqual(['payment.created', 'payment.expired', 'payment.unexpected_funds'])
    const history = await call('GET', `/v1/wallets/${m.walletId}/transactions`, { key: m.liveKey })
    expect(history.json.data[0]).toMatchObject({
      tx_hash: late.transactionHash,
      payment_id: p.id,
      unexpected: 'after_window',
    })
  })

  it('a reorg that removes the transfer of a completed payment marks it reorged, announces it and shows it in the API', async () => {
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, { amount: '7', currency: 'USDC', token: 'USDC', transaction_speed: 'high' })
    const snapshot = await chain.testClient.snapshot()
    await chain.payToken(usdc, p.deposit_address, 7_000_000n)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'completed',
      exception: null,
      amount_received: '7',
    })

    await chain.testClient.revert({ id: snapshot })
    await chain.mine(3)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'completed',
      exception: 'reorged',
      amount_received: '0',
    })
    expect(await eventTypes(p.id)).toEqual(['payment.created', 'payment.completed', 'payment.reorged'])
    expect((await observationsOf({ paymentId: p.id })).every((o) => o.removedAt !== null)).toBe(true)
    await scanOk()
    expect(await eventTypes(p.id)).toEqual(['payment.created', 'payment.completed', 'payment.reorged'])

    // Paid again on the new chain: the mark is lifted.
    await chain.payToken(usdc, p.deposit_address, 7_000_000n)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'completed',
      exception: null,
      amount_received: '7',
    })
    expect((await eventTypes(p.id)).at(-1)).toBe('payment.updated')
  })

  it('test-mode payments never touch the chain, even when their address receives money', async () => {
    const m = await liveMerchant()
    expect(
      (await call('POST', '/v1/wallets', { key: m.testKey, body: { chain_id: 31337, xpub: randomXpub() } })).status,
    ).toBe(201)
    const res = await call('POST', '/v1/payments', {
      key: m.testKey,
      body: { amount: '10', currency: 'USDC', chain_id: 31337, token: 'USDC' },
    })
    const p = res.json.data
    await chain.payToken(usdc, p.deposit_address, 10_000_000n)
    const [report] = await scanOk()
    expect((await getPayment(m.testKey, p.id)).status).toBe('pending')
    expect(await observationsOf({ to: p.deposit_address })).toEqual([])
    expect(report!.openPayments).toBeGreaterThan(0) // the live payments of earlier tests are still watched
  })

  it('a reorg that drops the payment before its depth sends it back to pending and never completes it', async () => {
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, { amount: '20', currency: 'USDC', token: 'USDC', transaction_speed: 'low' })
    const snapshot = await chain.testClient.snapshot()
    const receipt = await chain.payToken(usdc, p.deposit_address, 20_000_000n)
    await chain.mine(2)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({ status: 'processing', confirmations: 3 })

    // Replace the payment's block and those after it with empty ones, past the depth it would have reached.
    await chain.testClient.revert({ id: snapshot })
    await chain.mine(8)
    const reorged = await chain.publicClient.getBlock({ blockNumber: receipt.blockNumber })
    expect(reorged.hash).not.toBe(receipt.blockHash)
    await scanOk()

    expect(await getPayment(m.liveKey, p.id)).toMatchObject({
      status: 'pending',
      exception: null,
      confirmations: 0,
      amount_received: '0',
    })
    const [obs] = await observationsOf({ paymentId: p.id })
    expect(obs).toMatchObject({ txHash: receipt.transactionHash, blockHash: receipt.blockHash })
    expect(obs!.removedAt).not.toBeNull()
    await scanOk()
    const events = await eventTypes(p.id)
    expect(events).toEqual(['payment.created', 'payment.processing', 'payment.updated'])
    expect(events).not.toContain('payment.completed')
    const balance = await call('GET', `/v1/wallets/${m.walletId}/balance`, { key: m.liveKey })
    expect(balance.json.data.balances).toEqual([])
    const history = await call('GET', `/v1/wallets/${m.walletId}/transactions`, { key: m.liveKey })
    expect(history.json.data).toMatchObject([{ tx_hash: receipt.transactionHash, removed_at: expect.any(String) }])

    // Paid again on the new chain, it completes normally.
    await chain.payToken(usdc, p.deposit_address, 20_000_000n)
    await chain.mine(5)
    await scanOk()
    expect((await getPayment(m.liveKey, p.id)).status).toBe('completed')
  })

  it('a reorg that drops a native payment sends it back to pending too', async () => {
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, { amount: '1', currency: 'ETH', token: 'ETH', transaction_speed: 'low' })
    const snapshot = await chain.testClient.snapshot()
    await chain.payNative(p.deposit_address, 10n ** 18n)
    await scanOk()
    expect((await getPayment(m.liveKey, p.id)).status).toBe('processing')
    await chain.testClient.revert({ id: snapshot })
    await chain.mine(8)
    await scanOk()
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({ status: 'pending', amount_received: '0' })
    expect((await observationsOf({ paymentId: p.id })).every((o) => o.removedAt !== null)).toBe(true)
    expect(await eventTypes(p.id)).not.toContain('payment.completed')
  })

  it('a transfer re-mined in another block after a reorg is moved there, not counted twice', async () => {
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, { amount: '5', currency: 'USDC', token: 'USDC', transaction_speed: 'low' })
    const receipt = await chain.payToken(usdc, p.deposit_address, 5_000_000n)
    await scanOk()
    // anvil_reorg replaces the last block and re-includes the same transaction in the new one.
    const tx = await chain.publicClient.getTransaction({ hash: receipt.transactionHash })
    await chain.rpc('anvil_reorg', [
      1,
      [[{ from: tx.from, to: tx.to, input: tx.input, gas: `0x${tx.gas.toString(16)}` }, 0]],
    ])
    const moved = await chain.publicClient.getBlock({ blockNumber: receipt.blockNumber, includeTransactions: false })
    expect(moved.hash).not.toBe(receipt.blockHash)
    await chain.mine(5)
    await scanOk()
    const obs = await observationsOf({ paymentId: p.id })
    const live = obs.filter((o) => o.removedAt === null)
    expect(live).toHaveLength(1)
    expect(live[0]!.blockHash).toBe(moved.hash)
    expect(await getPayment(m.liveKey, p.id)).toMatchObject({ status: 'completed', amount_received: '5' })
  })
})

// Issue 10: two merchants once ended up with one deposit address and the scanner credited B's payment
// with A's buyer's money. Registration now refuses that, and attribution only looks at the wallet
// holding the address, even for addresses shared before the fix (pre-0006 data).
describe('deposit addresses across merchants (anvil e2e)', () => {
  it('a derived address registered earlier by another merchant is skipped: both merchants are paid for their own orders only', async () => {
    const a = await liveMerchant()
    const b = await createMerchant()
    const taken = deriveDepositAddress(a.xpub, 0)
    expect(
      (await call('POST', '/v1/wallets', { key: b.liveKey, body: { chain_id: 31337, address: taken } })).status,
    ).toBe(201)
    const pa = await livePayment(a.liveKey, {
      amount: '20',
      currency: 'USDC',
      token: 'USDC',
      transaction_speed: 'high',
    })
    const pb = await livePayment(b.liveKey, { amount: '5', currency: 'USDC', token: 'USDC', transaction_speed: 'high' })
    expect(pa.deposit_address).toBe(deriveDepositAddress(a.xpub, 1))
    expect(pb.deposit_address.toLowerCase()).toBe(taken.toLowerCase())

    await chain.payToken(usdc, pa.deposit_address, 15_000_000n)
    await scanOk()
    await chain.payToken(usdc, pa.deposit_address, 5_000_000n)
    await scanOk()
    expect(await getPayment(a.liveKey, pa.id)).toMatchObject({ status: 'completed', amount_received: '20' })
    expect(await getPayment(b.liveKey, pb.id)).toMatchObject({ status: 'pending', amount_received: '0' })
    await chain.payToken(usdc, pb.deposit_address, 5_000_000n)
    await scanOk()
    expect(await getPayment(b.liveKey, pb.id)).toMatchObject({ status: 'completed', amount_received: '5' })
    expect((await observationsOf({ paymentId: pa.id })).map((o) => o.amount)).toEqual(['15000000', '5000000'])
  })

  it('an address shared before the fix pays only the payment of the wallet holding it', async () => {
    const a = await liveMerchant()
    const b = await liveMerchant()
    const pa = await livePayment(a.liveKey, {
      amount: '20',
      currency: 'USDC',
      token: 'USDC',
      transaction_speed: 'high',
    })
    const pb = await livePayment(b.liveKey, { amount: '5', currency: 'USDC', token: 'USDC', transaction_speed: 'high' })
    // Pre-0006 data: B's payment points at A's deposit address (A's claim stands).
    await getDb(env.DB).update(payments).set({ depositAddress: pa.deposit_address }).where(eq(payments.id, pb.id))
    await chain.payToken(usdc, pa.deposit_address, 15_000_000n)
    await scanOk()
    // The last 5 USDC of A's order: the exact amount of B's payment, which must not take it.
    await chain.payToken(usdc, pa.deposit_address, 5_000_000n)
    await scanOk()
    expect(await getPayment(a.liveKey, pa.id)).toMatchObject({ status: 'completed', amount_received: '20' })
    expect(await getPayment(b.liveKey, pb.id)).toMatchObject({ status: 'pending', amount_received: '0' })
    expect(await observationsOf({ paymentId: pb.id })).toEqual([])
    expect(
      (await observationsOf({ to: pa.deposit_address })).every((o) => o.paymentId === pa.id && o.merchantId === a.id),
    ).toBe(true)
  })

  it('a disputed address (claimed by nobody, as the migration leaves pre-existing duplicates) credits nobody', async () => {
    const a = await liveMerchant()
    const b = await liveMerchant()
    const pa = await livePayment(a.liveKey, { amount: '5', currency: 'USDC', token: 'USDC', transaction_speed: 'high' })
    const pb = await livePayment(b.liveKey, { amount: '5', currency: 'USDC', token: 'USDC', transaction_speed: 'high' })
    const db = getDb(env.DB)
    await db.update(payments).set({ depositAddress: pa.deposit_address }).where(eq(payments.id, pb.id))
    await db
      .update(depositAddresses)
      .set({ walletId: null, merchantId: null })
      .where(eq(depositAddresses.address, pa.deposit_address.toLowerCase()))
    await chain.payToken(usdc, pa.deposit_address, 5_000_000n)
    await scanOk()
    expect((await getPayment(a.liveKey, pa.id)).status).toBe('pending')
    expect((await getPayment(b.liveKey, pb.id)).status).toBe('pending')
    expect(await observationsOf({ to: pa.deposit_address })).toEqual([])
  })
})

// These use both anvils: chain 31337 (this file's) keeps working while chain 31338 (the shared anvil,
// with its own registry entry) breaks. They live here because only this file may move chain 31337.
describe('a failing chain', () => {
  const shared = sharedChain()
  const registry = (overrides: Record<string, unknown> = {}) =>
    new Map([...chainsFor(env), [shared.chain.id, sharedChainConfig(overrides)]])

  it('an unreachable RPC fails that chain loudly, leaves the others alone, and the next tick resumes from the same block', async () => {
    const [watched] = await seedOpenPayments(shared.chain, 1, { token: 'USDC', viaObject: true })
    await scanAllChains(env, { chains: registry() })
    const before = await cursorOf(shared.chain.id)
    expect(before).toMatchObject({ lastError: null })

    // While chain 31338 is unreachable: money arrives there, and a payment on chain 31337 goes on.
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, { amount: '3', currency: 'USDC', token: 'USDC', transaction_speed: 'high' })
    const missed = await shared.payToken(usdc, watched!.depositAddress, 10_000_000n)
    await shared.mine(10) // deeper than the re-scanned tail: only the kept cursor can find it
    await chain.payToken(usdc, p.deposit_address, 3_000_000n)
    const errors = vi.spyOn(console, 'error')
    const broken = await scanAllChains(env, {
      chains: registry({ rpcUrl: 'http://127.0.0.1:9/v2/s3cret-api-key' }) /* nothing listens on the discard port */,
    })
    expect(broken.find((r) => r.chainId === shared.chain.id)).toMatchObject({ ok: false })
    expect(broken.find((r) => r.chainId === 31337)).toMatchObject({ ok: true })
    expect(
      errors.mock.calls
        .map((c) => String(c[0]))
        .some((line) => line.includes('"chain scan failed') && line.includes(`"chainId":${shared.chain.id}`)),
    ).toBe(true)
    // The provider key in the URL's path never reaches logs or D1.
    expect(errors.mock.calls.map((c) => String(c[0])).join('\n')).not.toContain('s3cret')
    errors.mockRestore()
    expect((await getPayment(m.liveKey, p.id)).status).toBe('completed')
    const during = await cursorOf(shared.chain.id)
    expect(during!.lastError).toMatch(/^HTTP request failed/)
    expect(during!.lastError).not.toContain('s3cret')
    expect(during!.lastScannedBlock).toBe(before!.lastScannedBlock)
    expect(during!.lastError).toBeTruthy()

    // Back: it picks up where it stopped and finds what it missed.
    const [back] = await scanAllChains(env, { chains: new Map([[shared.chain.id, shared.chain]]) })
    expect(back).toMatchObject({ ok: true, window: { from: before!.lastScannedBlock + 1 } })
    expect(Number(missed.blockNumber)).toBeLessThan(back!.head! - 6)
    expect(await observationsOf({ paymentId: watched!.id })).toMatchObject([
      { txHash: missed.transactionHash, amount: '10000000' },
    ])
    expect(await cursorOf(shared.chain.id)).toMatchObject({ lastError: null })
  })

  it('bad config stops only its chain: an invalid CHAINS entry, or an RPC that serves another chain', async () => {
    await seedOpenPayments(shared.chain, 1, { token: 'USDC' })
    const errors = vi.spyOn(console, 'error')
    const m = await liveMerchant()
    const p = await livePayment(m.liveKey, { amount: '3', currency: 'USDC', token: 'USDC', transaction_speed: 'high' })
    await chain.payToken(usdc, p.deposit_address, 3_000_000n)

    const invalid = Object.assign(Object.create(env) as Env, {
      CHAINS: JSON.stringify([
        ...JSON.parse(env.CHAINS),
        {
          id: shared.chain.id,
          name: 'B',
          nativeSymbol: 'ETH',
          rpcUrl: 'not a url',
          confirmations: { high: 1, medium: 2, low: 6 },
        },
      ]),
    })
    const reports = await scanAllChains(invalid)
    expect(reports.map((r) => [r.chainId, r.ok])).toEqual([[31337, true]])
    expect((await getPayment(m.liveKey, p.id)).status).toBe('completed')
    expect((await cursorOf(shared.chain.id))!.lastError).toMatch(/^config: CHAINS\[2\]\.rpcUrl/)
    expect(errors.mock.calls.some((c) => String(c[0]).includes('chain config invalid'))).toBe(true)

    const [wrong] = await scanAllChains(env, {
      chains: new Map([[shared.chain.id, sharedChainConfig({ rpcUrl: chain.ctx.rpcUrl })]]),
    })
    expect(wrong).toMatchObject({ ok: false })
    expect(wrong!.error).toMatch(/serves chain 31337, not 31338/)
    errors.mockRestore()
  })
})
