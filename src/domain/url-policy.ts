import { ApiError } from '../errors'

/**
 * The one policy for URLs the gateway stores: callbacks it will POST to (webhook endpoints,
 * notification URLs) and redirects it sends buyers to (success, cancel, close URLs). Pure: it decides
 * on the WHATWG-parsed, normalized host, never on the raw text, and does no DNS.
 */

/** `callback`: the gateway POSTs to it. `redirect`: the hosted page links or redirects the buyer to it. */
export type UrlKind = 'callback' | 'redirect'

/** Why a URL of `kind` is refused, or null when the environment accepts it. */
export function urlProblem(kind: UrlKind, raw: string, environment: string): string | null {
  return kind === 'callback' ? callbackUrlProblem(raw, environment) : redirectUrlProblem(raw, environment)
}

/** Throws a VALIDATION_ERROR naming the first URL field the policy refuses (absent values are skipped). */
export function checkUrls(
  environment: string,
  fields: { field: string; kind: UrlKind; value: string | null | undefined }[],
): void {
  for (const { field, kind, value } of fields) {
    if (value === undefined || value === null) continue
    const problem = urlProblem(kind, value, environment)
    if (problem) throw new ApiError('VALIDATION_ERROR', `${field} ${problem}`, field)
  }
}

const production = (environment: string) => environment === 'production'

/**
 * Why a callback URL is refused, or null. Outside production any http(s) URL without credentials
 * is fine (local receivers); in production it must be https on the default port to a public host.
 */
export function callbackUrlProblem(raw: string, environment: string): string | null {
  const url = parseUrl(raw)
  if (!url) return 'must be an absolute URL'
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL'
  if (url.username || url.password) return 'must not contain credentials'
  if (!production(environment)) return null
  if (url.protocol !== 'https:') return 'must be https in production'
  if (url.port !== '') return 'must use the default https port (443) in production'
  const host = hostProblem(url.hostname)
  return host ? `${host} in production` : null
}

/** Why a redirect URL is refused, or null: https, or http outside production; never another scheme. */
export function redirectUrlProblem(raw: string, environment: string): string | null {
  const schemes = production(environment) ? ['https:'] : ['https:', 'http:']
  const wanted = production(environment) ? 'an absolute https URL' : 'an absolute http(s) URL'
  const url = parseUrl(raw)
  if (!url || !url.host || !schemes.includes(url.protocol)) return `must be ${wanted}`
  if (url.username || url.password) return 'must not contain credentials'
  return null
}

/** The URL as a link target for a page, or null unless it is an absolute http(s) URL (defence at render). */
export function webPageHref(raw: string | null | undefined): string | null {
  if (!raw) return null
  const url = parseUrl(raw)
  return url && (url.protocol === 'https:' || url.protocol === 'http:') && url.host ? raw : null
}

/** Whether a string is an absolute http(s) URL: the environment-free part of both policies, for schemas. */
export function isHttpUrl(raw: string): boolean {
  return webPageHref(raw) !== null
}

function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw)
  } catch {
    return null
  }
}

// --- hosts ---------------------------------------------------------------------------------------

/**
 * Names that never lead to a public receiver: RFC 6761/6762/8375/9476 special-use names, the `.arpa`
 * infrastructure zone (ipv4only.arpa resolves to 192.0.0.170), `.internal` (cloud metadata) and the
 * common never-delegated private suffixes.
 */
const LOCAL_NAME_SUFFIXES = [
  'localhost',
  'local',
  'internal',
  'home.arpa',
  'arpa',
  'test',
  'invalid',
  'example',
  'onion',
  'alt',
  'lan',
  'home',
  'corp',
  'intranet',
  'localdomain',
]

/** Why a parsed URL's hostname is not a public host, or null. `hostname` is `URL.hostname` (IPv6 in brackets). */
export function hostProblem(hostname: string): string | null {
  const host = normalizeHost(hostname)
  if (host.startsWith('[')) {
    const address = parseIPv6(host.slice(1, -1))
    if (address === null) return 'must have a valid host'
    const embedded = embeddedIPv4(address)
    const range = specialIPv6Range(address)
    if (embedded) {
      const inner = specialIPv4Range(embedded.address)
      return `must not point to an IPv4-embedding address (${embedded.form} of ${formatIPv4(embedded.address)}${inner ? `, ${inner}` : ''})`
    }
    return range ? `must not point to a special-purpose address (${range})` : null
  }
  const v4 = parseIPv4(host)
  if (v4 !== null) {
    const range = specialIPv4Range(v4)
    return range ? `must not point to a special-purpose address (${range})` : null
  }
  if (LOCAL_NAME_SUFFIXES.some((s) => host === s || host.endsWith(`.${s}`)))
    return 'must not point to a local or special-use domain name'
  if (!host.includes('.')) return 'must have a public domain name'
  return null
}

/** Lower case, trailing dots removed ("localhost." and "localhost" are the same host). */
function normalizeHost(hostname: string): string {
  return hostname.toLowerCase().replace(/\.+$/, '')
}

// --- IPv4 ----------------------------------------------------------------------------------------

/** A dotted quad as a 32-bit number, or null. (WHATWG has already turned 0x7f.1 and 2130706433 into dotted quads.) */
export function parseIPv4(text: string): bigint | null {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n)
}

function formatIPv4(address: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((address >> s) & 0xffn)).join('.')
}

type Range = { network: bigint; bits: number; name: string }

function v4(cidr: string, name: string): Range {
  const [address, bits] = cidr.split('/')
  return { network: parseIPv4(address ?? '') ?? 0n, bits: Number(bits), name }
}

