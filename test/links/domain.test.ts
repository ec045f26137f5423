import { describe, expect, it } from 'vitest'
import { stringifyWithDecimals, JsonDecimal } from '../../src/api/links/json'
import { checkoutStage, eip681Uri, formatCountdown, walletTransaction } from '../../src/domain/checkout'
import { mulDecimal, trimDecimal } from '../../src/domain/decimal'
import {
  applyStatusUpdate,
  decideVisit,
  isLinkPreview,
  linkAvailability,
  linkPaymentStatus,
  paymentLockSeconds,
  type LinkFacts,
  type VisitPayment,
} from '../../src/domain/links'
import { countryOfPhone } from '../../src/domain/phone-country'

const NOW = '2026-01-01T00:00:00.000Z'
const LATER = '2026-01-01T01:00:00.000Z'
const EARLIER = '2025-12-31T23:00:00.000Z'
const facts = (over: Partial<LinkFacts> = {}): LinkFacts => ({
  state: 'active',
  storedActive: true,
  expiryDate: LATER,
  maxUses: 1,
  currentUses: 0,
  latestPaymentStatus: null,
  ...over,
})

describe('linkPaymentStatus', () => {
  it.each<[string, Partial<LinkFacts>, string]>([
    ['a new link', {}, 'pending'],
    ['an open attempt', { latestPaymentStatus: 'pending' }, 'pending'],
    ['an attempt whose price lock ran out, link still open', { latestPaymentStatus: 'expired' }, 'pending'],
    ['money seen', { latestPaymentStatus: 'processing' }, 'processing'],
    ['paid', { latestPaymentStatus: 'completed', currentUses: 1 }, 'completed'],
    ['paid, even on a cancelled link', { state: 'cancelled', latestPaymentStatus: 'completed' }, 'completed'],
    ['refunded', { latestPaymentStatus: 'refunded' }, 'refunded'],
    ['failed attempt (sandbox 20)', { latestPaymentStatus: 'failed' }, 'failed'],
    ['buyer cancelled', { latestPaymentStatus: 'cancelled' }, 'cancelled'],
    ['merchant cancelled', { state: 'cancelled', latestPaymentStatus: 'cancelled' }, 'cancelled'],
    ['expiry passed', { expiryDate: EARLIER }, 'expired'],
    ['expiry passed after a failed attempt', { expiryDate: EARLIER, latestPaymentStatus: 'failed' }, 'expired'],
    ['marked expired', { state: 'expired' }, 'expired'],
  ])('%s → %s', (_name, over, status) => {
    expect(linkPaymentStatus(facts(over), NOW)).toBe(status)
  })
})

describe('linkAvailability', () => {
  it.each<[string, Partial<LinkFacts>, boolean, boolean, boolean]>([
    // name, facts, isActive, isAvailable, isExpired
    ['open', {}, true, true, false],
    ['open but its one use is being paid', { openPayments: 1 }, true, false, false],
    ['multi-use with a use in flight', { maxUses: 3, openPayments: 1, currentUses: 1 }, true, true, false],
    ['used up', { currentUses: 1 }, false, false, false],
    ['switched off', { storedActive: false, state: 'inactive' }, false, false, false],
    ['expired by time', { expiryDate: EARLIER }, false, false, true],
    ['cancelled', { state: 'cancelled', storedActive: false }, false, false, false],
  ])('%s', (_name, over, isActive, isAvailable, isExpired) => {
    expect(linkAvailability(facts(over), NOW)).toEqual({ isActive, isAvailable, isExpired })
  })
})

describe('applyStatusUpdate', () => {
  it('switches the link off and moves a future expiry to now for expired', () => {
    expect(applyStatusUpdate(facts(), 'expired', NOW)).toEqual({
      ok: true,
      state: 'expired',
      storedActive: false,
      expiryDate: NOW,
    })
    expect(applyStatusUpdate(facts({ expiryDate: EARLIER }), 'expired', NOW)).toMatchObject({ expiryDate: EARLIER })
    expect(applyStatusUpdate(facts(), 'inactive', NOW)).toMatchObject({
      ok: true,
      state: 'inactive',
      expiryDate: LATER,
    })
  })
  it('refuses a link whose uses are all paid, and un-cancelling', () => {
    expect(applyStatusUpdate(facts({ latestPaymentStatus: 'completed', currentUses: 1 }), 'cancelled', NOW)).toEqual({
      ok: false,
      reason: 'Cannot update status of completed payment',
    })
    expect(
      applyStatusUpdate(facts({ maxUses: 2, latestPaymentStatus: 'completed', currentUses: 1 }), 'inactive', NOW),
    ).toMatchObject({ ok: true })
    expect(applyStatusUpdate(facts({ state: 'cancelled' }), 'inactive', NOW)).toMatchObject({ ok: false })
    expect(applyStatusUpdate(facts({ state: 'cancelled' }), 'cancelled', NOW)).toMatchObject({ ok: true })
  })
})

