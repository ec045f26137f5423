import { raw } from 'hono/html'
import { renderSVG } from 'uqr'
import type { UnavailableReason } from '../domain/links'
import {
  eip681Uri,
  formatCountdown,
  isFinalStage,
  walletTransaction,
  type CheckoutStage,
  type PaymentRequest,
} from '../domain/checkout'
import { formatUnits } from '../domain/money'
import { webPageHref } from '../domain/url-policy'
import type { Checkout } from '../services/payments/checkout'
import { checkoutScript } from './checkout-script'
import { Layout, MessagePage } from './layout'

const STAGE_LABELS: Record<CheckoutStage, string> = {
  awaiting: 'Awaiting payment',
  confirming: 'Confirming',
  paid: 'Paid',
  expired: 'Expired',
  failed: 'Payment failed',
  cancelled: 'Cancelled',
  refunded: 'Refunded',
}

function stageLabel(ck: Checkout): string {
  const p = ck.payment
  if (ck.stage === 'confirming' && p.requiredConfirmations)
    return `Confirming (${Math.min(p.confirmations, p.requiredConfirmations)} of ${p.requiredConfirmations})`
  return STAGE_LABELS[ck.stage]
}

/** The payment request a wallet needs, once a chain and token are chosen. */
export function paymentRequestOf(ck: Checkout): PaymentRequest | undefined {
  const p = ck.payment
  if (p.payAmount === null || p.depositAddress === null || p.chainId === null) return undefined
  return {
    chainId: p.chainId,
    depositAddress: p.depositAddress,
    tokenAddress: p.tokenAddress,
    amount: BigInt(p.payAmount),
  }
}

/** Styles of the test-mode parts only (the page CSP runs only nonce'd styles). */
const testModeCss = `
.test-banner{margin:0 0 1rem;padding:.6rem .75rem;border:2px dashed var(--warn);border-radius:8px;background:#fff6e5;color:#5c3200}
.test-banner strong{display:block;text-transform:uppercase;letter-spacing:.04em}
.simulate{margin-top:1.25rem;padding-top:.75rem;border-top:2px dashed var(--warn)}
.simulate .actions{margin-top:.5rem}
.simulate button{flex:1 1 9rem}
`

/** The QR code as inline SVG (drawn in the worker with uqr). */
function qrSvg(uri: string): string {
  return renderSVG(uri, { border: 2, ecc: 'M' }).replace(
    '<svg ',
    '<svg shape-rendering="crispEdges" aria-hidden="true" focusable="false" ',
  )
}

export interface CheckoutPageProps {
  ck: Checkout
  nonce: string
  showPicker: boolean
  error?: string
  now: string
  pollMs: number
}

