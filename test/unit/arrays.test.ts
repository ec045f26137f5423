import { describe, expect, it } from 'vitest'
import { zip } from '../../src/domain/arrays'

describe('zip: batch answers paired with their requests', () => {
  it('pairs by position', () => {
    expect(zip(['a', 'b'], [1n, 2n])).toEqual([
      ['a', 1n],
      ['b', 2n],
    ])
    expect(zip([], [])).toEqual([])
  })

  it('refuses answers that do not line up with the requests', () => {
    expect(() => zip(['a', 'b'], [1n])).toThrow('zip: 2 items but 1 answers')
  })
})
