import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { erc20Abi } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { getDb } from '../../src/db/client'
import { emailOutbox, ledgerEntries, payoutWallets } from '../../src/db/schema'
import { processDuePayouts } from '../../src/services/payouts/payouts'
import { ADMIN_TOKEN, call, createMerchant, type TestMerchant } from '../helpers/api'
import { e2eChain } from '../helpers/chain'
import { received, receiverUrl, waitForRequests } from '../helpers/receiver'

/** anvil account 3 (test mnemonic): holds ETH and test USDC on the local chain; no other test sends from it. */
const WALLET_KEY = '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6'
const WALLET_ADDRESS = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'

async function usdcOf(address: string): Promise<bigint> {
  const { publicClient, ctx } = e2eChain()
  return publicClient.readContract({
    address: ctx.usdc,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [address as `0x${string}`],
  })
}

/** Invites a recipient and activates it the way the hosted page does: challenge, personal_sign, verify. */
async function activeRecipient(m: TestMerchant, key: string) {
  const account = privateKeyToAccount(generatePrivateKey())
  const invited = await call('POST', '/v1/recipients', {
    key,
    body: { recipients: [{ email: `r${Date.now()}${Math.random()}@example.com`.replace('0.', ''), label: 'Jane' }] },
  })
  expect(invited.status).toBe(201)
  const id = invited.json.data[0].id as string
  const got = await call('GET', `/v1/recipients/${id}`, { key })
  expect(got.json.data.status).toBe('invited')
  const token = new URL(got.json.data.invite_url as string).pathname.split('/').pop()
  const challenge = await call('GET', `/recipient/${token}/challenge?address=${account.address}`)
  expect(challenge.status).toBe(200)
  expect(challenge.json.message).toContain(account.address.toLowerCase())
  const signature = await account.signMessage({ message: challenge.json.message as string })
  const verified = await call('POST', `/recipient/${token}/verify`, { body: { address: account.address, signature } })
  expect(verified.status).toBe(200)
  expect(verified.json).toEqual({ status: 'active', address: account.address })
  // Single-use: the same signature again is refused.
  expect(
    (await call('POST', `/recipient/${token}/verify`, { body: { address: account.address, signature } })).status,
  ).toBe(409)
  void m
  return { id, address: account.address, token }
}

/** Cron ticks (mining between them) until the payout leaves `from`, or settles. */
async function tickUntil(key: string, id: string, wanted: string) {
  const { mine } = e2eChain()
  for (let i = 0; i < 20; i++) {
    await processDuePayouts(env)
    const p = (await call('GET', `/v1/payouts/${id}`, { key })).json.data
    if (p.status === wanted) return p
    if (['complete', 'failed', 'cancelled'].includes(p.status)) return p
    await mine(2)
  }
  return (await call('GET', `/v1/payouts/${id}`, { key })).json.data
}

async function ledgerOf(payoutId: string) {
  const rows = await getDb(env.DB).select().from(ledgerEntries)
  return rows.filter((r) => r.sourceType === 'payout' && r.sourceId.startsWith(payoutId))
}