/** The hosted checkout: amount, chain/token picker, address + QR, countdown, live status. */
export function CheckoutPage({ ck, nonce, showPicker, error, now, pollMs }: CheckoutPageProps) {
  const p = ck.payment
  const ref = p.reference
  const request = paymentRequestOf(ck)
  const payAmount = request ? formatUnits(request.amount, p.tokenDecimals ?? 0) : null
  const chainName = ck.chain?.name ?? (p.chainId === null ? '' : `chain ${p.chainId}`)
  const uri = request ? eip681Uri(request) : null
  const tx = request ? { chainId: `0x${request.chainId.toString(16)}`, ...walletTransaction(request) } : null
  const final = isFinalStage(ck.stage)
  const canChange = p.status === 'pending' && p.amountReceived === '0' && ck.options.length > 1
  const picker = showPicker && canChange
  const hiddenUnless = (...stages: CheckoutStage[]) => !stages.includes(ck.stage)
  const testMode = !p.livemode
  // Checked at input too; a stored URL of another scheme (javascript:, data:) is never emitted.
  const successUrl = webPageHref(p.successUrl)
  const cancelUrl = webPageHref(p.cancelUrl)
  return (
    <Layout title={`${testMode ? '[Test] ' : ''}Pay ${ck.merchantName}`} nonce={nonce} script={checkoutScript}>
      {testMode && <style nonce={nonce} dangerouslySetInnerHTML={{ __html: testModeCss }} />}
      <main
        id="checkout"
        aria-labelledby="heading"
        data-stage={ck.stage}
        data-expires={p.expiresAt}
        data-status-url={`/pay/${ref}/status`}
        data-poll-ms={String(pollMs)}
        data-tx={tx ? JSON.stringify(tx) : undefined}
      >
        <div class="card">
          {testMode && (
            <p class="test-banner" role="note" data-testid="test-mode-banner">
              <strong>Test mode</strong>
              This is a sandbox payment: no real funds move. Use the test buttons below to simulate the buyer paying.
            </p>
          )}
          <p class="merchant" data-testid="merchant">
            {ck.merchantName}
          </p>
          <h1 id="heading">{ck.title ?? 'Payment'}</h1>
          <p class="amount" data-testid="order-amount">
            {p.amount} {p.currency}
          </p>
          {payAmount && (
            <p class="crypto" data-testid="pay-amount">
              {payAmount} {p.token} on {chainName}
            </p>
          )}
          <div class="status" role="status" aria-live="polite">
            <span class="badge" id="status-text" data-testid="status">
              {stageLabel(ck)}
            </span>
            <span hidden={final}>
              Expires in{' '}
              <time id="countdown" datetime={p.expiresAt}>
                {formatCountdown(p.expiresAt, now)}
              </time>
            </span>
          </div>
          <p id="redirect-note" hidden>
            Payment received. Taking you back to {ck.merchantName}…{' '}
            {successUrl && <a href={successUrl}>Continue now</a>}
          </p>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}

          {picker && (
            <form method="post" action={`/pay/${ref}/select`} data-when="awaiting" hidden={hiddenUnless('awaiting')}>
              <fieldset>
                <legend>Choose how to pay</legend>
                {ck.options.map((o, i) => {
                  const value = `${o.chainId}:${o.token}`
                  const checked = p.chainId === null ? i === 0 : p.chainId === o.chainId && p.token === o.token
                  return (
                    <label class="option">
                      <input type="radio" name="option" value={value} checked={checked} required />
                      <span>
                        {o.token} on {o.chainName}{' '}
                        <span class="note">
                          ≈ {o.amount} {o.token}
                        </span>
                      </span>
                    </label>
                  )
                })}
              </fieldset>
              <button type="submit" class="wide">
                Continue
              </button>
            </form>
          )}

          {!picker && request && uri && (
            <section
              id="pay"
              aria-label="How to pay"
              data-when="awaiting confirming"
              hidden={hiddenUnless('awaiting', 'confirming')}
            >
              <div
                class="qr"
                role="img"
                aria-label={`QR code to pay ${payAmount} ${p.token} on ${chainName}`}
                data-uri={uri}
              >
                {raw(qrSvg(uri))}
              </div>
              <label for="amount-field">Amount ({p.token})</label>
              <div class="row">
                <input type="text" id="amount-field" readonly value={payAmount ?? ''} />
                <button type="button" class="secondary" data-copy="amount-field">
                  Copy amount
                </button>
              </div>
              <label for="address">Send to this {chainName} address</label>
              <div class="row">
                <textarea id="address" readonly rows={2} data-testid="deposit-address" spellcheck={false}>
                  {request.depositAddress}
                </textarea>
                <button type="button" class="secondary" data-copy="address">
                  Copy address
                </button>
              </div>
              <p id="copy-status" class="note" role="status" aria-live="polite"></p>
              <button type="button" id="wallet-button" class="wide" hidden>
                Pay with browser wallet
              </button>
              <p id="wallet-status" class="note" role="status" aria-live="polite"></p>
              <p class="note">
                Send only {p.token} on {chainName}; other tokens or networks cannot be matched to this payment.
              </p>
              {canChange && (
                <p>
                  <a href={`/pay/${ref}?change=1`}>Pay with another currency</a>
                </p>
              )}
            </section>
          )}
          {!picker && !request && !final && (
            <p class="error">This merchant cannot take crypto payments right now. Please contact them.</p>
          )}

          {testMode && (request || ck.options.length > 0) && (
            <form
              method="post"
              action={`/pay/${ref}/simulate`}
              class="simulate"
              data-testid="simulate"
              data-when="awaiting confirming"
              hidden={hiddenUnless('awaiting', 'confirming')}
            >
              <p class="note">
                Test mode: simulate the buyer's payment{payAmount ? ` of ${payAmount} ${p.token}` : ''}. It goes through
                the same checks as a real transfer.
              </p>
              <div class="actions">
                <button type="submit" name="share" value="full">
                  Simulate full payment
                </button>
                <button type="submit" name="share" value="partial" class="secondary">
                  Simulate partial payment
                </button>
                <button type="submit" name="share" value="over" class="secondary">
                  Simulate overpayment
                </button>
              </div>
            </form>
          )}

          <div data-when="paid" hidden={hiddenUnless('paid')}>
            <p>Payment received. Thank you!</p>
            {successUrl && (
              <a class="button" href={successUrl}>
                Continue to {ck.merchantName}
              </a>
            )}
          </div>
          <div
            data-when="expired failed cancelled refunded"
            hidden={hiddenUnless('expired', 'failed', 'cancelled', 'refunded')}
          >
            <p>{endMessage(ck)}</p>
            <div class="actions">
              {ck.linkReference && (
                <a class="button" href={`/link/${ck.linkReference}`}>
                  Start again
                </a>
              )}
              {cancelUrl && (
                <a class="button secondary" href={cancelUrl}>
                  Return to {ck.merchantName}
                </a>
              )}
            </div>
          </div>
        </div>
        {p.status === 'pending' && p.amountReceived === '0' && cancelUrl && (
          <footer data-when="awaiting" hidden={hiddenUnless('awaiting')}>
            <form method="post" action={`/pay/${ref}/cancel`}>
              <button type="submit" class="link-button">
                Cancel and return to {ck.merchantName}
              </button>
            </form>
          </footer>
        )}
      </main>
    </Layout>
  )
}

