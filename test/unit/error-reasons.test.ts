import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { resourceOfPath } from '../../src/api/bitpay/envelope'
import { validationError } from '../../src/api/validation'
import { bitpayErrorCode } from '../../src/domain/bitpay'
import { ApiError, defaultReason, missing, notFound } from '../../src/errors'

const body = z.object({
  email: z.string().email(),
  sin: z.string({ message: 'sin is required' }),
  items: z.array(z.object({ price: z.number() })),
})

describe('error reasons come from structure, not from the message', () => {
  it('a field left out is missing, whatever its message says', () => {
    const input = { email: 'a@b.co', items: [] }
    const err = validationError(body.safeParse(input).error!, 'json', input)
    expect(err).toMatchObject({ code: 'VALIDATION_ERROR', field: 'sin', reason: 'missing', message: 'sin is required' })
  })

  it('a nested field left out is missing; one of the wrong type is invalid', () => {
    const left = { email: 'a@b.co', sin: 'x', items: [{}] }
    expect(validationError(body.safeParse(left).error!, 'json', left)).toMatchObject({
      field: 'items.0.price',
      reason: 'missing',
    })
    const wrong = { email: 'a@b.co', sin: 'x', items: [{ price: '9' }] }
    expect(validationError(body.safeParse(wrong).error!, 'json', wrong)).toMatchObject({
      field: 'items.0.price',
      reason: 'invalid',
    })
  })

  it('a present but malformed field is invalid', () => {
    const input = { email: 'nope', sin: 'x', items: [] }
    expect(validationError(body.safeParse(input).error!, 'json', input)).toMatchObject({
      field: 'email',
      reason: 'invalid',
    })
  })

  it('a message that says "required" does not make an error missing', () => {
    const err = new ApiError('VALIDATION_ERROR', 'a required thing is missing', 'x')
    expect(err.reason).toBe('invalid')
    expect(bitpayErrorCode('POST', 'generic', err.reason)).toBe('010002')
    expect(missing('invoiceId').reason).toBe('missing')
  })

  it('derives a reason from the code when the thrower names none', () => {
    expect(notFound('Bill').reason).toBe('not_found')
    expect(new ApiError('INVALID_STATE_TRANSITION', 'no').reason).toBe('state')
    expect(new ApiError('CONFLICT', 'no').reason).toBe('conflict')
    expect(defaultReason('UNAUTHORIZED')).toBe('other')
    expect(notFound('Invoice', 'invoice').resource).toBe('invoice')
  })

  it.each([
    ['/invoices/abc', 'invoice'],
    ['/refunds', 'refund'],
    ['/bills/1/deliveries', 'bill'],
    ['/subscriptions/1', 'subscription'],
    ['/ledgers/USD', 'ledger'],
    ['/settlements/1/reconciliationReport', 'settlement'],
    ['/tokens/abc/sins', 'token'],
    ['/payouts', 'generic'],
    ['/constructor', 'generic'],
  ] as const)('%s serves the %s resource', (path, resource) => {
    expect(resourceOfPath(path)).toBe(resource)
  })
})
