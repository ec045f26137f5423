/** Why a webhook URL is refused, or null when it is acceptable for the environment. */
export function webhookUrlProblem(raw: string, environment: string): string | null {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'must be an absolute URL'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL'
  if (url.username || url.password) return 'must not contain credentials'
  if (environment !== 'production') return null
  if (url.protocol !== 'https:') return 'must be https in production'
  if (isPrivateHost(url.hostname)) return 'must not point to a loopback, private or link-local address in production'
  return null
}

const PRIVATE_SUFFIXES = ['localhost', '.localhost', '.local', '.internal', '.home.arpa', '.lan']

/**
 * Literal private addresses and local-only names. Names that resolve to private ranges cannot be
 * reached from Cloudflare's edge anyway (Workers' fetch does not connect to RFC 1918 space).
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '')
  if (PRIVATE_SUFFIXES.some((s) => host === s.replace(/^\./, '') || host.endsWith(s))) return true
  const v4 = parseIPv4(host)
  if (v4) return isPrivateIPv4(v4)
  if (host.includes(':')) return isPrivateIPv6(host)
  return false
}

function parseIPv4(host: string): number[] | null {
  const parts = host.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null
  const bytes = parts.map(Number)
  return bytes.every((b) => b <= 255) ? bytes : null
}

function isPrivateIPv4([a, b]: number[]): boolean {
  return (
    a === 0 || a === 10 || a === 127 ||
    (a === 100 && b! >= 64 && b! <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) ||
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    a! >= 224 // multicast and reserved
  )
}

function isPrivateIPv6(host: string): boolean {
  if (host === '::1' || host === '::') return true
  const mapped = host.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/)
  if (mapped) return isPrivateIPv4(parseIPv4(mapped[1]!) ?? [0])
  return /^(fc|fd|fe8|fe9|fea|feb)/.test(host)
}