describe('payouts on the local chain (live key)', () => {
  it('registers a funded hot wallet, pays an activated recipient 5 USDC exactly, debits the ledger and sends the IPNs', async () => {
    const m = await createMerchant()
    const created = await call('POST', '/v1/payout-wallets', {
      key: m.liveKey,
      body: { chain_id: 31337, private_key: WALLET_KEY, label: 'hot' },
    })
    expect(created.status).toBe(201)
    expect(created.json.data).toMatchObject({
      object: 'payout_wallet',
      chain_id: 31337,
      address: WALLET_ADDRESS,
      livemode: true,
    })
    expect(created.text.toLowerCase()).not.toContain(WALLET_KEY.slice(2))
    const [stored] = await getDb(env.DB).select().from(payoutWallets).where(eq(payoutWallets.id, created.json.data.id))
    expect(stored?.encryptedKey.toLowerCase()).not.toContain(WALLET_KEY.slice(2))

    const listed = await call('GET', '/v1/payout-wallets', { key: m.liveKey })
    expect(listed.text.toLowerCase()).not.toContain(WALLET_KEY.slice(2))
    const usdc = listed.json.data[0].balances.find((b: { token: string }) => b.token === 'USDC')
    expect(BigInt(usdc.balance_base_units)).toBeGreaterThanOrEqual(5_000_000n)
    expect(listed.json.data[0].balances[0].token).toBe('ETH')

    const recipient = await activeRecipient(m, m.liveKey)
    const invites = await getDb(env.DB).select().from(emailOutbox).where(eq(emailOutbox.refId, recipient.id))
    expect(invites).toHaveLength(1)
    expect(invites[0]?.kind).toBe('recipient_invite')
    expect(invites[0]?.textBody).toContain(`/recipient/${recipient.token}`)

    const before = await usdcOf(recipient.address)
    const ipn = receiverUrl()
    const payout = await call('POST', '/v1/payouts', {
      key: m.liveKey,
      body: { amount: '5', currency: 'USDC', recipient_id: recipient.id, reference: 'June', notification_url: ipn.url },
    })
    expect(payout.status).toBe(201)
    expect(payout.json.data).toMatchObject({
      status: 'new',
      amount: '5',
      currency: 'USDC',
      amount_base_units: '5000000',
      to_address: recipient.address,
    })

    const done = await tickUntil(m.liveKey, payout.json.data.id, 'complete')
    expect(done.status).toBe('complete')
    expect(done.transactions).toHaveLength(1)
    expect(done.transactions[0].txid).toMatch(/^0x[0-9a-f]{64}$/)
    expect(done.transactions[0].confirmations).toBeGreaterThanOrEqual(6)
    expect((await usdcOf(recipient.address)) - before).toBe(5_000_000n)
    const receipt = await e2eChain().publicClient.getTransactionReceipt({ hash: done.transactions[0].txid })
    expect(receipt.status).toBe('success')

    const entries = await ledgerOf(payout.json.data.id)
    expect(entries.map((e) => [e.code, e.amount, e.currency])).toEqual([[1034, '-5000000000000000000', 'USDC']])

    // The payout's notificationURL got BitPay's IPNs for the live, on-chain run: funded, processing, completed.
    await waitForRequests(ipn.name, 3)
    const ipns = (await received(ipn.name)).map((r) => JSON.parse(r.body))
    expect(ipns.map((b) => b.event.code)).toEqual([5001, 5002, 5003])
    expect(ipns[2].data).toMatchObject({ id: payout.json.data.id, status: 'complete', ledgerCurrency: 'USDC' })
    expect(ipns[2].data.transactions[0].txid).toBe(done.transactions[0].txid)
  })

  it('fails a payout larger than the wallet balance, with the ledger unchanged, and never broadcasts a cancelled one', async () => {
    const m = await createMerchant()
    await call('POST', '/v1/payout-wallets', { key: m.liveKey, body: { chain_id: 31337, private_key: WALLET_KEY } })
    const recipient = await activeRecipient(m, m.liveKey)
    const balance = await usdcOf(WALLET_ADDRESS)
    const tooMuch = (balance / 1_000_000n + 1n).toString()
    // More than the default daily limit too: the operator raises it so the wallet balance is what refuses it.
    const raised = await call('PATCH', `/v1/merchants/${m.id}`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      body: { payout_daily_limits: { USDC: '1000000000' } },
    })
    expect(raised.status).toBe(200)
    const big = await call('POST', '/v1/payouts', {
      key: m.liveKey,
      body: {
        amount: tooMuch,
        recipient_email: (await call('GET', `/v1/recipients/${recipient.id}`, { key: m.liveKey })).json.data.email,
      },
    })
    expect(big.status).toBe(201)
    const failed = await tickUntil(m.liveKey, big.json.data.id, 'failed')
    expect(failed.status).toBe('failed')
    expect(failed.message).toMatch(/insufficient/i)
    expect(failed.transactions).toEqual([])
    const sum = (await ledgerOf(big.json.data.id)).reduce((s, e) => s + BigInt(e.amount), 0n)
    expect(sum).toBe(0n)

    const { publicClient } = e2eChain()
    const nonceBefore = await publicClient.getTransactionCount({ address: WALLET_ADDRESS, blockTag: 'pending' })
    const later = await call('POST', '/v1/payouts', {
      key: m.liveKey,
      body: { amount: '1', recipient_id: recipient.id, effective_date: new Date(Date.now() + 3600_000).toISOString() },
    })
    const cancelled = await call('POST', `/v1/payouts/${later.json.data.id}/cancel`, { key: m.liveKey })
    expect(cancelled.json.data.status).toBe('cancelled')
    await processDuePayouts(env, new Date(Date.now() + 7200_000))
    const after = (await call('GET', `/v1/payouts/${later.json.data.id}`, { key: m.liveKey })).json.data
    expect(after).toMatchObject({ status: 'cancelled', transactions: [] })
    expect(await ledgerOf(later.json.data.id)).toEqual([])
    expect(await publicClient.getTransactionCount({ address: WALLET_ADDRESS, blockTag: 'pending' })).toBe(nonceBefore)
    expect((await call('POST', `/v1/payouts/${later.json.data.id}/cancel`, { key: m.liveKey })).status).toBe(409)
  })
})

