import { Hono, type Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { getCookie, setCookie } from 'hono/cookie'
import type { JSX } from 'hono/jsx/jsx-runtime'
import { randomHex } from '../auth/crypto'
import type { AppEnv } from '../context'
import { getDb } from '../db/client'
import { webPageHref } from '../domain/url-policy'
import { ApiError } from '../errors'
import { SIMULATED_SHARES, type SimulatedShare } from '../domain/sandbox'
import { loadCheckout, paymentByReference, selectOption, simulateFromPage } from '../services/payments/checkout'
import { isLinkPreview } from '../domain/links'
import { findPublicLink, previewLink, visitLink } from '../services/links/links'
import { paymentObject } from '../services/payments/payments'
import { CheckoutPage, ErrorPage, NotFoundPage, UnavailablePage } from './checkout'
import { BillNotFoundPage, BillPage } from './bill'
import { paymentForBill, publicBill } from '../services/bills/bills'
import { MessagePage } from './layout'
import { RecipientPage } from './recipient'
import { recipientForPage } from '../services/payouts/recipients'

/** What a link preview shows: who asks for how much, and that opening the link starts the payment. */
function LinkPreviewPage(props: { nonce: string; merchantName: string; name: string; amount: string }) {
  return (
    <MessagePage
      nonce={props.nonce}
      title={`${props.name} · ${props.merchantName}`}
      heading={props.name}
      merchantName={props.merchantName}
    >
      <p class="amount" data-testid="amount">
        {props.amount}
      </p>
      <p class="note" data-testid="preview">
        Open this link in your browser to pay.
      </p>
    </MessagePage>
  )
}

/** Paths served by the hosted pages; app.onError renders their errors as HTML. */
export const PAGE_PREFIXES = ['/pay/', '/link/', '/payment_link', '/bill/', '/recipient/'] as const

/** How often the page polls its status (ms). */
const POLL_MS = 1000

const REFERENCE = /^[A-Za-z0-9-]{1,64}$/

/** A page response with a strict CSP: only this response's nonce runs, forms post to us (and the way back). */
function page(
  c: Context<AppEnv>,
  nonce: string,
  element: JSX.Element,
  status: ContentfulStatusCode = 200,
  formTargets: (string | null)[] = [],
) {
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
export function sameOrigin(c: Context<AppEnv>): boolean {
  const origin = c.req.header('origin')
  return origin === undefined || origin === 'null'
    ? c.req.header('sec-fetch-site') !== 'cross-site'
    : origin === new URL(c.req.url).origin
}

/** The page's form fields; a body that cannot be read as a form (a broken multipart body) is a 400. */
async function formFields(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  try {
    return await c.req.parseBody()
  } catch {
    throw new ApiError('VALIDATION_ERROR', 'The form could not be read. Please go back and try again.', 'body')
  }
}

const PAGE_ERRORS: Record<string, string | undefined> = {
  select: 'That way to pay is not available any more. Please choose another.',
  simulate: 'The simulated payment could not be applied to this payment in its current state.',
}

const linkCookie = (linkId: string) => `bxp_link_${linkId.replaceAll('-', '')}`

export const pagesRouter = new Hono<AppEnv>()
  // Recipient invites: the page (its challenge and verify endpoints are in json-routes.ts).
  .get('/recipient/:token', async (c) => {
    const { recipient, merchantName } = await recipientForPage(c.env, c.req.param('token'))
    const n = nonce()
    return page(
      c,
      n,
      <RecipientPage
        nonce={n}
        token={c.req.param('token')}
        merchantName={merchantName}
        status={recipient.status}
        address={recipient.address}
      />,
    )
  })
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
    const error = PAGE_ERRORS[c.req.query('error') ?? '']
    const showPicker = ck.payment.payAmount === null || c.req.query('change') !== undefined
    return page(
      c,
      n,
      <CheckoutPage
        ck={ck}
        nonce={n}
        showPicker={showPicker}
        error={error}
        now={new Date().toISOString()}
        pollMs={POLL_MS}
      />,
      200,
      [ck.payment.cancelUrl],
    )
  })
  .post('/pay/:reference/select', async (c) => {
    const reference = c.req.param('reference')
    const payment = await paymentByReference(c.env, reference)
    if (!payment || !sameOrigin(c)) return c.redirect(`/pay/${encodeURIComponent(reference)}`, 303)
    const form = await formFields(c)
    const [chainId, token] = String(form.option ?? '').split(':')
    const result =
      chainId && token && /^\d+$/.test(chainId)
        ? await selectOption(c.env, payment, Number(chainId), token)
        : { ok: false }
    return c.redirect(result.ok ? `/pay/${reference}` : `/pay/${reference}?change=1&error=select`, 303)
  })
  .post('/pay/:reference/simulate', async (c) => {
    // Test payments only: the page's test buttons, through the same service as the sandbox API.
    const reference = c.req.param('reference')
    const payment = await paymentByReference(c.env, reference)
    if (!payment || payment.livemode) {
      const n = nonce()
      return page(c, n, <NotFoundPage nonce={n} what="Payment" />, 404)
    }
    if (!sameOrigin(c)) return c.redirect(`/pay/${encodeURIComponent(reference)}`, 303)
    const share = String((await formFields(c)).share ?? '')
    if (!(SIMULATED_SHARES as readonly string[]).includes(share))
      return c.redirect(`/pay/${reference}?error=simulate`, 303)
    try {
      await simulateFromPage(c.env, payment, share as SimulatedShare)
    } catch (err) {
      if (!(err instanceof ApiError)) throw err
      return c.redirect(`/pay/${reference}?error=simulate`, 303)
    }
    return c.redirect(`/pay/${reference}`, 303)
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
    if (!REFERENCE.test(reference)) return page(c, n, <NotFoundPage nonce={n} what="Payment link" />, 404)
    // Unfurlers, crawlers, HEAD and prefetches read the link; only a buyer's visit opens a payment.
    if (
      isLinkPreview({
        method: c.req.method,
        userAgent: c.req.header('user-agent'),
        purpose: c.req.header('sec-purpose') ?? c.req.header('purpose'),
      })
    ) {
      const preview = await previewLink(c.env, reference)
      if (!preview) return page(c, n, <NotFoundPage nonce={n} what="Payment link" />, 404)
      const { link, merchantName } = preview.record
      if (preview.reason)
        return page(
          c,
          n,
          <UnavailablePage
            nonce={n}
            reason={preview.reason}
            merchantName={merchantName}
            name={link.name}
            cancelUrl={link.cancelUrl}
          />,
          410,
        )
      return page(
        c,
        n,
        <LinkPreviewPage
          nonce={n}
          merchantName={merchantName}
          name={link.name}
          amount={`${link.orderAmount} ${link.orderCurrency}`}
        />,
      )
    }
    const outcome = await visitLink(c.env, reference, (linkId) => getCookie(c, linkCookie(linkId)))
    if (!outcome) return page(c, n, <NotFoundPage nonce={n} what="Payment link" />, 404)
    if (outcome.kind === 'unavailable') {
      const { link, merchantName } = outcome.record
      // Busy frees up when a buyer's payment lapses; the other reasons are final.
      const status = outcome.reason === 'busy' ? 409 : 410
      return page(
        c,
        n,
        <UnavailablePage
          nonce={n}
          reason={outcome.reason}
          merchantName={merchantName}
          name={link.name}
          cancelUrl={link.cancelUrl}
        />,
        status,
      )
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
  .get('/bill/:id', async (c) => {
    const n = nonce()
    const found = REFERENCE.test(c.req.param('id')) ? await publicBill(c.env, c.req.param('id')) : undefined
    if (!found) return page(c, n, <BillNotFoundPage nonce={n} />, 404)
    return page(
      c,
      n,
      <BillPage
        nonce={n}
        bill={found.bill}
        items={found.items}
        merchantName={found.merchantName}
        payment={found.payment}
      />,
    )
  })
  .post('/bill/:id/pay', async (c) => {
    const id = c.req.param('id')
    if (!REFERENCE.test(id) || !sameOrigin(c)) return c.redirect(`/bill/${encodeURIComponent(id)}`, 303)
    const payment = await paymentForBill(c.env, id, c.req.url)
    return c.redirect(`/pay/${payment.reference}`, 303)
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
  if (
    c.req.path.endsWith('/status') ||
    (c.req.path.startsWith('/recipient/') && /\/(challenge|verify)$/.test(c.req.path))
  )
    return c.json({ error: err.code.toLowerCase(), message: err.message }, err.status)
  const n = nonce()
  // biome-ignore lint/complexity/useMathMinMax: keeps the status's literal type (Math.min returns number)
  const status = err.status >= 500 ? 500 : err.status
  return page(
    c,
    n,
    <ErrorPage
      nonce={n}
      status={err.status}
      message={err.status >= 500 ? 'The payment page could not be loaded.' : err.message}
    />,
    status,
  )
}
