/** The messages of an error and its causes (D1 errors arrive wrapped by drizzle). */
export function errorText(err: unknown): string {
  const parts: string[] = []
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) parts.push(e.message)
  return parts.join(' | ')
}

/**
 * Whether a failed D1 write was a deposit address claim that cannot stand: the address is claimed
 * already (by another wallet, or by another payment of the same wallet), or the wallet is no longer
 * one the merchant's payments may use (db/deposit-claims claimStatements).
 */
export function isClaimConflict(err: unknown): boolean {
  const text = errorText(err)
  return (
    (text.includes('UNIQUE constraint failed') || text.includes('NOT NULL constraint failed')) &&
    text.includes('deposit_addresses')
  )
}
