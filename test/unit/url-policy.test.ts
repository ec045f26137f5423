import { describe, expect, it } from 'vitest'
import {
  callbackUrlProblem,
  checkUrls,
  embeddedIPv4,
  parseIPv6,
  redirectUrlProblem,
  webPageHref,
} from '../../src/domain/url-policy'
import { ApiError } from '../../src/errors'

const refusedInProduction = (url: string) => callbackUrlProblem(url, 'production')

describe('callback URL policy in production', () => {
  it.each([
    'https://shop.example.com/hooks/bitxpay',
    'https://hooks.stripe-like.io/a?b=c',
    'https://shop.example.com:443/h',
    'https://8.8.8.8/h',
    'https://172.32.0.1/h',
    'https://100.128.0.1/h',
    'https://198.20.0.1/h',
    'https://[2606:4700:4700::1111]/h',
    'https://[2a00:1450:4001:80b::200e]/h',
    'https://xn--bcher-kva.example.com/h',
    'https://bücher.example.com/h',
    'https://example.com/',
  ])('accepts the ordinary public https URL %s', (url) => {
    expect(refusedInProduction(url)).toBeNull()
  })

  // Every block of the IANA IPv4 Special-Purpose Address Registry (first, inner and last address), and multicast.
  it.each([
    ['0.0.0.0', '"this network"'],
    ['0.255.255.255', '"this network"'],
    ['10.0.0.1', 'private-use'],
    ['10.255.255.255', 'private-use'],
    ['100.64.0.1', 'shared address space (CGN)'],
    ['100.127.255.254', 'shared address space (CGN)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private-use'],
    ['172.31.255.255', 'private-use'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.0.0.170', 'IETF protocol assignments'],
    ['192.0.2.1', 'documentation (TEST-NET-1)'],
    ['192.31.196.1', 'AS112-v4'],
    ['192.52.193.1', 'AMT'],
    ['192.88.99.1', 'deprecated 6to4 relay anycast'],
    ['192.168.1.1', 'private-use'],
    ['192.175.48.1', 'direct delegation AS112'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation (TEST-NET-2)'],
    ['203.0.113.9', 'documentation (TEST-NET-3)'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'limited broadcast'],
  ])('refuses the IPv4 literal %s (%s)', (ip, range) => {
    expect(refusedInProduction(`https://${ip}/h`)).toBe(
      `must not point to a special-purpose address (${range}) in production`,
    )
  })

  it.each([
    ['https://0x7f.1/', 'hex and short forms'],
    ['https://2130706433/', 'a single number'],
    ['https://0177.0.0.1/', 'octal'],
    ['https://127.1/', 'two parts'],
    ['https://127.0.0.1./', 'a trailing dot'],
    ['https://%31%32%37.0.0.1/', 'percent-encoding'],
  ])('refuses loopback written as %s (%s), deciding on the parsed host', (url) => {
    expect(refusedInProduction(url)).toBe('must not point to a special-purpose address (loopback) in production')
  })

  it.each([
    ['[::1]', 'loopback'],
    ['[::]', 'unspecified'],
    ['[100::1]', 'discard-only'],
    ['[2001:2::1]', 'IETF protocol assignments'],
    ['[2001:db8::1]', 'documentation'],
    ['[3fff::1]', 'documentation'],
    ['[2620:4f:8000::1]', 'direct delegation AS112'],
    ['[5f00::1]', 'SRv6 SIDs'],
    ['[fc00::1]', 'unique-local'],
    ['[fd12:3456::1]', 'unique-local'],
    ['[fe80::1]', 'link-local'],
    ['[febf::1]', 'link-local'],
    ['[fec0::1]', 'site-local (deprecated)'],
    ['[ff02::1]', 'multicast'],
    ['[4000::1]', 'not global unicast'],
    ['[1::1]', 'not global unicast'],
  ])('refuses the IPv6 literal %s (%s)', (host, range) => {
    expect(refusedInProduction(`https://${host}/h`)).toBe(
      `must not point to a special-purpose address (${range}) in production`,
    )
  })

  it.each([
    ['https://[::ffff:127.0.0.1]/', 'IPv4-mapped of 127.0.0.1, loopback'],
    ['https://[::ffff:7f00:1]/', 'IPv4-mapped of 127.0.0.1, loopback'],
    ['https://[::ffff:a9fe:a9fe]/', 'IPv4-mapped of 169.254.169.254, link-local'],
    ['https://[0:0:0:0:0:ffff:10.0.0.1]/', 'IPv4-mapped of 10.0.0.1, private-use'],
    ['https://[::ffff:8.8.8.8]/', 'IPv4-mapped of 8.8.8.8'],
    ['https://[::127.0.0.1]/', 'IPv4-compatible of 127.0.0.1, loopback'],
    ['https://[::a9fe:a9fe]/', 'IPv4-compatible of 169.254.169.254, link-local'],
    ['https://[64:ff9b::a9fe:a9fe]/', 'NAT64 of 169.254.169.254, link-local'],
    ['https://[64:ff9b::127.0.0.1]/', 'NAT64 of 127.0.0.1, loopback'],
    ['https://[64:ff9b::808:808]/', 'NAT64 of 8.8.8.8'],
    ['https://[64:ff9b:1:7f00:0:100::]/', 'NAT64 of 127.0.0.1, loopback'],
    ['https://[2002:7f00:1::]/', '6to4 of 127.0.0.1, loopback'],
    ['https://[2002:a9fe:a9fe::1]/', '6to4 of 169.254.169.254, link-local'],
    ['https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', 'Teredo of 127.0.0.1, loopback'],
    ['https://[2001::3f57:fefc]/', 'Teredo of 192.168.1.3, private-use'],
  ])('refuses the IPv4-embedding address %s, decoding it (%s)', (url, detail) => {
    expect(refusedInProduction(url)).toBe(`must not point to an IPv4-embedding address (${detail}) in production`)
  })

  it.each([
    'https://localhost/',
    'https://localhost./',
    'https://LOCALHOST../',
    'https://api.localhost/',
    'https://printer.local/',
    'https://printer.local./',
    'https://metadata.google.internal/',
    'https://metadata.google.internal./',
    'https://router.home.arpa/',
    'https://ipv4only.arpa/',
    'https://1.0.0.127.in-addr.arpa/',
    'https://shop.test/',
    'https://shop.invalid/',
    'https://shop.example/',
    'https://hidden.onion/',
    'https://nas.lan/',
    'https://build.corp/',
    'https://box.localdomain/',
  ])('refuses the local or special-use name in %s', (url) => {
    expect(refusedInProduction(url)).toBe('must not point to a local or special-use domain name in production')
  })

  it.each(['https://metadata/', 'https://gateway./', 'https://printer/'])(
    'refuses the single-label name in %s',
    (url) => {
      expect(refusedInProduction(url)).toBe('must have a public domain name in production')
    },
  )

  it.each(['https://example.com:22/', 'https://example.com:8443/', 'https://example.com:80/', 'https://8.8.8.8:8080/'])(
    'refuses the non-default port in %s',
    (url) => {
      expect(refusedInProduction(url)).toBe('must use the default https port (443) in production')
    },
  )

  it.each<[string, string]>([
    ['http://shop.example.com/h', 'must be https in production'],
    ['ftp://shop.example.com/h', 'must be an https URL'],
    ['javascript:alert(1)', 'must be an https URL'],
    ['not a url', 'must be an absolute URL'],
    ['/relative/path', 'must be an absolute URL'],
    ['https://user:pw@shop.example.com/h', 'must not contain credentials'],
  ])('refuses %s: %s', (url, problem) => {
    expect(refusedInProduction(url)).toBe(problem)
  })
})

describe('callback URL policy outside production', () => {
  it.each(['http://127.0.0.1:8080/h', 'http://localhost:8787/h', 'https://[::1]/h', 'http://shop.example/h'])(
    'accepts the local receiver %s in development and sandbox',
    (url) => {
      expect(callbackUrlProblem(url, 'development')).toBeNull()
      expect(callbackUrlProblem(url, 'sandbox')).toBeNull()
    },
  )

  it.each(['mailto:a@b.c', 'file:///etc/passwd', 'https://u:p@127.0.0.1/'])('still refuses %s', (url) => {
    expect(callbackUrlProblem(url, 'development')).not.toBeNull()
  })
})

describe('IPv6 decoding', () => {
  it.each<[string, string | null]>([
    ['::ffff:7f00:1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::7f00:1', '127.0.0.1'],
    ['64:ff9b::a9fe:a9fe', '169.254.169.254'],
    ['64:ff9b:1:c0a8:1:100::', '192.168.1.1'],
    ['2002:c0a8:101::1', '192.168.1.1'],
    ['2001:0:4136:e378:8000:63bf:3f57:fefc', '192.168.1.3'],
    ['::1', null],
    ['2606:4700::1', null],
  ])('decodes the IPv4 address in %s as %s', (text, expected) => {
    const address = parseIPv6(text)
    expect(address).not.toBeNull()
    const embedded = embeddedIPv4(address ?? 0n)
    const dotted = embedded && [24n, 16n, 8n, 0n].map((s) => String((embedded.address >> s) & 0xffn)).join('.')
    expect(dotted).toBe(expected)
  })

  it.each(['1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::1', '::ffff:1.2.3'])(
    'refuses the malformed address %s',
    (text) => {
      expect(parseIPv6(text)).toBeNull()
    },
  )
})

describe('redirect URL policy', () => {
  it.each(['https://shop.example.com/thanks', 'https://127.0.0.1/back'])('accepts %s in production', (url) => {
    expect(redirectUrlProblem(url, 'production')).toBeNull()
  })

  it.each(['http://shop.example.com/thanks', 'http://localhost:3000/back'])(
    'accepts http (%s) outside production only',
    (url) => {
      expect(redirectUrlProblem(url, 'development')).toBeNull()
      expect(redirectUrlProblem(url, 'production')).toBe('must be an absolute https URL')
    },
  )

  it.each([
    'javascript:alert(document.cookie)',
    'JavaScript:alert(1)',
    ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'file:///etc/passwd',
    'vbscript:msgbox(1)',
    'blob:https://shop.example.com/uuid',
    'ftp://shop.example.com/',
    '//shop.example.com/back',
    '/thanks',
  ])('refuses %s in every environment', (url) => {
    expect(redirectUrlProblem(url, 'development')).toBe('must be an absolute http(s) URL')
    expect(redirectUrlProblem(url, 'production')).toBe('must be an absolute https URL')
  })

  it('refuses credentials in a redirect', () => {
    expect(redirectUrlProblem('https://user:pw@shop.example.com/', 'production')).toBe('must not contain credentials')
  })
})

describe('webPageHref (render-time defence)', () => {
  it.each<[string | null, string | null]>([
    ['https://shop.example.com/thanks', 'https://shop.example.com/thanks'],
    ['http://localhost:3000/back', 'http://localhost:3000/back'],
    ['javascript:alert(1)', null],
    ['data:text/html,x', null],
    ['file:///etc/passwd', null],
    ['not a url', null],
    [null, null],
  ])('renders %s as %s', (raw, expected) => {
    expect(webPageHref(raw)).toBe(expected)
  })
})

describe('checkUrls', () => {
  it('names the first refused field in a VALIDATION_ERROR and skips absent values', () => {
    const attempt = () =>
      checkUrls('production', [
        { field: 'notificationURL', kind: 'callback', value: undefined },
        { field: 'redirectURL', kind: 'redirect', value: 'https://shop.example.com/ok' },
        { field: 'closeURL', kind: 'redirect', value: 'javascript:alert(1)' },
      ])
    expect(attempt).toThrow(ApiError)
    try {
      attempt()
    } catch (err) {
      expect(err).toMatchObject({
        code: 'VALIDATION_ERROR',
        field: 'closeURL',
        message: 'closeURL must be an absolute https URL',
      })
    }
  })
})