describe('decideVisit', () => {
  const pay = (over: Partial<VisitPayment> = {}): VisitPayment => ({
    id: 'p1',
    reference: 'R1',
    status: 'pending',
    expiresAt: LATER,
    ...over,
  })
  it('creates the first payment', () => expect(decideVisit(facts(), [], null, NOW)).toEqual({ kind: 'create' }))
  it('shows the open payment holding a single-use link', () =>
    expect(decideVisit(facts(), [pay()], null, NOW)).toEqual({ kind: 'show', payment: pay() }))
  it('starts another payment on a multi-use link', () =>
    expect(decideVisit(facts({ maxUses: 2 }), [pay()], null, NOW)).toEqual({ kind: 'create' }))
  it('brings the buyer back to their own payment', () =>
    expect(decideVisit(facts({ maxUses: 5 }), [], pay({ id: 'mine' }), NOW)).toMatchObject({
      kind: 'show',
      payment: { id: 'mine' },
    }))
  it('shows the buyer their completed payment even when the link is used up', () =>
    expect(
      decideVisit(facts({ currentUses: 1, latestPaymentStatus: 'completed' }), [], pay({ status: 'completed' }), NOW),
    ).toMatchObject({ kind: 'show' }))
  it('refuses a new buyer as busy while every remaining use of a multi-use link is held by an open payment', () => {
    expect(decideVisit(facts({ maxUses: 2 }), [pay(), pay({ id: 'p2', status: 'processing' })], null, NOW)).toEqual({
      kind: 'unavailable',
      reason: 'busy',
    })
    expect(decideVisit(facts({ maxUses: 3, currentUses: 2 }), [pay()], null, NOW)).toEqual({
      kind: 'unavailable',
      reason: 'busy',
    })
  })
  it('lets a payment whose price lock ran out free its use', () =>
    expect(decideVisit(facts({ maxUses: 2 }), [pay(), pay({ id: 'p2', expiresAt: EARLIER })], null, NOW)).toEqual({
      kind: 'create',
    }))
  it("starts again after the buyer's attempt expired", () =>
    expect(decideVisit(facts(), [], pay({ expiresAt: EARLIER }), NOW)).toEqual({ kind: 'create' }))
  it.each<[Partial<LinkFacts>, string]>([
    [{ expiryDate: EARLIER }, 'expired'],
    [{ state: 'inactive', storedActive: false }, 'inactive'],
    [{ state: 'cancelled' }, 'cancelled'],
    [{ currentUses: 1 }, 'used'],
  ])('explains why a link cannot be paid (%o → %s)', (over, reason) => {
    expect(decideVisit(facts(over), [], null, NOW)).toEqual({ kind: 'unavailable', reason })
  })
  it("locks a payment's price for 15 minutes, or until the link closes", () => {
    expect(paymentLockSeconds(facts(), 900, NOW)).toBe(900)
    expect(paymentLockSeconds(facts({ expiryDate: '2026-01-01T00:05:00.000Z' }), 900, NOW)).toBe(300)
  })
})

