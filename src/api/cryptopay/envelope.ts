import type { Context, HonoRequest } from 'hono'
import { z } from '@hono/zod-openapi'
import type { AppEnv } from '../../context'
import type { ApiError } from '../../errors'

/** Seed 001's success envelope: `{success, data, message, timestamp}`. */
export function ok<T>(data: T, message: string) {
  return { success: true as const, data, message, timestamp: new Date().toISOString() }
}

export function envelope<T extends z.ZodType>(data: T) {
  return z.object({ success: z.literal(true), data, message: z.string(), timestamp: z.string() })
}

/** `count/next/previous/results` with next/previous as relative links that keep the other query parameters. */
export function page<T>(c: { req: HonoRequest }, results: T[], count: number, pageNo: number, pageSize: number) {
  const link = (n: number) => {
    const url = new URL(c.req.url)
    url.searchParams.set('page', String(n))
    return `${url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`}?${url.searchParams.toString()}`
  }
  const last = Math.max(1, Math.ceil(count / pageSize))
  return {
    count,
    next: pageNo < last ? link(pageNo + 1) : null,
    previous: pageNo > 1 ? link(Math.min(pageNo - 1, last)) : null,
    results,
  }
}

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    count: z.number().int(),
    next: z.string().nullable(),
    previous: z.string().nullable(),
    results: z.array(item),
  })
}

export const errorSchema = z
  .object({
    success: z.literal(false),
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.array(z.string())).optional(),
    }),
    timestamp: z.string(),
  })
  .openapi('CryptoPayError')

/** Seed 001's error: `{success:false, error:{code, message, details:{field:[messages]}}, timestamp}`. */
export function renderCryptoPayError(c: Context<AppEnv>, err: ApiError): Response {
  const validation = err.status === 400
  const body = {
    success: false,
    error: {
      code: validation ? 'VALIDATION_ERROR' : err.code,
      message: validation ? 'Invalid request data' : err.message,
      ...(err.field ? { details: { [err.field]: [err.message] } } : {}),
    },
    timestamp: new Date().toISOString(),
  }
  return c.json(body, err.status)
}

export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorSchema } },
})
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})
export const commonErrors = {
  400: errorResponse('VALIDATION_ERROR; details name the fields'),
  401: errorResponse('Missing or invalid token'),
  429: errorResponse('Hourly rate limit exceeded or too many failed logins'),
} as const
