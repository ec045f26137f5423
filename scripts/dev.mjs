#!/usr/bin/env node
// `npm run dev`: one command for a working local gateway.
//
//   1. ensure .dev.vars has an ADMIN_TOKEN and a PAYOUT_KEY_SECRET (kept if present)
//   2. apply D1 migrations to the local state in .wrangler/state
//   3. start anvil on 127.0.0.1:8545 (chain 31337, state kept in .dev/anvil-state.json), deploy the
//      test USDC/USDT and an ETH/USD price feed, then mine a block every 2 s
//   4. start `wrangler dev` with CHAINS pointing chain 31337 at anvil (logs go to this terminal), wait
//      until it answers HTTP, and fire its cron once a minute as production does (wrangler dev runs
//      no crons itself): maintenance, billing, payouts, the outbox sweep and the chain watchdog. Chain
//      detection does not wait for it: each chain's ChainWatcher scans at block time once woken
//   5. seed a demo merchant + LIVE wallet on 31337 (credentials kept in .dev/demo-merchant.json,
//      reused while valid). No test wallet: test payments use the zero-setup sandbox wallet
//   6. print a banner with the URLs, keys, the zero-setup sandbox curls first, then how to pay a real
//      local payment
//
// Ctrl+C (SIGINT) or SIGTERM stops every child process group this script started.
// Each step is a small function; main() runs them in order, so a new step (for example starting a
// local chain and deploying a test token before the gateway starts) is one more line there.
//
// Env: PORT (default 8787), ANVIL_PORT (default 8545), NO_ANVIL=1 (skip the local chain).

import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { ensureLocalContracts, LOCAL_CHAIN_ID, localChainsConfig, startAnvil } from './local-chain.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const HOST = '127.0.0.1'
const PORT = Number(process.env.PORT || 8787)
const BASE_URL = `http://${HOST}:${PORT}`
const PERSIST_DIR = '.wrangler/state'
const DEV_VARS = join(ROOT, '.dev.vars')
const DEMO_FILE = join(ROOT, '.dev', 'demo-merchant.json')
const WRANGLER_JS = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
const READY_TIMEOUT_MS = 90_000
const ANVIL_PORT = Number(process.env.ANVIL_PORT || 8545)
const ANVIL_STATE = join(ROOT, '.dev', 'anvil-state.json')
const BLOCK_SECONDS = 2
const CRON_EVERY_MS = 60_000

const DEMO_MERCHANT = { name: 'Demo Store', email: 'demo@example.com' }
// Live payments on the local chain pay into account m/44'/60'/1' of anvil's public mnemonic
// ("test test … junk"): local only, and anyone can derive its keys.
const DEMO_LIVE_WALLET = {
  chain_id: LOCAL_CHAIN_ID,
  xpub: 'xpub6Ce9NcJvTk372KjsGfWqbcex5DumjpNquQLApoeQUavSCjEc823BV1tb4rXUuPuht8h2hSxkg2EXUaKUJmniJvRZAELxypsCzBFdtosmV76',
  label: 'Demo live wallet (local anvil)',
}

// ---------------------------------------------------------------------------------------------
// Logging
// ---------------------------------------------------------------------------------------------

const color = process.stdout.isTTY && !process.env.NO_COLOR
const paint = (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s)
const bold = (s) => paint('1', s)
const dim = (s) => paint('2', s)
const green = (s) => paint('32', s)
const log = (msg) => console.log(`${paint('36', '[dev]')} ${msg}`)
const warn = (msg) => console.warn(`${paint('33', '[dev]')} ${msg}`)

// ---------------------------------------------------------------------------------------------
// Child processes: each runs in its own process group so that stopping it also stops what it
// spawned (wrangler starts workerd). stdin is not inherited: a background process group that
// reads the terminal would be stopped by SIGTTIN.
// ---------------------------------------------------------------------------------------------

/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set()
let shuttingDown = false

/** Starts a long-running child with its own process group; stdout/stderr go to this terminal. */
function startChild(name, command, args, { env = {}, stdio = ['ignore', 'inherit', 'inherit'] } = {}) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio, detached: true })
  child.displayName = name
  children.add(child)
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child)
      resolve({ code, signal })
    })
    child.once('error', (err) => {
      children.delete(child)
      warn(`${name} failed to start: ${err.message}`)
      resolve({ code: 1, signal: null })
    })
  })
  return child
}