describe('EIP-681 and EIP-1193 payment requests', () => {
  const deposit = '0x022b971dFF0C43305e691DEd7a14367AF19D6407'
  it('asks for wei on the native coin', () => {
    const r = { chainId: 31337, depositAddress: deposit, tokenAddress: null, amount: 4166666666666667n }
    expect(eip681Uri(r)).toBe(`ethereum:${deposit}@31337?value=4166666666666667`)
    expect(walletTransaction(r)).toEqual({ to: deposit, value: '0xecd8fae906aab' })
  })
  it('calls transfer on an ERC-20', () => {
    const usdc = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913'
    const r = { chainId: 8453, depositAddress: deposit, tokenAddress: usdc, amount: 10_000_000n }
    expect(eip681Uri(r)).toBe(`ethereum:${usdc}@8453/transfer?address=${deposit}&uint256=10000000`)
    expect(walletTransaction(r)).toEqual({
      to: usdc,
      data: '0xa9059cbb000000000000000000000000022b971dff0c43305e691ded7a14367af19d64070000000000000000000000000000000000000000000000000000000000989680',
    })
  })
  it('maps payment statuses onto what the buyer sees', () => {
    expect(checkoutStage({ status: 'pending', expiresAt: LATER }, NOW)).toBe('awaiting')
    expect(checkoutStage({ status: 'pending', expiresAt: EARLIER }, NOW)).toBe('expired')
    expect(checkoutStage({ status: 'processing', expiresAt: EARLIER }, NOW)).toBe('confirming')
    expect(checkoutStage({ status: 'completed', expiresAt: LATER }, NOW)).toBe('paid')
    expect(formatCountdown('2026-01-01T00:14:59.900Z', NOW)).toBe('14:59')
    expect(formatCountdown('2026-01-01T02:00:05.000Z', NOW)).toBe('2:00:05')
    expect(formatCountdown(EARLIER, NOW)).toBe('0:00')
  })
})

describe('exact money on the links surface', () => {
  it('writes decimals as JSON numbers digit for digit', () => {
    const text = stringifyWithDecimals({
      a: new JsonDecimal('12345678901234.56'),
      b: new JsonDecimal('10.00'),
      c: [new JsonDecimal('0.000000000000000001')],
      d: 'dec:1',
    })
    expect(text).toBe('{"a":12345678901234.56,"b":10,"c":[0.000000000000000001],"d":"dec:1"}')
  })
  it('refuses what is not a decimal', () => expect(() => new JsonDecimal('1e5')).toThrow())
  it('multiplies exactly with the chosen rounding', () => {
    expect(mulDecimal('0.1', '1.27', 4)).toBe('0.1270')
    expect(mulDecimal('0.004166666666666667', '3000', 2, 'down')).toBe('12.50')
    expect(mulDecimal('1.005', '1', 2)).toBe('1.01')
    expect(mulDecimal('1.005', '1', 2, 'down')).toBe('1.00')
    expect(trimDecimal('10.00')).toBe('10')
    expect(trimDecimal('100')).toBe('100')
  })
  it('reads a country from an unambiguous calling code only', () => {
    expect(countryOfPhone('+6591234567')).toBe('SG')
    expect(countryOfPhone('+447911123456')).toBe('GB')
    expect(countryOfPhone('+254712345678')).toBe('KE')
    expect(countryOfPhone('+12125551234')).toBeNull()
    expect(countryOfPhone(null)).toBeNull()
  })
})

describe('isLinkPreview', () => {
  it.each([
    'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
    'Slack-ImgProxy (+https://api.slack.com/robots)',
    'Twitterbot/1.0',
    'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    'WhatsApp/2.23.20.0',
    'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
    'TelegramBot (like TwitterBot)',
    'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0',
    'Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5',
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  ])('treats %s as a preview', (userAgent) => expect(isLinkPreview({ method: 'GET', userAgent })).toBe(true))
  it.each([
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (Linux; Android 9; CUBOT X19) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36',
    'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  ])('treats the browser %s as a buyer', (userAgent) => expect(isLinkPreview({ method: 'GET', userAgent })).toBe(false))
  it('treats HEAD and speculative prefetch or prerender as previews, whatever the agent', () => {
    expect(isLinkPreview({ method: 'HEAD', userAgent: 'Mozilla/5.0 Chrome/130.0' })).toBe(true)
    expect(isLinkPreview({ method: 'GET', userAgent: 'Mozilla/5.0 Chrome/130.0', purpose: 'prefetch;prerender' })).toBe(
      true,
    )
    expect(isLinkPreview({ method: 'GET', userAgent: 'Mozilla/5.0 Chrome/130.0', purpose: 'prefetch' })).toBe(true)
    expect(isLinkPreview({ method: 'GET' })).toBe(false)
  })
})