/** The IANA IPv4 Special-Purpose Address Registry, plus multicast (224/4) from the address space registry. */
export const SPECIAL_IPV4: readonly Range[] = [
  v4('0.0.0.0/8', '"this network"'),
  v4('10.0.0.0/8', 'private-use'),
  v4('100.64.0.0/10', 'shared address space (CGN)'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private-use'),
  v4('192.0.0.0/24', 'IETF protocol assignments'),
  v4('192.0.2.0/24', 'documentation (TEST-NET-1)'),
  v4('192.31.196.0/24', 'AS112-v4'),
  v4('192.52.193.0/24', 'AMT'),
  v4('192.88.99.0/24', 'deprecated 6to4 relay anycast'),
  v4('192.168.0.0/16', 'private-use'),
  v4('192.175.48.0/24', 'direct delegation AS112'),
  v4('198.18.0.0/15', 'benchmarking'),
  v4('198.51.100.0/24', 'documentation (TEST-NET-2)'),
  v4('203.0.113.0/24', 'documentation (TEST-NET-3)'),
  v4('224.0.0.0/4', 'multicast'),
  v4('255.255.255.255/32', 'limited broadcast'),
  v4('240.0.0.0/4', 'reserved'),
]

function specialIPv4Range(address: bigint): string | null {
  return SPECIAL_IPV4.find((r) => address >> BigInt(32 - r.bits) === r.network >> BigInt(32 - r.bits))?.name ?? null
}

// --- IPv6 ----------------------------------------------------------------------------------------

/** An IPv6 address (without brackets; hex groups, `::`, optional dotted tail) as a 128-bit number, or null. */
export function parseIPv6(text: string): bigint | null {
  let head = text
  let tail: number[] = []
  const lastColon = text.lastIndexOf(':')
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    const quad = parseIPv4(text.slice(lastColon + 1))
    if (quad === null) return null
    tail = [Number(quad >> 16n), Number(quad & 0xffffn)]
    head = text.slice(0, lastColon)
    if (head.endsWith(':')) head += ':'
  }
  const halves = head.split('::')
  if (halves.length > 2) return null
  const groups = (s: string | undefined) => (s ? s.split(':') : [])
  const left = groups(halves[0])
  const right = halves.length === 2 ? groups(halves[1]) : null
  const all = [...left, ...(right ?? [])]
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null
  const given = all.length + tail.length
  if (right === null ? given !== 8 : given > 7) return null
  const zeros = right === null ? [] : new Array<string>(8 - given).fill('0')
  return [...left, ...zeros, ...(right ?? []), ...tail.map((n) => n.toString(16))].reduce(
    (acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)),
    0n,
  )
}

function v6(cidr: string, name: string): Range {
  const [address, bits] = cidr.split('/')
  return { network: parseIPv6(address ?? '') ?? 0n, bits: Number(bits), name }
}

const inRange = (address: bigint, r: Range) => address >> BigInt(128 - r.bits) === r.network >> BigInt(128 - r.bits)

/**
 * The IANA IPv6 Special-Purpose Address Registry, plus the deprecated IPv4-compatible (::/96) and
 * site-local (fec0::/10) blocks and multicast. Only global unicast (2000::/3) outside these is public.
 */
export const SPECIAL_IPV6: readonly Range[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('::ffff:0:0/96', 'IPv4-mapped'),
  v6('::/96', 'IPv4-compatible (deprecated)'),
  v6('64:ff9b::/96', 'NAT64 well-known prefix'),
  v6('64:ff9b:1::/48', 'NAT64 local-use'),
  v6('100::/64', 'discard-only'),
  v6('100:0:0:1::/64', 'dummy prefix'),
  v6('2001::/32', 'Teredo'),
  v6('2001::/23', 'IETF protocol assignments'),
  v6('2001:db8::/32', 'documentation'),
  v6('2002::/16', '6to4'),
  v6('2620:4f:8000::/48', 'direct delegation AS112'),
  v6('3fff::/20', 'documentation'),
  v6('5f00::/16', 'SRv6 SIDs'),
  v6('fc00::/7', 'unique-local'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'site-local (deprecated)'),
  v6('ff00::/8', 'multicast'),
]
const GLOBAL_UNICAST = v6('2000::/3', 'global unicast')

function specialIPv6Range(address: bigint): string | null {
  return (
    SPECIAL_IPV6.find((r) => inRange(address, r))?.name ??
    (inRange(address, GLOBAL_UNICAST) ? null : 'not global unicast')
  )
}

const low32 = (a: bigint) => a & 0xffffffffn

/**
 * The IPv4 address an IPv6 address carries, decoded: IPv4-mapped and -compatible (::ffff:a.b.c.d,
 * ::a.b.c.d), NAT64 (64:ff9b::/96, and 64:ff9b:1::/48 in its /48 layout, RFC 6052), 6to4 (2002:AABB:CCDD::)
 * and Teredo (the client address, inverted, in the last 32 bits).
 */
export function embeddedIPv4(address: bigint): { form: string; address: bigint } | null {
  const is = (cidr: string) => inRange(address, v6(cidr, ''))
  if (is('::ffff:0:0/96')) return { form: 'IPv4-mapped', address: low32(address) }
  if (is('::/96') && address > 1n) return { form: 'IPv4-compatible', address: low32(address) }
  if (is('64:ff9b::/96')) return { form: 'NAT64', address: low32(address) }
  if (is('64:ff9b:1::/48'))
    return { form: 'NAT64', address: (((address >> 64n) & 0xffffn) << 16n) | ((address >> 40n) & 0xffffn) }
  if (is('2002::/16')) return { form: '6to4', address: (address >> 80n) & 0xffffffffn }
  if (is('2001::/32')) return { form: 'Teredo', address: low32(address) ^ 0xffffffffn }
  return null
}