/** Puts a child started elsewhere (in its own process group) under this script's shutdown. */
function track(child, name) {
  child.displayName = name
  children.add(child)
  child.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child)
      resolve({ code, signal })
    })
  })
}

/** Runs a command to completion; throws if it fails. */
async function runChild(name, command, args, options) {
  const { code, signal } = await startChild(name, command, args, options).exited
  if (shuttingDown) return
  if (code !== 0) throw new Error(`${name} failed (${signal ? `signal ${signal}` : `exit code ${code}`})`)
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

/** Stops every child group: the given signal first, SIGKILL after a grace period. */
async function stopChildren(signal = 'SIGTERM', graceMs = 5000) {
  const running = [...children]
  for (const child of running) signalGroup(child, signal)
  const timer = setTimeout(() => {
    for (const c of running) signalGroup(c, 'SIGKILL')
  }, graceMs)
  await Promise.all(running.map((c) => c.exited))
  clearTimeout(timer)
  // workerd may outlive wrangler briefly; make sure the groups are gone.
  for (const child of running) signalGroup(child, 'SIGKILL')
}

async function shutdown(exitCode, signal = 'SIGTERM') {
  if (shuttingDown) return
  shuttingDown = true
  if (children.size > 0) log(`stopping (${[...children].map((c) => c.displayName).join(', ')})...`)
  await stopChildren(signal)
  process.exit(exitCode)
}

function installSignalHandlers() {
  let received = 0
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      received += 1
      if (received > 1) {
        // Second Ctrl+C: do not wait any longer.
        for (const child of children) signalGroup(child, 'SIGKILL')
        process.exit(130)
      }
      // A requested stop is a clean exit (npm would otherwise print a failure for it).
      void shutdown(0, sig === 'SIGHUP' ? 'SIGTERM' : sig)
    })
  }
  process.on('exit', () => {
    for (const child of children) signalGroup(child, 'SIGKILL')
  })
}

// ---------------------------------------------------------------------------------------------
// Step 1: .dev.vars
// ---------------------------------------------------------------------------------------------

/** Parses dotenv-style `KEY=value` / `KEY = "value"` lines. */
function parseDevVars(text) {
  const vars = {}
  for (const line of text.split(/\r?\n/)) {
    const m = line.match(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/)
    if (!m) continue
    let value = m[2]
    value = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value.replace(/#.*$/, '').trim() // as dotenv does
    vars[m[1]] = value
  }
  return vars
}

/** The local secrets `npm run dev` generates when .dev.vars lacks them (kept once written). */
const GENERATED_SECRETS = ['ADMIN_TOKEN', 'PAYOUT_KEY_SECRET']

/** Makes sure .dev.vars exists and holds each generated secret; returns the parsed variables. */
function ensureDevVars() {
  const text = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, 'utf8') : ''
  const vars = parseDevVars(text)
  const missing = GENERATED_SECRETS.filter((name) => !vars[name])
  if (missing.length === 0) {
    log(`.dev.vars: using existing ${GENERATED_SECRETS.join(', ')}`)
    return vars
  }
  const added = Object.fromEntries(missing.map((name) => [name, randomBytes(32).toString('hex')]))
  const lines = missing.map((name) => `${name}=${added[name]}\n`).join('')
  if (text === '') {
    writeFileSync(DEV_VARS, `# Local secrets for wrangler dev (gitignored). See .dev.vars.example.\n${lines}`, {
      mode: 0o600,
    })
    log(`.dev.vars: created with a random ${missing.join(' and ')}`)
  } else {
    appendFileSync(DEV_VARS, `${text.endsWith('\n') ? '' : '\n'}${lines}`)
    log(`.dev.vars: added a random ${missing.join(' and ')}`)
  }
  return { ...vars, ...added }
}

// ---------------------------------------------------------------------------------------------
// Step 2: D1 migrations
// ---------------------------------------------------------------------------------------------

function wranglerArgs(args) {
  // Run wrangler's own entry point with this Node: no npx layer between us and the process group.
  return existsSync(WRANGLER_JS) ? [process.execPath, [WRANGLER_JS, ...args]] : ['npx', ['wrangler', ...args]]
}

