import { z } from '@hono/zod-openapi'
import { LIMITS, maxOrderAmount } from '../config'
import { assertAtMost, decimalFromJson, MoneyError } from '../domain/money'

// Schema pieces every dialect shares (v1, BitPay, CryptoPay, links): one definition, no dialect
// importing another.

/** A decimal amount given as a string ("10.50") or a JSON number (10.5), converted exactly. */
export const decimalInput = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    try {
      return decimalFromJson(value)
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof MoneyError ? err.message : 'must be a decimal number' })
      return z.NEVER
    }
  })
  .openapi({
    type: 'string',
    example: '10.00',
    description: 'Decimal string (preferred) or JSON number; converted exactly, never through floating point',
  })

/** The order-amount bound (config LIMITS.maxOrderAmount), stated in the docs of each amount field. */
export const AMOUNT_LIMIT_TEXT = `At most ${LIMITS.maxOrderAmount.fiat} of a fiat currency, ${LIMITS.maxOrderAmount.token} of a token.`

/** For a schema's superRefine: an issue on `field` when `amount` is above the maximum for `currency`. */
export function checkAmountLimit(ctx: z.RefinementCtx, field: string, amount: string, currency?: string): void {
  try {
    assertAtMost(amount, maxOrderAmount(currency))
  } catch (err) {
    if (!(err instanceof MoneyError)) throw err
    ctx.addIssue({
      code: 'custom',
      path: [field],
      message: currency ? `${err.message} ${currency.toUpperCase()}` : err.message,
    })
  }
}

/** A resource's id in the path (`{id}`): 1 to 64 characters, with an example for the document. */
export function resourceIdParam(example?: string) {
  return z.object({
    id: z
      .string()
      .min(1)
      .max(64)
      .openapi({ param: { name: 'id', in: 'path' }, ...(example ? { example } : {}) }),
  })
}

export const paymentIdParam = z.object({
  id: z
    .string()
    .uuid('must be a payment id (UUID)')
    .openapi({ param: { name: 'id', in: 'path' }, example: '3d0a5e66-f5a5-432e-86e6-e9405a94fba6' }),
})
