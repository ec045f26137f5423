import { createMiddleware } from 'hono/factory'
import { randomHex } from '../auth/crypto'
import type { AppEnv } from '../context'

/** Outermost middleware: a request id on every response, plus headers set for errors too. */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  const requestId = `req_${randomHex(12)}`
  c.set('requestId', requestId)
  c.set('responseHeaders', {})
  await next()
  c.res.headers.set('X-Request-Id', requestId)
  for (const [name, value] of Object.entries(c.get('responseHeaders'))) c.res.headers.set(name, value)
})
