import type { Context, TypedResponse } from 'hono'
import { JsonDecimal, stringifyWithDecimals } from '../../domain/exact-json'

export { JsonDecimal, stringifyWithDecimals }

/** Response types see a JsonDecimal as the number it is emitted as. */
export type Emitted<T> = T extends JsonDecimal
  ? number
  : T extends (infer U)[]
    ? Emitted<U>[]
    : T extends object
      ? { [K in keyof T]: Emitted<T[K]> }
      : T

/** A JSON response whose money fields are exact JSON numbers. */
export function jsonWithDecimals<T, S extends 200 | 201>(
  c: Context,
  value: T,
  status: S,
): TypedResponse<Emitted<T>, S, 'json'> {
  // The body is the JSON of Emitted<T>; hono cannot see through the hand-written text.
  return c.body(stringifyWithDecimals(value), status, {
    'Content-Type': 'application/json; charset=UTF-8',
  }) as unknown as TypedResponse<Emitted<T>, S, 'json'>
}