async function applyMigrations() {
  log('applying D1 migrations (local)...')
  const [cmd, args] = wranglerArgs(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', PERSIST_DIR])
  // stdin is not a TTY, so wrangler answers its "continue?" prompt with the default (yes); CI=true makes
  // that explicit.
  await runChild('wrangler d1 migrations', cmd, args, { env: { CI: 'true' } })
}

// ---------------------------------------------------------------------------------------------
// Step 3: the local chain
// ---------------------------------------------------------------------------------------------

/**
 * Starts anvil (its state is saved to .dev/anvil-state.json, so payments in the local D1 and the chain
 * stay in step across restarts), deploys the test contracts on a fresh chain and switches to a block
 * every BLOCK_SECONDS so confirmations accumulate. Returns the CHAINS value for the gateway.
 */
async function startLocalChain() {
  await assertPortFree(ANVIL_PORT, 'ANVIL_PORT')
  mkdirSync(dirname(ANVIL_STATE), { recursive: true })
  log(`starting anvil on http://${HOST}:${ANVIL_PORT} (chain ${LOCAL_CHAIN_ID}) ...`)
  const anvil = await startAnvil({ port: ANVIL_PORT, args: ['--state', ANVIL_STATE, '--state-interval', '10'] })
  track(anvil.child, 'anvil')
  anvil.child.once('exit', () => {
    if (!shuttingDown) {
      warn('anvil exited')
      void shutdown(1)
    }
  })
  const contracts = await ensureLocalContracts(anvil.rpcUrl)
  log(
    `${contracts.deployed ? 'deployed' : 'found'} USDC ${contracts.usdc}, USDT ${contracts.usdt}, ETH/USD feed ${contracts.ethUsdFeed}`,
  )
  const res = await fetch(anvil.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'evm_setIntervalMining', params: [BLOCK_SECONDS] }),
  })
  if (!res.ok) throw new Error(`anvil refused evm_setIntervalMining: ${res.status}`)
  return { rpcUrl: anvil.rpcUrl, contracts, chains: JSON.stringify(localChainsConfig(anvil.rpcUrl, contracts)) }
}

/** Fires the gateway's cron every minute, as production does (maintenance, billing, payouts, sweep, watchdog). */
function startCronTicker() {
  const url = `${BASE_URL}/__scheduled?cron=*+*+*+*+*`
  const timer = setInterval(() => {
    fetch(url, { signal: AbortSignal.timeout(CRON_EVERY_MS) })
      .then((r) => r.arrayBuffer())
      .catch(() => {
        // the gateway logs its own failures
      })
  }, CRON_EVERY_MS)
  timer.unref()
}

// ---------------------------------------------------------------------------------------------
// Step 4: wrangler dev
// ---------------------------------------------------------------------------------------------

/** Fails early if something already listens on the port (we would otherwise talk to it). */
function assertPortFree(port, variable = 'PORT') {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', (err) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} is already in use (set ${variable}=... to use another)`
            : err.message,
        ),
      ),
    )
    server.listen(port, HOST, () => server.close(resolve))
  })
}

/**
 * Starts `wrangler dev`. `vars` become `--var KEY:VALUE` (e.g. RPC_URL_31337 for a local chain).
 * Returns the child; its `exited` promise resolves when it stops.
 */
async function startGateway({ port = PORT, vars = {} } = {}) {
  await assertPortFree(port)
  const varArgs = Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`])
  const [cmd, args] = wranglerArgs([
    'dev',
    '--ip',
    HOST,
    '--port',
    String(port),
    '--persist-to',
    PERSIST_DIR,
    '--test-scheduled',
    ...varArgs,
  ])
  log(`starting wrangler dev on ${BASE_URL} ...`)
  const child = startChild('wrangler dev', cmd, args)
  child.exited.then(({ code, signal }) => {
    if (shuttingDown) return
    warn(`wrangler dev exited (${signal ? `signal ${signal}` : `code ${code}`})`)
    void shutdown(code || 1)
  })
  return child
}

/** Polls `url` until it answers 200, the child exits, or the timeout passes. */
async function waitForHttp(url, child, timeoutMs = READY_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs
  let exited = false
  child.exited.then(() => (exited = true))
  while (Date.now() < deadline) {
    if (exited) throw new Error('wrangler dev exited before it was ready')
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) })
      await res.arrayBuffer()
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    await sleep(300)
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000}s`)
}

// ---------------------------------------------------------------------------------------------
// Step 5: demo merchant
// ---------------------------------------------------------------------------------------------

async function api(method, path, token, body) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(15_000),
  })
  const text = await res.text()
  let json = null
  try {
    json = JSON.parse(text)
  } catch {
    // not JSON
  }
  return { status: res.status, json, text }
}

function describeError(res) {
  const err = res.json?.error
  return err ? `${res.status} ${err.code}: ${err.message}` : `${res.status} ${res.text.slice(0, 200)}`
}

