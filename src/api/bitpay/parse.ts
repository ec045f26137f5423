import type { z } from 'zod'
import { validationError } from '../validation'

/** Validates a value with a zod schema, throwing an ApiError that names the field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, target = 'json'): z.output<T> {
  const result = schema.safeParse(value)
  if (!result.success) throw validationError(result.error, target, value)
  return result.data
}