describe('payouts in test mode and between merchants', () => {
  it("simulates sandbox payouts (no broadcast) and hides one merchant's wallets, recipients and payouts from another", async () => {
    const m = await createMerchant()
    const other = await createMerchant()
    const key = generatePrivateKey()
    const wallet = await call('POST', '/v1/payout-wallets', {
      key: m.testKey,
      body: { chain_id: 31337, private_key: key },
    })
    expect(wallet.status).toBe(201)
    expect(wallet.json.data.livemode).toBe(false)
    const invited = await call('POST', '/v1/recipients', {
      key: m.testKey,
      body: { recipients: [{ email: 'sandbox@example.com' }] },
    })
    const rid = invited.json.data[0].id as string
    const recipientAddress = privateKeyToAccount(generatePrivateKey()).address
    expect(
      (
        await call('POST', `/v1/sandbox/recipients/${rid}/activate`, {
          key: m.liveKey,
          body: { address: recipientAddress },
        })
      ).status,
    ).toBe(403)
    const activated = await call('POST', `/v1/sandbox/recipients/${rid}/activate`, {
      key: m.testKey,
      body: { address: recipientAddress },
    })
    expect(activated.json.data.status).toBe('active')
    const payout = await call('POST', '/v1/payouts', { key: m.testKey, body: { amount: '2.5', recipient_id: rid } })
    expect(payout.status).toBe(201)
    const done = await tickUntil(m.testKey, payout.json.data.id, 'complete')
    expect(done.status).toBe('complete')
    expect(await usdcOf(recipientAddress)).toBe(0n)

    expect((await call('GET', `/v1/recipients/${rid}`, { key: other.testKey })).status).toBe(404)
    expect((await call('GET', `/v1/payouts/${payout.json.data.id}`, { key: other.testKey })).status).toBe(404)
    expect((await call('POST', `/v1/payouts/${payout.json.data.id}/cancel`, { key: other.testKey })).status).toBe(404)
    expect((await call('DELETE', `/v1/payout-wallets/${wallet.json.data.id}`, { key: other.testKey })).status).toBe(404)
    expect((await call('GET', '/v1/payout-wallets', { key: other.testKey })).json.data).toEqual([])
    expect(
      (await call('POST', '/v1/payouts', { key: other.testKey, body: { amount: '1', recipient_id: rid } })).status,
    ).toBe(404)

    // Label and notification URL change; email cannot.
    expect(
      (await call('PATCH', `/v1/recipients/${rid}`, { key: m.testKey, body: { label: 'New' } })).json.data.label,
    ).toBe('New')
    expect(
      (await call('PATCH', `/v1/recipients/${rid}`, { key: m.testKey, body: { email: 'x@example.com' } })).status,
    ).toBe(400)
    expect((await call('DELETE', `/v1/payout-wallets/${wallet.json.data.id}`, { key: m.testKey })).status).toBe(200)
    expect((await call('GET', '/v1/payout-wallets', { key: m.testKey })).json.data).toEqual([])
  })

  it('refuses payout wallets without PAYOUT_KEY_SECRET, and bad keys, without echoing the key', async () => {
    const m = await createMerchant()
    const key = generatePrivateKey()
    const refused = await call('POST', '/v1/payout-wallets', {
      key: m.testKey,
      body: { chain_id: 31337, private_key: key },
      env: { PAYOUT_KEY_SECRET: '' },
    })
    expect(refused.status).toBe(403)
    expect(refused.json.error.message).toMatch(/PAYOUT_KEY_SECRET/)
    expect(refused.text).not.toContain(key.slice(2))
    const bad = `0x${'zz'.repeat(32)}`
    const invalid = await call('POST', '/v1/payout-wallets', {
      key: m.testKey,
      body: { chain_id: 31337, private_key: bad },
    })
    expect(invalid.status).toBe(400)
    expect(invalid.text).not.toContain('zzzz')
  })
})