function endMessage(ck: Checkout): string {
  const p = ck.payment
  if (p.exception === 'paid_late')
    return 'Funds arrived after this payment had ended. They are recorded and the merchant has been told; contact them to settle it.'
  switch (ck.stage) {
    case 'failed':
      return p.exception === 'underpaid'
        ? 'Less than the full amount arrived in time. Contact the merchant about the part you paid.'
        : 'This payment failed.'
    case 'cancelled':
      return 'This payment was cancelled.'
    case 'refunded':
      return 'This payment was refunded.'
    default:
      return 'This payment expired before it was paid. Nothing was taken.'
  }
}

const UNAVAILABLE: Record<UnavailableReason, { heading: string; text: string }> = {
  expired: {
    heading: 'This payment link has expired',
    text: 'It can no longer be paid. Ask the merchant for a new link.',
  },
  inactive: {
    heading: 'This payment link is inactive',
    text: 'The merchant has switched it off. Ask them for a new link.',
  },
  cancelled: { heading: 'This payment link was cancelled', text: 'It can no longer be paid.' },
  used: {
    heading: 'This payment link has already been paid',
    text: 'It cannot be used again. If you expected to pay, ask the merchant for a new link.',
  },
  busy: {
    heading: 'This payment link is in use',
    text: 'Every use of it is being paid right now. If one of those payments is not finished, it frees up: try again in a few minutes.',
  },
}

/** A clear page for a link that cannot be paid. */
export function UnavailablePage(props: {
  nonce: string
  reason: UnavailableReason
  merchantName: string
  name: string
  cancelUrl: string | null
}) {
  const { heading, text } = UNAVAILABLE[props.reason]
  const cancelUrl = webPageHref(props.cancelUrl)
  return (
    <MessagePage nonce={props.nonce} title={heading} heading={heading} merchantName={props.merchantName}>
      <p data-testid="link-name">{props.name}</p>
      <p data-testid="unavailable" data-reason={props.reason}>
        {text}
      </p>
      {cancelUrl && (
        <a class="button secondary" href={cancelUrl}>
          Return to {props.merchantName}
        </a>
      )}
    </MessagePage>
  )
}

export function NotFoundPage(props: { nonce: string; what: 'Payment' | 'Payment link' }) {
  return (
    <MessagePage nonce={props.nonce} title={`${props.what} not found`} heading={`${props.what} not found`}>
      <p>
        There is no such {props.what.toLowerCase()}. Check the link you were given, or ask the merchant for a new one.
      </p>
    </MessagePage>
  )
}

export function ErrorPage(props: { nonce: string; status: number; message: string }) {
  return (
    <MessagePage nonce={props.nonce} title="Something went wrong" heading="Something went wrong">
      <p>{props.message}</p>
      <p class="note">Error {props.status}. Please try again in a moment.</p>
    </MessagePage>
  )
}
