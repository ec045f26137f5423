import { z } from '@hono/zod-openapi'
import { getDb } from '../../db/client'
import { changePassword, createUser, deleteUser, listUsers, type UserRow } from '../../services/merchants/users'
import { commonErrors, envelope, errorResponse, jsonResponse as json, ok } from './envelope'
import { merchantRoute, v1Router } from './router'
import { resourceIdParam } from '../schemas'

const password = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(200)
  .openapi({ example: 'correct horse battery staple' })

const userSchema = z
  .object({
    id: z.string(),
    object: z.literal('user'),
    username: z.string(),
    livemode: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('User')

function toView(u: UserRow): z.infer<typeof userSchema> {
  return {
    id: u.id,
    object: 'user',
    username: u.username,
    livemode: u.livemode,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
  }
}

const idParam = resourceIdParam()
const tags = ['Users']

const createRoute_ = merchantRoute({
  method: 'post',
  path: '/users',
  tags,
  summary: 'Create a dashboard user',
  description:
    'Users log in at POST /api/auth/login (CryptoPay dialect). A user acts in the mode of the key that created it.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              username: z.string().regex(/^[A-Za-z0-9._@-]{3,64}$/, 'must be 3-64 letters, digits or ._@-'),
              password,
            })
            .strict()
            .openapi('CreateUserRequest'),
        },
      },
    },
  },
  responses: { 201: json(envelope(userSchema), 'The user'), ...commonErrors, 409: errorResponse('Username taken') },
})
const listRoute = merchantRoute({
  method: 'get',
  path: '/users',
  tags,
  summary: 'List users',
  responses: { 200: json(envelope(z.array(userSchema)), 'Users'), ...commonErrors },
})
const passwordRoute = merchantRoute({
  method: 'post',
  path: '/users/{id}/password',
  tags,
  summary: "Change a user's password",
  description: 'Every access token issued before stops working.',
  request: {
    params: idParam,
    body: { required: true, content: { 'application/json': { schema: z.object({ password }).strict() } } },
  },
  responses: { 200: json(envelope(userSchema), 'The user'), ...commonErrors, 404: errorResponse('No such user') },
})
const deleteRoute = merchantRoute({
  method: 'delete',
  path: '/users/{id}',
  tags,
  summary: 'Delete a user',
  request: { params: idParam },
  responses: {
    200: json(envelope(userSchema), 'The deleted user'),
    ...commonErrors,
    404: errorResponse('No such user'),
  },
})

export const usersRouter = v1Router()
  .openapi(createRoute_, async (c) => {
    const { username, password } = c.req.valid('json')
    return c.json(ok(c, toView(await createUser(getDb(c.env.DB), c.get('auth'), username, password))), 201)
  })
  .openapi(listRoute, async (c) => c.json(ok(c, (await listUsers(getDb(c.env.DB), c.get('auth'))).map(toView)), 200))
  .openapi(passwordRoute, async (c) =>
    c.json(
      ok(
        c,
        toView(
          await changePassword(getDb(c.env.DB), c.get('auth'), c.req.valid('param').id, c.req.valid('json').password),
        ),
      ),
      200,
    ),
  )
  .openapi(deleteRoute, async (c) =>
    c.json(ok(c, toView(await deleteUser(getDb(c.env.DB), c.get('auth'), c.req.valid('param').id))), 200),
  )
