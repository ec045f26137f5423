import { env } from 'cloudflare:workers'
import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../../src/db/client'
import { payments } from '../../src/db/schema'
import { call, merchantWithWallets } from '../helpers/api'
import { LINKS, newLink, visit } from '../helpers/links'

const paymentsOf = async (linkId: string) =>
  (
    await env.DB.prepare('select id, status, exception from payments where link_id = ? order by created_at')
      .bind(linkId)
      .all<{ id: string; status: string; exception: string | null }>()
  ).results

const firstVisits = (url: string, n: number) =>
  Promise.all(Array.from({ length: n }, () => visit(new URL(url).pathname)))

describe('GET /link/:reference under concurrent first visits', () => {
  it('opens exactly one payment for a single-use link, and sends every visitor to it', async () => {
    const m = await merchantWithWallets()
    const link = await newLink(m, { order_amount: 12.5 }, m.liveKey)
    const visits = await firstVisits(link.hosted_url, 20)
    expect(visits.map((v) => v.status)).toEqual(Array(20).fill(302))
    expect(new Set(visits.map((v) => v.headers.get('location'))).size).toBe(1)
    expect(await paymentsOf(link.id)).toHaveLength(1)
  })

  it('opens at most max_uses payments, and refuses the visitors beyond as busy (409)', async () => {
    const m = await merchantWithWallets()
    const link = await newLink(m, { order_amount: 12.5, max_uses: 3 }, m.liveKey)
    const visits = await firstVisits(link.hosted_url, 20)
    const opened = visits.filter((v) => v.status === 302)
    expect(opened).toHaveLength(3)
    expect(new Set(opened.map((v) => v.headers.get('location'))).size).toBe(3)
    expect(await paymentsOf(link.id)).toHaveLength(3)
    const refused = visits.filter((v) => v.status !== 302)
    expect(refused.map((v) => v.status)).toEqual(Array(17).fill(409))
    expect(refused[0]?.text).toContain('data-reason="busy"')
    const api = await call('GET', `${LINKS}/${link.id}`, { key: m.liveKey })
    expect(api.json).toMatchObject({ is_available: false, current_uses: 0, max_uses: 3 })
  })

  it('frees a held use when its payment is cancelled', async () => {
    const m = await merchantWithWallets()
    const link = await newLink(m, { order_amount: 12.5, max_uses: 2 }, m.liveKey)
    await firstVisits(link.hosted_url, 2)
    expect((await visit(new URL(link.hosted_url).pathname)).status).toBe(409)
    const [first] = await paymentsOf(link.id)
    const cancelled = await call('POST', `/v1/payments/${first!.id}/cancel`, { key: m.liveKey })
    expect(cancelled.status, cancelled.text).toBe(200)
    expect((await visit(new URL(link.hosted_url).pathname)).status).toBe(302)
    expect(await paymentsOf(link.id)).toHaveLength(3)
  })

  it('withdraws every unpaid payment when the link is cancelled while buyers are opening it', async () => {
    const m = await merchantWithWallets()
    const link = await newLink(m, { order_amount: 12.5, max_uses: 10 }, m.liveKey)
    const [visits, patched] = await Promise.all([
      firstVisits(link.hosted_url, 10),
      call('PATCH', `${LINKS}/${link.id}`, { key: m.liveKey, body: { status: 'cancelled' } }),
    ])
    expect(patched.status, patched.text).toBe(200)
    expect(visits.every((v) => v.status === 302 || v.status === 410)).toBe(true)
    expect((await paymentsOf(link.id)).filter((p) => p.status !== 'cancelled')).toEqual([])
  })

  it('refuses a visit once every use is paid, with the used page (410)', async () => {
    const m = await merchantWithWallets()
    const link = await newLink(m, { order_amount: 12.5 })
    const [payment] = await paymentsOf(link.id)
    const paid = await call('POST', `/v1/sandbox/payments/${payment!.id}/simulate`, {
      key: m.testKey,
      body: { chain_id: 31337, token: 'ETH' },
    })
    expect(paid.json.data.status).toBe('completed')
    const again = await visit(new URL(link.hosted_url).pathname)
    expect(again.status).toBe(410)
    expect(again.text).toContain('data-reason="used"')
    expect(await paymentsOf(link.id)).toHaveLength(1)
  })
})

