/** How long a receiver has to answer. */
export const DELIVERY_TIMEOUT_MS = 10_000
const SNIPPET_CHARS = 500

export interface AttemptResult {
  statusCode: number | null
  latencyMs: number
  error: string | null
  responseSnippet: string | null
}

/** POSTs a webhook body and reports what happened; never throws. */
export async function postWebhook(url: string, body: string, headers: Record<string, string>): Promise<AttemptResult> {
  const started = Date.now()
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'BitXPay-Webhooks/1.0', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    })
    const text = await res.text().catch(() => '')
    return { statusCode: res.status, latencyMs: Date.now() - started, error: null, responseSnippet: text.slice(0, SNIPPET_CHARS) || null }
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
    return { statusCode: null, latencyMs: Date.now() - started, error: timedOut ? `timed out after ${DELIVERY_TIMEOUT_MS} ms` : String(err), responseSnippet: null }
  }
}