function readDemoMerchant() {
  try {
    const saved = JSON.parse(readFileSync(DEMO_FILE, 'utf8'))
    return saved?.test_key?.key ? saved : null
  } catch {
    return null
  }
}

/** True while the saved test key is accepted by this gateway's database. */
async function testKeyWorks(testKey) {
  const res = await api('GET', '/v1/payments?limit=1', testKey)
  return res.status === 200 || res.status === 429 // 429: the key is valid, only rate-limited
}

async function createDemoMerchant(adminToken) {
  const res = await api('POST', '/v1/merchants', adminToken, DEMO_MERCHANT)
  if (res.status !== 201 || !res.json?.data) throw new Error(`POST /v1/merchants: ${describeError(res)}`)
  const m = res.json.data
  const byMode = (mode) => {
    const k = m.api_keys.find((key) => key.mode === mode)
    return k ? { id: k.id, key: k.key, signing_secret: k.signing_secret } : null
  }
  const saved = {
    id: m.id,
    name: m.name,
    email: m.email,
    merchant_key: m.merchant_key,
    test_key: byMode('test'),
    live_key: byMode('live'),
    created_at: m.created_at,
  }
  mkdirSync(dirname(DEMO_FILE), { recursive: true })
  writeFileSync(DEMO_FILE, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 })
  return saved
}

/** Registers a demo wallet; an existing one (409) is fine. */
async function ensureDemoWallet(key, wallet) {
  const res = await api('POST', '/v1/wallets', key, wallet)
  if (res.status === 201) return 'registered'
  if (res.status === 409) return 'already registered'
  throw new Error(`POST /v1/wallets: ${describeError(res)}`)
}

/** Reuses .dev/demo-merchant.json while its test key works, otherwise creates a new merchant. */
async function seedDemoMerchant(adminToken, chain) {
  let merchant = readDemoMerchant()
  if (merchant && (await testKeyWorks(merchant.test_key.key))) {
    log(`demo merchant: reusing ${merchant.id} from .dev/demo-merchant.json`)
  } else {
    if (merchant) log('demo merchant: saved test key no longer works (state reset?), creating a new one')
    merchant = await createDemoMerchant(adminToken)
    log(`demo merchant: created ${merchant.id} (saved to .dev/demo-merchant.json)`)
  }
  // Test mode needs no wallet: listing the wallets shows (and creates) the gateway's sandbox wallet.
  const wallets = await api('GET', '/v1/wallets', merchant.test_key.key)
  const sandbox = wallets.json?.data?.find((w) => w.sandbox && w.in_use)
  log(
    sandbox
      ? `demo test mode: zero-setup sandbox wallet on chain ${sandbox.chain_id} (${sandbox.id})`
      : "demo test mode: uses the merchant's own test wallet",
  )
  if (chain && merchant.live_key?.key) {
    const live = await ensureDemoWallet(merchant.live_key.key, DEMO_LIVE_WALLET)
    log(`demo LIVE wallet (chain ${DEMO_LIVE_WALLET.chain_id}, anvil): ${live}`)
  }
  return merchant
}

// ---------------------------------------------------------------------------------------------
// Step 6: banner
// ---------------------------------------------------------------------------------------------