describe('completing a payment of a link', () => {
  /** A second open payment of the link made behind the LinkObject's back, as the oversold data of old. */
  async function oversold(linkId: string) {
    const db = getDb(env.DB)
    const [original] = await db.select().from(payments).where(eq(payments.linkId, linkId))
    const row = { ...original!, id: crypto.randomUUID(), reference: `OVER-${Date.now() % 100000000}-PMT` }
    const created = await env.PAYMENT_OBJECT.get(env.PAYMENT_OBJECT.idFromName(row.id)).create(row, null)
    expect(created.ok).toBe(true)
    return [original!.id, row.id] as const
  }

  it('completes no more than max_uses payments: the one beyond is kept as expired / paid_late', async () => {
    const m = await merchantWithWallets()
    const link = await newLink(m, { order_amount: 12.5 })
    const [a, b] = await oversold(link.id)
    const pay = (id: string) =>
      call('POST', `/v1/sandbox/payments/${id}/simulate`, { key: m.testKey, body: { chain_id: 31337, token: 'ETH' } })
    const results = await Promise.all([pay(a), pay(b)])
    expect(results.map((r) => r.status)).toEqual([200, 200])
    expect(results.map((r) => `${r.json.data.status}/${r.json.data.exception}`).sort()).toEqual([
      'completed/null',
      'expired/paid_late',
    ])
    const statuses = (await paymentsOf(link.id)).map((p) => p.status).sort()
    expect(statuses).toEqual(['completed', 'expired'])
    const api = await call('GET', `${LINKS}/${link.id}`, { key: m.testKey })
    expect(api.json).toMatchObject({ current_uses: 1, max_uses: 1 })
  })
})

describe('link previews never open a payment', () => {
  const agents = [
    'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
    'Twitterbot/1.0',
    'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    'WhatsApp/2.23.20.0',
    'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
    'TelegramBot (like TwitterBot)',
    'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  ]

  it('shows unfurlers, HEAD and prefetches the link without a payment; a browser then opens one', async () => {
    const m = await merchantWithWallets()
    const link = await newLink(m, { order_amount: 12.5, payment_name: 'Premium Subscription' }, m.liveKey)
    const path = new URL(link.hosted_url).pathname
    for (const ua of agents) {
      const res = await visit(path, { headers: { 'user-agent': ua } })
      expect(res.status, ua).toBe(200)
      expect(res.text).toContain('Premium Subscription')
      expect(res.text).toContain('12.50 USD')
      expect(res.headers.get('set-cookie')).toBeNull()
    }
    const head = await visit(path, { method: 'HEAD' })
    expect(head.status).toBe(200)
    const prefetch = await visit(path, {
      headers: { 'sec-purpose': 'prefetch', 'user-agent': 'Mozilla/5.0 Chrome/130.0' },
    })
    expect(prefetch.status).toBe(200)
    expect(await paymentsOf(link.id)).toHaveLength(0)

    const buyer = await visit(path, {
      headers: {
        'user-agent':
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
      },
    })
    expect(buyer.status).toBe(302)
    expect(await paymentsOf(link.id)).toHaveLength(1)
  })

  it('shows a preview of a paid link as unavailable, still without a payment', async () => {
    const m = await merchantWithWallets()
    const link = await newLink(m, { order_amount: 12.5 }, m.liveKey)
    await call('PATCH', `${LINKS}/${link.id}`, { key: m.liveKey, body: { status: 'cancelled' } })
    const res = await visit(new URL(link.hosted_url).pathname, { headers: { 'user-agent': 'Twitterbot/1.0' } })
    expect(res.status).toBe(410)
    expect(res.text).toContain('data-reason="cancelled"')
    expect(await paymentsOf(link.id)).toHaveLength(0)
  })
})
