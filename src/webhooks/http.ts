/** How long a receiver has to answer (headers and the part of the body we read). */
import { log } from '../log'
export const DELIVERY_TIMEOUT_MS = 10_000
const SNIPPET_CHARS = 500
/** Bytes of the receiver's answer read at most; the rest is cancelled, never buffered. */
const SNIPPET_BYTES = 2048

export interface AttemptResult {
  statusCode: number | null
  latencyMs: number
  /** What the merchant sees: null on 2xx, else one "could not deliver" message (with the HTTP status when there was one). */
  error: string | null
  responseSnippet: string | null
}

/** The message for an attempt that got `statusCode` (null: no HTTP answer at all). */
export function deliveryError(statusCode: number | null): string | null {
  if (statusCode === null) return 'could not deliver'
  return statusCode >= 200 && statusCode < 300 ? null : `could not deliver: HTTP ${statusCode}`
}

/** The answer for a URL the policy refuses at send time (stored before the policy, or the environment changed). */
export const REFUSED_URL_RESULT: AttemptResult = {
  statusCode: null,
  latencyMs: 0,
  error: 'could not deliver: the URL is not allowed',
  responseSnippet: null,
}

/**
 * POSTs a webhook body and reports what happened; never throws. Whatever went wrong on the network
 * (DNS, refused connection, TLS, reset, timeout) is logged for the operator and reported to the
 * merchant only as "could not deliver", so the answer cannot be used to map networks or ports.
 * (Locally, workerd itself prints "Uncaught Error: internal error" for a failed subrequest such as a
 * DNS miss even though the rejection is handled here: a log artefact, not an unhandled rejection.)
 */
export async function postWebhook(url: string, body: string, headers: Record<string, string>): Promise<AttemptResult> {
  const started = Date.now()
  const signal = AbortSignal.timeout(DELIVERY_TIMEOUT_MS)
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'BitXPay-Webhooks/1.0', ...headers },
      body,
      redirect: 'manual',
      signal,
    })
  } catch (err) {
    log.warn('webhook delivery failed', {
      origin: originOf(url),
      err: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    })
    return { statusCode: null, latencyMs: Date.now() - started, error: deliveryError(null), responseSnippet: null }
  }
  const responseSnippet = await readSnippet(res)
  return { statusCode: res.status, latencyMs: Date.now() - started, error: deliveryError(res.status), responseSnippet }
}

/** The start of the answer's body; a body that breaks off or times out keeps what arrived. Never throws. */
async function readSnippet(res: Response): Promise<string | null> {
  if (!res.body) return null
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < SNIPPET_BYTES) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } catch {
    // reset, timeout or a malformed body: the status is what counts
  } finally {
    reader.cancel().catch(() => undefined)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return new TextDecoder().decode(bytes.subarray(0, SNIPPET_BYTES)).slice(0, SNIPPET_CHARS) || null
}

function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return 'invalid URL'
  }
}
