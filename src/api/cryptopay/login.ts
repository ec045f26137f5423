import { createRoute, z } from '@hono/zod-openapi'
import { getDb } from '../../db/client'
import { ApiError } from '../../errors'
import { login } from '../../services/merchants/users'
import { loginThrottle } from './auth'
import { envelope, errorResponse, jsonResponse as json, ok } from './envelope'
import { cryptoPayRouter } from './router'

const loginRoute = createRoute({
  method: 'post',
  path: '/api/auth/login',
  tags: ['CryptoPay'],
  summary: 'Log in and get an access token',
  description:
    'Returns a signed access token valid for 12 hours; a password change revokes it. Failed logins are throttled per username (5) and per client (20) in 15 minutes.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) })
            .openapi('LoginRequest'),
        },
      },
    },
  },
  responses: {
    200: json(
      envelope(
        z.object({
          access_token: z.string(),
          token_type: z.literal('Bearer'),
          expires_in: z.number().int(),
          user: z.object({ id: z.string(), username: z.string() }),
        }),
      ),
      'The access token',
    ),
    400: errorResponse('Missing username or password'),
    401: errorResponse('Wrong username or password'),
    429: errorResponse('Too many failed logins'),
  },
})

export const loginRouter = cryptoPayRouter().openapi(loginRoute, async (c) => {
  const { username, password } = c.req.valid('json')
  if (!c.env.ADMIN_TOKEN) throw new ApiError('FORBIDDEN', 'Logins are not configured on this gateway')
  const throttle = loginThrottle(c.env, username, c.req.header('cf-connecting-ip') ?? 'local')
  const blocked = await throttle.blocked()
  if (blocked) {
    c.set('responseHeaders', { 'Retry-After': String(blocked.retryAfter) })
    throw new ApiError('RATE_LIMITED', `Too many failed logins; try again in ${blocked.retryAfter} seconds`)
  }
  const session = await login(getDb(c.env.DB), c.env.ADMIN_TOKEN, username, password, Math.floor(Date.now() / 1000))
  if (!session) {
    await throttle.recordFailure()
    throw new ApiError('UNAUTHORIZED', 'Invalid username or password')
  }
  return c.json(
    ok(
      {
        access_token: session.token,
        token_type: 'Bearer' as const,
        expires_in: session.expiresIn,
        user: { id: session.user.id, username: session.user.username },
      },
      'Login successful',
    ),
    200,
  )
})
