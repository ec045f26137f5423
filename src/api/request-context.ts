import { createMiddleware } from 'hono/factory'
import { randomHex } from '../auth/crypto'
import type { AppEnv } from '../context'
import { withRequestId } from '../log'

/**
 * Outermost middleware: a request id on every response (and on every log line written while serving
 * the request), plus headers set for errors too.
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const requestId = `req_${randomHex(12)}`
  c.set('requestId', requestId)
  c.set('responseHeaders', {})
  await withRequestId(requestId, next)
  c.res.headers.set('X-Request-Id', requestId)
  for (const [name, value] of Object.entries(c.get('responseHeaders'))) c.res.headers.set(name, value)
})