function printBanner(merchant, chain) {
  const key = merchant?.test_key?.key
  const auth = `-H "Authorization: Bearer ${key}"`
  const pick = (field) => `node -pe 'JSON.parse(require("fs").readFileSync(0)).data.${field}'`
  const create = (amount) =>
    `curl -s ${BASE_URL}/v1/payments ${auth} -H "Content-Type: application/json" -d '${JSON.stringify({ amount, currency: 'USD' })}'`
  const oneLiner = `ID=$(${create('10.00')} | ${pick('id')}); sleep 3; curl -s ${BASE_URL}/v1/payments/$ID ${auth}`
  const line = '─'.repeat(72)
  const lines = [
    '',
    line,
    bold(green('  BitxPay gateway is running')),
    line,
    `  Gateway        ${BASE_URL}`,
    `  API docs       ${BASE_URL}/docs   ${dim(`(OpenAPI: ${BASE_URL}/openapi.json)`)}`,
    `  Cron trigger   ${BASE_URL}/__scheduled?cron=*+*+*+*+*`,
  ]
  if (merchant) {
    lines.push(
      '',
      `  Demo merchant  ${merchant.id}`,
      `  merchant_key   ${merchant.merchant_key}`,
      `  Test API key   ${key}`,
      `  ${dim('(all keys and signing secrets: .dev/demo-merchant.json; admin token: .dev.vars)')}`,
      '',
      bold('  Zero-setup sandbox') + dim(' (test key, no wallet, nothing to configure):'),
      dim('  test payments get addresses from a sandbox wallet the gateway derives for the merchant'),
      dim(`  (GET /v1/wallets shows it). 10.00 completes after ~2 s, 20.00 fails, 30.00 stays processing;`),
      dim('  any other amount waits, and its hosted page has "Test mode" buttons to simulate the payment.'),
      '',
      `  ${oneLiner}`,
      '',
      bold("  Open a test payment's hosted page") + dim(' (banner + simulate buttons):'),
      '',
      `  ${create('12.00')} | ${pick('hosted_url')}`,
      '',
      bold('  The same on the other surfaces') +
        dim(' (links, BitPay /invoices, CryptoPay /api/payment-orders/ with blockchain "anvil"):'),
      '',
      `  curl -s ${BASE_URL}/api/v1/payments/links ${auth} -H "Content-Type: application/json" -d '${JSON.stringify({ merchant_key: merchant.merchant_key, order_currency: 'USD', order_amount: '10.00', payment_name: 'Demo', payer_email: 'buyer@example.com', success_url: 'https://example.com/ok', cancel_url: 'https://example.com/cancel' })}'`,
    )
    const liveKey = merchant.live_key?.key
    if (chain && liveKey) {
      const liveBody = JSON.stringify({ amount: '10.00', currency: 'USD', chain_id: LOCAL_CHAIN_ID, token: 'USDC' })
      const liveCreate = `curl -s ${BASE_URL}/v1/payments -H "Authorization: Bearer ${liveKey}" -H "Content-Type: application/json" -d '${liveBody}'`
      const pick = (field) => `node -pe 'JSON.parse(require("fs").readFileSync(0)).data.${field}'`
      lines.push(
        '',
        bold('  Take a real payment on the local chain') +
          dim(` (anvil ${chain.rpcUrl}, chain ${LOCAL_CHAIN_ID}, live key):`),
        '',
        `  Live API key   ${liveKey}`,
        `  Test tokens    USDC ${chain.contracts.usdc}  USDT ${chain.contracts.usdt}  ${dim('(6 decimals)')}`,
        '',
        `  P=$(${liveCreate})`,
        `  ${ANVIL_PORT === 8545 ? '' : `RPC_URL=${chain.rpcUrl} `}node scripts/pay-local.mjs $(echo "$P" | ${pick('deposit_address')}) 10 USDC`,
        `  sleep 15; curl -s ${BASE_URL}/v1/payments/$(echo "$P" | ${pick('id')}) -H "Authorization: Bearer ${liveKey}"`,
        '',
        dim(`  A block is mined every ${BLOCK_SECONDS} s and the chain's watcher scans at block time, so the payment`),
        dim('  goes processing, then completed at its depth (medium = 2 blocks). ETH works too: token "ETH",'),
        dim('  then `node scripts/pay-local.mjs <address> 0.01 ETH`.'),
      )
    }
  } else {
    lines.push(
      '',
      `  ${paint('33', 'No demo merchant (seeding failed, see above).')} Create one with: npm run merchant:create -- --name "Acme" --email ops@acme.com`,
    )
  }
  lines.push('', dim('  Ctrl+C stops everything.'), line, '')
  console.log(lines.join('\n'))
}

// ---------------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------------

async function main() {
  installSignalHandlers()
  const vars = ensureDevVars()
  await applyMigrations()
  if (shuttingDown) return

  const chain = process.env.NO_ANVIL ? null : await startLocalChain()
  if (shuttingDown) return

  const gateway = await startGateway({ vars: chain ? { CHAINS: chain.chains } : {} })
  await waitForHttp(`${BASE_URL}/openapi.json`, gateway)
  if (shuttingDown) return
  log(`gateway is answering on ${BASE_URL}`)
  startCronTicker()

  let merchant = null
  try {
    merchant = await seedDemoMerchant(vars.ADMIN_TOKEN, chain)
  } catch (err) {
    // Keep the gateway running: its logs above usually say what went wrong.
    warn(`seeding the demo merchant failed: ${err.message}`)
  }
  if (shuttingDown) return
  printBanner(merchant, chain)
  await gateway.exited
}

main().catch(async (err) => {
  if (shuttingDown) return
  warn(`error: ${err.message}`)
  await shutdown(1)
})
