/**
 * Pairs each item with the answer at the same position (a batch read returns one result per
 * request, in order); throws when the lengths differ, which would pair items with wrong answers.
 */
export function zip<A, B>(items: readonly A[], answers: readonly B[]): [A, B][] {
  if (items.length !== answers.length) throw new Error(`zip: ${items.length} items but ${answers.length} answers`)
  return items.map((item, i) => [item, answers[i] as B])
}
