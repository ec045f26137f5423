import { Hono, type Context } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import type { JSX } from 'hono/jsx/jsx-runtime'
import { randomHex } from '../auth/crypto'
import type { AppEnv } from '../context'
import { getDb } from '../db/client'
import { webPageHref } from '../domain/url-policy'
import type { ApiError } from '../errors'
import { loadCheckout, paymentByReference, selectOption, statusDocument } from '../services/checkout'
import { findPublicLink, visitLink } from '../services/links'
import { paymentObject } from '../services/payments'
import { CheckoutPage, ErrorPage, NotFoundPage, UnavailablePage } from './checkout'

/** Paths served by the hosted pages; app.onError renders their errors as HTML. */
export const PAGE_PREFIXES = ['/pay/', '/link/', '/payment_link'] as const

/** How often the page polls its status (ms). */
const POLL_MS = 2000

const REFERENCE = /^[A-Za-z0-9-]{1,64}$/

/** A page response with a strict CSP: only this response's nonce runs, forms post to us (and the way back). */
function page(c: Context<AppEnv>, nonce: string, element: JSX.Element, status: 200 | 404 | 410 | 500 = 200, formTargets: (string | null)[] = []) {
  const origins = formTargets.flatMap((u) => {
    const href = webPageHref(u)
    return href ? [new URL(href).origin] : []
  })
  c.header(
    'Content-Security-Policy',
    `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; img-src 'self' data:; connect-src 'self'; form-action 'self' ${origins.join(' ')}; base-uri 'none'; frame-ancestors 'none'`,
  )
  c.header('Referrer-Policy', 'no-referrer')
  c.header('X-Content-Type-Options', 'nosniff')
  c.header('Cache-Control', 'no-store')
  // Every page component is synchronous, so the element renders to a string right away.
  return c.html(String(element), status)
}

const nonce = () => randomHex(16)

/** Same-origin check for the page's forms (a cross-site form must not cancel someone's payment). */
function sameOrigin(c: Context<AppEnv>): boolean {
  const origin = c.req.header('origin')
  return origin === undefined || origin === 'null' ? c.req.header('sec-fetch-site') !== 'cross-site' : origin === new URL(c.req.url).origin
}

const linkCookie = (linkId: string) => `bxp_link_${linkId.replaceAll('-', '')}`

export const pagesRouter = new Hono<AppEnv>()
  .get('/pay/:reference', async (c) => {
    const reference = c.req.param('reference')
    const n = nonce()
    const ck = REFERENCE.test(reference) ? await loadCheckout(c.env, reference) : undefined
    if (!ck) {
      // A link's reference under /pay/ works too.
      const link = REFERENCE.test(reference) ? await findPublicLink(getDb(c.env.DB), reference) : undefined
      if (link) return c.redirect(`/link/${link.link.reference}`, 302)
      return page(c, n, <NotFoundPage nonce={n} what="Payment" />, 404)
    }
    const error = c.req.query('error') === 'select' ? 'That way to pay is not available any more. Please choose another.' : undefined
    const showPicker = ck.payment.payAmount === null || c.req.query('change') !== undefined
    return page(
      c,
      n,
      <CheckoutPage ck={ck} nonce={n} showPicker={showPicker} error={error} now={new Date().toISOString()} pollMs={POLL_MS} />,
      200,
      [ck.payment.cancelUrl],
    )
  })
  .get('/pay/:reference/status', async (c) => {
    c.header('Cache-Control', 'no-store')
    const payment = await paymentByReference(c.env, c.req.param('reference'))
    if (!payment) return c.json({ error: 'not_found', message: 'Payment not found' }, 404)
    return c.json(statusDocument(payment), 200)
  })
  .post('/pay/:reference/select', async (c) => {
    const reference = c.req.param('reference')
    const payment = await paymentByReference(c.env, reference)
    if (!payment || !sameOrigin(c)) return c.redirect(`/pay/${encodeURIComponent(reference)}`, 303)
    const form = await c.req.parseBody()
    const [chainId, token] = String(form.option ?? '').split(':')
    const result = chainId && token && /^\d+$/.test(chainId) ? await selectOption(c.env, payment, Number(chainId), token) : { ok: false }
    return c.redirect(result.ok ? `/pay/${reference}` : `/pay/${reference}?change=1&error=select`, 303)
  })
  .post('/pay/:reference/cancel', async (c) => {
    const reference = c.req.param('reference')
    const payment = await paymentByReference(c.env, reference)
    if (!payment || !sameOrigin(c)) return c.redirect(`/pay/${encodeURIComponent(reference)}`, 303)
    const result = await paymentObject(c.env, payment.id).cancel()
    // Cancelled (or already ended): back to the merchant. Funds arrived meanwhile: stay and watch them.
    const back = webPageHref(payment.cancelUrl)
    return c.redirect(result.ok && back ? back : `/pay/${reference}`, 303)
  })
  .get('/link/:reference', async (c) => {
    const reference = c.req.param('reference')
    const n = nonce()
    const outcome = REFERENCE.test(reference) ? await visitLink(c.env, reference, (linkId) => getCookie(c, linkCookie(linkId))) : undefined
    if (!outcome) return page(c, n, <NotFoundPage nonce={n} what="Payment link" />, 404)
    if (outcome.kind === 'unavailable') {
      const { link, merchantName } = outcome.record
      return page(c, n, <UnavailablePage nonce={n} reason={outcome.reason} merchantName={merchantName} name={link.name} cancelUrl={link.cancelUrl} />, 410)
    }
    setCookie(c, linkCookie(outcome.linkId), outcome.payment.id, {
      path: '/link',
      httpOnly: true,
      sameSite: 'Lax',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: 7 * 24 * 3600,
    })
    return c.redirect(`/pay/${outcome.payment.reference}`, 302)
  })
  .get('/payment_link', (c) => {
    const id = c.req.query('payment_id') ?? ''
    if (!REFERENCE.test(id)) {
      const n = nonce()
      return page(c, n, <NotFoundPage nonce={n} what="Payment link" />, 404)
    }
    return c.redirect(`/link/${id}`, 302)
  })

/** Errors on the hosted pages: an HTML page (JSON for the status endpoint). */
export function renderPageError(c: Context<AppEnv>, err: ApiError): Response {
  if (c.req.path.endsWith('/status')) return c.json({ error: err.code.toLowerCase(), message: err.message }, err.status)
  const n = nonce()
  const status = err.status === 404 ? 404 : 500
  return page(c, n, <ErrorPage nonce={n} status={err.status} message={err.status >= 500 ? 'The payment page could not be loaded.' : err.message} />, status)
}
