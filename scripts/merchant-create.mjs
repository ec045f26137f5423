#!/usr/bin/env node
// Creates a merchant on a local or deployed gateway (POST /v1/merchants).
//
//   npm run merchant:create -- --name "Acme" --email ops@acme.com \
//     [--url https://gw.example.com] [--admin-token TOKEN] \
//     [--rate-limit-test N] [--rate-limit-live N] [--json]
//
// The admin token comes from --admin-token, else $ADMIN_TOKEN, else ADMIN_TOKEN in .dev.vars.
// Only Node built-ins.

import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const DEFAULT_URL = 'http://127.0.0.1:8787'

const USAGE = `Usage: npm run merchant:create -- --name NAME --email EMAIL [options]

Options:
  --name NAME              Merchant name (required)
  --email EMAIL            Merchant contact email (required)
  --url URL                Gateway origin (default: $GATEWAY_URL, then ${DEFAULT_URL})
  --admin-token TOKEN      Operator token (default: $ADMIN_TOKEN, then ADMIN_TOKEN in .dev.vars)
  --rate-limit-test N      Requests per minute per test key
  --rate-limit-live N      Requests per minute per live key
  --json                   Print the raw response data as JSON
  -h, --help               Show this help`

class CliError extends Error {}

function parseCli(argv) {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        name: { type: 'string' },
        email: { type: 'string' },
        url: { type: 'string' },
        'admin-token': { type: 'string' },
        'rate-limit-test': { type: 'string' },
        'rate-limit-live': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    })
  } catch (err) {
    throw new CliError(`${err.message}\n\n${USAGE}`)
  }
  const v = parsed.values
  if (v.help) return { help: true }
  if (!v.name) throw new CliError(`--name is required\n\n${USAGE}`)
  if (!v.email) throw new CliError(`--email is required\n\n${USAGE}`)
  return {
    help: false,
    name: v.name,
    email: v.email,
    url: parseUrl(v.url ?? process.env.GATEWAY_URL ?? DEFAULT_URL),
    adminToken: v['admin-token'],
    rateLimitTest: parseLimit('--rate-limit-test', v['rate-limit-test']),
    rateLimitLive: parseLimit('--rate-limit-live', v['rate-limit-live']),
    json: v.json,
  }
}

function parseUrl(value) {
  let url
  try {
    url = new URL(value)
  } catch {
    throw new CliError(`--url: not a URL: ${value}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--url: must be http(s): ${value}`)
  return url.origin + url.pathname.replace(/\/+$/, '')
}

function parseLimit(flag, value) {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new CliError(`${flag}: expected a positive integer, got "${value}"`)
  return Number(value)
}

/** ADMIN_TOKEN from `KEY=value` / `KEY = "value"` lines of .dev.vars, if any. */
function adminTokenFromDevVars() {
  const file = join(ROOT, '.dev.vars')
  if (!existsSync(file)) return undefined
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const m = line.match(/^\s*(?:export\s+)?ADMIN_TOKEN\s*=\s*(.*?)\s*$/)
    if (m) return /^(["']).*\1$/.test(m[1]) ? m[1].slice(1, -1) : m[1].replace(/#.*$/, '').trim()
  }
  return undefined
}

function resolveAdminToken(flag) {
  const token = flag || process.env.ADMIN_TOKEN || adminTokenFromDevVars()
  if (!token) throw new CliError('No admin token: pass --admin-token, set ADMIN_TOKEN, or put ADMIN_TOKEN in .dev.vars')
  return token
}

async function createMerchant(opts, adminToken) {
  const body = { name: opts.name, email: opts.email }
  if (opts.rateLimitTest !== undefined) body.rate_limit_test = opts.rateLimitTest
  if (opts.rateLimitLive !== undefined) body.rate_limit_live = opts.rateLimitLive

  const endpoint = `${opts.url}/v1/merchants`
  let res
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${adminToken}`,
        'Content-Type': 'application/json',
        Accept: 'application/json',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    })
  } catch (err) {
    throw new CliError(`Could not reach ${endpoint}: ${err.cause?.message ?? err.message}`)
  }
  const text = await res.text()
  let json
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  if (res.status !== 201 || !json?.success || !json.data) {
    const err = json?.error
    const detail = err
      ? `${err.code}: ${err.message}${err.field ? ` (field: ${err.field})` : ''}`
      : text.slice(0, 500) || res.statusText
    throw new CliError(`POST ${endpoint} failed with HTTP ${res.status}: ${detail}`)
  }
  return json.data
}

function printMerchant(m, url) {
  const out = [
    `Merchant created on ${url}`,
    '',
    `  id              ${m.id}`,
    `  name            ${m.name}`,
    `  email           ${m.email}`,
    `  merchant_key    ${m.merchant_key}`,
    `  rate limits     test ${m.rate_limit_test}/min, live ${m.rate_limit_live}/min`,
  ]
  for (const k of m.api_keys ?? []) {
    out.push(
      '',
      `  ${k.mode.toUpperCase()} key (${k.id})`,
      `    key             ${k.key}`,
      `    signing_secret  ${k.signing_secret}`,
    )
  }
  out.push(
    '',
    '!! The API keys and signing secrets above are shown ONCE: the gateway stores only their hashes.',
    '!! Store them in a secret manager now.',
  )
  console.log(out.join('\n'))
}

async function main() {
  const opts = parseCli(process.argv.slice(2))
  if (opts.help) {
    console.log(USAGE)
    return
  }
  const merchant = await createMerchant(opts, resolveAdminToken(opts.adminToken))
  if (opts.json) console.log(JSON.stringify(merchant, null, 2))
  else printMerchant(merchant, opts.url)
}

main().catch((err) => {
  console.error(`merchant:create: ${err instanceof CliError ? err.message : (err.stack ?? err)}`)
  process.exit(1)
})
