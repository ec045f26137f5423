/** The messages of an error and its causes (D1 errors arrive wrapped by drizzle). */
export function errorText(err: unknown): string {
  const parts: string[] = []
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) parts.push(e.message)
  return parts.join(' | ')
}

/** Whether a failed D1 write was a deposit address already claimed by another wallet. */
export function isClaimConflict(err: unknown): boolean {
  const text = errorText(err)
  return text.includes('UNIQUE constraint failed') && text.includes('deposit_addresses')
}
