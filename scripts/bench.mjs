#!/usr/bin/env node
/**
 * `npm run bench`: HTTP throughput/latency of the gateway's hot paths through `wrangler dev`,
 * measured against a bare D1 worker (bench/baseline) in the same run, on loopback only.
 *
 *   baseline  POST /insert            one D1 insert         (platform floor for "create payment")
 *   baseline  GET  /select/:id        one D1 select by PK   (platform floor for "get payment")
 *   gateway   POST /v1/payments       create payment, test key
 *   gateway   GET  /v1/payments/:id   get payment, test key
 *
 * Each server gets its own `wrangler dev` (own free port, own temporary --persist-to directory,
 * migrations applied first) and runs alone: baseline first, then the gateway, so the two never
 * compete for CPU. Both serve a bundle built once up front (`wrangler deploy --dry-run --outdir`,
 * then `wrangler dev <bundle> --no-bundle`), so edits to src/ during a run cannot reload the worker.
 * Every measured run is preceded by a short warm-up with the same load.
 *
 * Output: a table on stdout, a markdown table ready to paste, and bench/results.json.
 * Exit code 1 when a scenario has more than 1% non-2xx responses or connection errors (a broken
 * bench, not a slow one) or when anything else fails; there are no timing assertions.
 *
 * Then the chain-scan section (scripts/bench-scan.mjs): RPC requests and wall time per cron tick for
 * 10 / 1,000 / 10,000 open payments against anvil, and the latency from a mined transfer to
 * `completed`; written to bench/scan-results.json.
 *
 * Environment: BENCH_SECONDS (measured seconds per scenario, default 10),
 *              BENCH_WARMUP_SECONDS (default 2), BENCH_CONNECTIONS (default 20),
 *              BENCH_ONLY (`http`, `webhooks` or `scan`: run one section), BENCH_WEBHOOK_* (scripts/bench-webhooks.mjs), and the BENCH_SCAN_* variables
 *              described in scripts/bench-scan.mjs.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { reportScan, runScanBench } from './bench-scan.mjs'
import { reportWebhooks, runWebhookBench } from './bench-webhooks.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const WRANGLER = path.join(ROOT, 'node_modules', '.bin', 'wrangler')
const HOST = '127.0.0.1'

const SECONDS = positiveNumber('BENCH_SECONDS', 10)
const ONLY = process.env.BENCH_ONLY ?? ''
if (!['', 'http', 'scan', 'webhooks'].includes(ONLY))
  throw new Error(`BENCH_ONLY must be http, scan or webhooks, got ${JSON.stringify(ONLY)}`)
const WARMUP_SECONDS = positiveNumber('BENCH_WARMUP_SECONDS', 2)
const CONNECTIONS = positiveNumber('BENCH_CONNECTIONS', 20)
const READY_TIMEOUT_MS = 60_000
const COMMAND_TIMEOUT_MS = 120_000
/** Share of failed requests (non-2xx + connection errors) above which the bench is broken. */
const MAX_FAILURE_RATE = 0.01

const ADMIN_TOKEN = 'bench-admin'
const XPUB =
  'xpub6CeDpm2b5qtk96oy8yvM572W6cLZSvU5vnpKmKPypbfFwXo86SyT7VtfwWtMZAgZ5eKVMU9NnULt91HBFw9j62wJrcoc1ZRWiNvoorwBRXL'
const PAYMENT_BODY = JSON.stringify({ amount: '12.50', currency: 'USD', chain_id: 31337, token: 'ETH' })
const JSON_HEADERS = { 'content-type': 'application/json' }

/** Environment for every wrangler process: no telemetry, no prompts. */
const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' }

/**
 * @typedef {object} Server
 * @property {string} name
 * @property {string} url            http://127.0.0.1:<port>
 * @property {import('node:child_process').ChildProcess} child
 * @property {() => string} output   last lines of its stdout + stderr
 * @property {() => number} reloads  how many times wrangler reported a reload so far
 * @property {{ code: number | null, signal: string | null } | null} exited
 */

/** @type {Set<import('node:child_process').ChildProcess>} process groups to kill on the way out */
const children = new Set()
/** @type {string | undefined} temporary root of the --persist-to directories */
let tmpDir

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

/** @returns {Promise<number>} a free TCP port on the loopback interface */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, HOST, () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address())
      server.close(() => resolve(port))
    })
  })
}

/**
 * Spawns `wrangler <args>` in its own process group (so the whole tree can be killed) and keeps the
 * tail of its output.
 * @param {string[]} args
 * @param {string} cwd
 * @param {(line: string) => void} [onLine]  sees every output line (the scan section reads the worker's logs)
 */
function spawnWrangler(args, cwd, onLine) {
  const child = spawn(WRANGLER, args, { cwd, env: WRANGLER_ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  child.on('exit', () => children.delete(child))
  /** @type {string[]} */
  const lines = []
  let reloads = 0
  const collect = (/** @type {Buffer} */ chunk) => {
    // Strip colours from wrangler/esbuild messages.
    for (const line of chunk
      .toString()
      .replace(/\x1b\[[0-9;]*m/g, '')
      .split('\n')) {
      if (!line.trim()) continue
      if (/reloading/i.test(line)) reloads++
      onLine?.(line)
      lines.push(line)
      if (lines.length > 200) lines.shift()
    }
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  return { child, output: () => lines.join('\n'), reloads: () => reloads }
}

/**
 * Runs a wrangler command to completion.
 * @param {string[]} args
 * @param {string} cwd
 */
async function runWrangler(args, cwd) {
  const { child, output } = spawnWrangler(args, cwd)
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), COMMAND_TIMEOUT_MS)
  const code = await new Promise((resolve) => child.on('close', resolve)).finally(() => clearTimeout(timer))
  if (code !== 0) throw new Error(`wrangler ${args.join(' ')} exited with ${code}:\n${output()}`)
}

/**
 * Bundles the worker of `config` once into `outDir` (`wrangler deploy --dry-run`, no network) and
 * returns the bundle's entry file.
 * @param {string} config
 * @param {string} outDir
 */
async function bundle(config, outDir) {
  await runWrangler(['deploy', '--dry-run', '--config', config, '--outdir', outDir], path.dirname(config))
  const scripts = (await readdir(outDir)).filter((f) => /\.m?js$/.test(f))
  const entry = scripts.includes('index.js') ? 'index.js' : scripts.length === 1 ? scripts[0] : undefined
  if (!entry) throw new Error(`cannot tell the entry of the bundle in ${outDir}: ${scripts.join(', ')}`)
  return path.join(outDir, entry)
}

/**
 * Applies the D1 migrations of `config` to a fresh local database in `workDir`, bundles the worker
 * and starts `wrangler dev` on that frozen bundle on a free loopback port. Serving a bundle rather
 * than the sources keeps wrangler from reloading mid-run when someone edits src/ (it watches them).
 * @param {{ name: string, config: string, workDir: string, vars?: Record<string, string> }} options
 * @returns {Promise<Server>}
 */
async function startWrangler({ name, config, workDir, vars = {} }) {
  const cwd = path.dirname(config)
  const persistTo = path.join(workDir, 'state')
  await mkdir(persistTo, { recursive: true })
  await runWrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--config', config, '--persist-to', persistTo], cwd)
  const entry = await bundle(config, path.join(workDir, 'bundle'))

  const port = await freePort()
  const inspectorPort = await freePort()
  const args = [
    'dev',
    entry,
    '--no-bundle',
    '--config',
    config,
    '--ip',
    HOST,
    '--port',
    String(port),
    '--persist-to',
    persistTo,
  ]
  // Own inspector port: the default 9229 may be taken by another wrangler dev on this machine.
  args.push('--inspector-ip', HOST, '--inspector-port', String(inspectorPort))
  args.push('--show-interactive-dev-session=false')
  for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`)

  const { child, output, reloads } = spawnWrangler(args, cwd)
  /** @type {Server} */
  const server = { name, url: `http://${HOST}:${port}`, child, output, reloads, exited: null }
  child.on('exit', (code, signal) => {
    server.exited = { code, signal }
  })
  await waitReady(server)
  return server
}

/**
 * Resolves once the server answers HTTP at all (any status); rejects if wrangler exits first or
 * after READY_TIMEOUT_MS.
 * @param {Server} server
 */
async function waitReady(server) {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    assertAlive(server)
    try {
      await fetch(server.url, { signal: AbortSignal.timeout(2_000) })
      return
    } catch {
      await sleep(250)
    }
  }
  assertAlive(server)
  throw new Error(
    `${server.name}: wrangler dev did not answer HTTP on ${server.url} within ${READY_TIMEOUT_MS / 1000} s. Its output:\n${server.output()}`,
  )
}

/** @param {Server} server */
function assertAlive(server) {
  if (server.exited) {
    const how = server.exited.signal ?? `code ${server.exited.code}`
    throw new Error(`${server.name}: wrangler dev exited (${how}). Its output:\n${server.output()}`)
  }
}

/**
 * @param {import('node:child_process').ChildProcess} child
 * @param {NodeJS.Signals} signal
 */
function killGroup(child, signal) {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // group already gone
  }
}

/**
 * Stops a process group: SIGTERM, then SIGKILL for whatever is left (workerd outlives a wrangler
 * that is killed hard).
 * @param {import('node:child_process').ChildProcess} child
 */
async function stopGroup(child) {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    killGroup(child, 'SIGTERM')
    await Promise.race([exited, sleep(5_000)])
  }
  killGroup(child, 'SIGKILL')
  children.delete(child)
}

/** @param {Server} server */
async function stopServer(server) {
  await stopGroup(server.child)
}

/** Stops every wrangler still running and removes the temporary persistence directories. */
async function cleanUp() {
  await Promise.all([...children].map(stopGroup))
  if (tmpDir) await rm(tmpDir, { recursive: true, force: true })
}

// ---------------------------------------------------------------------------------------------
// HTTP set-up calls
// ---------------------------------------------------------------------------------------------

/**
 * One JSON request that must answer `expect`; returns the parsed body.
 * @param {Server} server
 * @param {string} method
 * @param {string} pathname
 * @param {{ token?: string, body?: unknown, expect: number }} options
 */
async function call(server, method, pathname, { token, body, expect }) {
  /** @type {Record<string, string>} */
  const headers = {}
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(server.url + pathname, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  })
  const text = await res.text()
  if (res.status !== expect) {
    throw new Error(`${server.name}: ${method} ${pathname} answered ${res.status}, expected ${expect}: ${text}`)
  }
  return JSON.parse(text)
}

/**
 * The gateway's cost counters (INSTRUMENT=1, src/instrument.ts), read once they stop moving so the
 * work a request leaves behind (queue fan-out, alarms) is counted with it.
 * @param {Server} server
 * @returns {Promise<Costs | undefined>} undefined for a server without counters (the baseline)
 */
async function settledCosts(server) {
  /** @type {Costs | undefined} */
  let last
  for (let i = 0; i < 40; i++) {
    const res = await fetch(`${server.url}/__costs`, { signal: AbortSignal.timeout(10_000) })
    if (res.status !== 200) return undefined
    const now = /** @type {Costs} */ (await res.json())
    if (last && JSON.stringify(last) === JSON.stringify(now)) return now
    last = now
    await sleep(500)
  }
  return last
}

/**
 * @typedef {{ d1RoundTrips: number, d1Statements: number, doCalls: number, queueMessages: number }} Costs
 */

/**
 * Per-unit cost between two counter readings.
 * @param {Costs | undefined} before
 * @param {Costs | undefined} after
 * @param {number} units
 */
function costPer(before, after, units) {
  if (!before || !after || units === 0) return undefined
  const per = (/** @type {keyof Costs} */ k) => round((after[k] - before[k]) / units, 2)
  return {
    d1_round_trips: per('d1RoundTrips'),
    d1_statements: per('d1Statements'),
    do_calls: per('doCalls'),
    queue_messages: per('queueMessages'),
  }
}

/**
 * Creates the bench merchant (high test rate limit) and its wallet.
 * @param {Server} gateway
 * @returns {Promise<string>} the merchant's test API key
 */
async function setUpMerchant(gateway) {
  const merchant = await call(gateway, 'POST', '/v1/merchants', {
    token: ADMIN_TOKEN,
    body: { name: 'Bench', email: 'bench@example.com', rate_limit_test: 1_000_000 },
    expect: 201,
  })
  const testKey = merchant.data.api_keys.find((/** @type {{ mode: string }} */ k) => k.mode === 'test')?.key
  if (!testKey) throw new Error(`POST /v1/merchants returned no test key: ${JSON.stringify(merchant)}`)
  await call(gateway, 'POST', '/v1/wallets', { token: testKey, body: { chain_id: 31337, xpub: XPUB }, expect: 201 })
  return testKey
}

// ---------------------------------------------------------------------------------------------
// Load
// ---------------------------------------------------------------------------------------------

/**
 * @typedef {object} Scenario
 * @property {string} name
 * @property {Server} server
 * @property {string} method
 * @property {string} path
 * @property {string} route          path pattern for the report, e.g. GET /select/:id
 * @property {Record<string, string>} [headers]
 * @property {string} [body]
 */

/**
 * The part of autocannon's result the bench reads (the package ships no types).
 * @typedef {object} AutocannonResult
 * @property {number} duration        seconds
 * @property {number} errors          connection errors, timeouts included
 * @property {number} timeouts
 * @property {number} non2xx
 * @property {Record<string, { count: number }>} statusCodeStats
 * @property {{ p50: number, p99: number }} latency   milliseconds
 * @property {{ total: number }} requests             completed responses
 */

/**
 * One autocannon run.
 * @param {Scenario} scenario
 * @param {number} seconds
 * @returns {Promise<AutocannonResult>}
 */
function runAutocannon(scenario, seconds) {
  return autocannon({
    title: scenario.name,
    url: scenario.server.url + scenario.path,
    method: scenario.method,
    headers: scenario.headers,
    body: scenario.body,
    connections: CONNECTIONS,
    duration: seconds,
  })
}

/**
 * Warm-up, then the measured run; fails if the server died or reloaded meanwhile.
 * @param {Scenario} scenario
 */
async function measure(scenario) {
  process.stdout.write(`  ${scenario.name}: warm-up ${WARMUP_SECONDS} s, measuring ${SECONDS} s ... `)
  await runAutocannon(scenario, WARMUP_SECONDS)
  const costsBefore = await settledCosts(scenario.server)
  const reloadsBefore = scenario.server.reloads()
  const result = await runAutocannon(scenario, SECONDS)
  assertAlive(scenario.server)
  const costs = costPer(costsBefore, await settledCosts(scenario.server), result.requests.total)
  const summary = { ...summarize(scenario, result, scenario.server.reloads() - reloadsBefore), costs }
  console.log(`${fmt(summary.rps)} req/s, p99 ${fmt(summary.p99_ms)} ms`)
  return summary
}

/**
 * @param {Scenario} scenario
 * @param {AutocannonResult} result
 * @param {number} reloads  wrangler reloads seen during the measured run (source edits)
 */
function summarize(scenario, result, reloads) {
  const failures = result.non2xx + result.errors
  const attempts = result.requests.total + result.errors
  return {
    scenario: scenario.name,
    server: scenario.server.name,
    route: scenario.route,
    requests: result.requests.total,
    seconds: result.duration,
    rps: round(result.requests.total / result.duration, 1),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    failure_rate: attempts === 0 ? 1 : round(failures / attempts, 4),
    status_codes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
    reloads,
  }
}

/** @typedef {ReturnType<typeof summarize>} Summary */

/**
 * @param {string} label
 * @param {Summary} gateway
 * @param {Summary} baseline
 */
function ratio(label, gateway, baseline) {
  return {
    comparison: label,
    throughput_ratio: round(gateway.rps / baseline.rps, 2),
    p99_ratio: round(gateway.p99_ms / baseline.p99_ms, 2),
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

/**
 * @param {number} n
 * @param {number} digits
 */
function round(n, digits) {
  return Number(n.toFixed(digits))
}

/** @param {number} n */
function fmt(n, digits = n >= 100 ? 0 : 1) {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n)
}

/**
 * @param {string[]} header
 * @param {string[][]} rows
 */
function textTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (/** @type {string[]} */ cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/**
 * @param {string[]} header
 * @param {string[][]} rows
 */
function markdownTable(header, rows) {
  const line = (/** @type {string[]} */ cells) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n')
}

/**
 * @param {Summary[]} summaries
 * @param {ReturnType<typeof ratio>[]} ratios
 * @param {Record<string, unknown>} meta
 */
function report(summaries, ratios, meta) {
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors']
  const rows = summaries.map((s) => [
    s.scenario,
    fmt(s.rps),
    fmt(s.p50_ms),
    fmt(s.p99_ms),
    String(s.non2xx),
    String(s.errors),
  ])
  const ratioHeader = ['gateway / baseline', 'throughput', 'p99 latency']
  const ratioRows = ratios.map((r) => [r.comparison, `${r.throughput_ratio.toFixed(2)}×`, `${r.p99_ratio.toFixed(2)}×`])

  console.log(`\n${textTable(header, rows)}\n\n${textTable(ratioHeader, ratioRows)}\n`)
  console.log('Markdown:\n')
  console.log(
    `${CONNECTIONS} connections, ${SECONDS} s per scenario after ${WARMUP_SECONDS} s warm-up, wrangler ${meta.wrangler} on ` +
      `${meta.cpus}× ${meta.cpu_model}, Node ${process.versions.node}, ${String(meta.date).slice(0, 10)}.\n`,
  )
  console.log(markdownTable(header, rows))
  console.log()
  console.log(markdownTable(ratioHeader, ratioRows))
  console.log()
  const costHeader = [
    'per request (incl. the work it leaves behind)',
    'D1 round trips',
    'D1 statements',
    'DO calls',
    'queue messages',
  ]
  const costRows = summaries.flatMap((s) =>
    s.costs
      ? [
          [
            s.scenario,
            fmt(s.costs.d1_round_trips, 2),
            fmt(s.costs.d1_statements, 2),
            fmt(s.costs.do_calls, 2),
            fmt(s.costs.queue_messages, 2),
          ],
        ]
      : [],
  )
  if (costRows.length > 0) {
    console.log(markdownTable(costHeader, costRows))
    console.log()
  }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

/**
 * Starts one server, prepares its scenarios, measures them one after the other and stops it.
 * Reads run before writes: every created payment leaves webhook fan-out work in the queue, which
 * would otherwise still be running during the read scenario.
 * @param {Parameters<typeof startWrangler>[0]} options
 * @param {(server: Server) => Promise<Scenario[]>} prepare
 */
async function benchServer(options, prepare) {
  console.log(`${options.name}: starting wrangler dev (${path.relative(ROOT, options.config)}) ...`)
  const server = await startWrangler(options)
  try {
    const scenarios = await prepare(server)
    /** @type {Summary[]} */
    const summaries = []
    for (const scenario of scenarios) summaries.push(await measure(scenario))
    return summaries
  } finally {
    await stopServer(server)
  }
}

async function main() {
  tmpDir = await mkdtemp(path.join(os.tmpdir(), 'bitxpay-bench-'))
  const tmp = tmpDir
  try {
    if (ONLY === 'scan') return await scanSection(tmp)
    if (ONLY === 'webhooks') return await webhookSection(tmp)
    const [select, insert] = await benchServer(
      {
        name: 'baseline',
        config: path.join(ROOT, 'bench', 'baseline', 'wrangler.toml'),
        workDir: path.join(tmp, 'baseline'),
      },
      async (baseline) => {
        const row = await call(baseline, 'POST', '/insert', { body: PAYMENT_BODY, expect: 201 })
        return [
          {
            name: 'baseline select',
            server: baseline,
            method: 'GET',
            path: `/select/${row.id}`,
            route: 'GET /select/:id',
          },
          {
            name: 'baseline insert',
            server: baseline,
            method: 'POST',
            path: '/insert',
            route: 'POST /insert',
            headers: JSON_HEADERS,
            body: PAYMENT_BODY,
          },
        ]
      },
    )
    const [get, create] = await benchServer(
      {
        name: 'gateway',
        config: path.join(ROOT, 'wrangler.toml'),
        workDir: path.join(tmp, 'gateway'),
        vars: { ADMIN_TOKEN, INSTRUMENT: '1' },
      },
      async (gateway) => {
        const key = await setUpMerchant(gateway)
        const auth = { authorization: `Bearer ${key}` }
        const payment = await call(gateway, 'POST', '/v1/payments', { token: key, body: PAYMENT_BODY, expect: 201 })
        return [
          {
            name: 'get payment',
            server: gateway,
            method: 'GET',
            path: `/v1/payments/${payment.data.id}`,
            route: 'GET /v1/payments/:id',
            headers: auth,
          },
          {
            name: 'create payment',
            server: gateway,
            method: 'POST',
            path: '/v1/payments',
            route: 'POST /v1/payments',
            headers: { ...auth, ...JSON_HEADERS },
            body: PAYMENT_BODY,
          },
        ]
      },
    )

    const summaries = [select, insert, get, create]
    const ratios = [ratio('create payment vs insert', create, insert), ratio('get payment vs select', get, select)]
    const meta = {
      date: new Date().toISOString(),
      connections: CONNECTIONS,
      seconds: SECONDS,
      warmup_seconds: WARMUP_SECONDS,
      wrangler: JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'wrangler', 'package.json'), 'utf8')).version,
      node: process.versions.node,
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model.trim() ?? 'unknown',
    }
    report(summaries, ratios, meta)
    await writeFile(
      path.join(ROOT, 'bench', 'results.json'),
      `${JSON.stringify({ ...meta, scenarios: summaries, ratios }, null, 2)}\n`,
    )
    console.log('Wrote bench/results.json')

    let broken = false
    for (const s of summaries) {
      if (s.reloads > 0)
        console.warn(`warning: ${s.scenario}: wrangler reloaded ${s.reloads}× during the run (files edited?)`)
      if (s.failure_rate > MAX_FAILURE_RATE) {
        broken = true
        console.error(
          `error: ${s.scenario}: ${(s.failure_rate * 100).toFixed(1)}% of requests failed ` +
            `(non-2xx ${s.non2xx}, errors ${s.errors}, status codes ${JSON.stringify(s.status_codes)})`,
        )
      }
    }
    if (broken) process.exitCode = 1
    if (ONLY !== 'http') await webhookSection(tmp)
    if (ONLY !== 'http') await scanSection(tmp)
  } finally {
    await cleanUp()
  }
}

/**
 * The chain-scan section (scripts/bench-scan.mjs), run with this script's process helpers.
 * @param {string} tmp
 */
async function scanSection(tmp) {
  const scan = await runScanBench({
    root: ROOT,
    tmp,
    adminToken: ADMIN_TOKEN,
    helpers: { spawnWrangler, runWrangler, bundle, waitReady, freePort, call, stopGroup, children },
  })
  reportScan(scan)
  const meta = {
    date: new Date().toISOString(),
    node: process.versions.node,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model.trim() ?? 'unknown',
  }
  await writeFile(path.join(ROOT, 'bench', 'scan-results.json'), `${JSON.stringify({ ...meta, ...scan }, null, 2)}\n`)
  console.log('Wrote bench/scan-results.json')
}

/**
 * The webhooks section (scripts/bench-webhooks.mjs) on its own gateway.
 * @param {string} tmp
 */
async function webhookSection(tmp) {
  console.log('webhooks: starting wrangler dev ...')
  const gateway = await startWrangler({
    name: 'gateway',
    config: path.join(ROOT, 'wrangler.toml'),
    workDir: path.join(tmp, 'webhooks'),
    vars: { ADMIN_TOKEN, INSTRUMENT: '1' },
  })
  try {
    const key = await setUpMerchant(gateway)
    const result = await runWebhookBench({ server: gateway, key, call, settledCosts, costPer })
    reportWebhooks(result)
    const meta = { date: new Date().toISOString(), node: process.versions.node, cpus: os.cpus().length }
    await writeFile(
      path.join(ROOT, 'bench', 'webhook-results.json'),
      `${JSON.stringify({ ...meta, ...result }, null, 2)}\n`,
    )
    console.log('Wrote bench/webhook-results.json')
  } finally {
    await stopServer(gateway)
  }
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * @param {string} name
 * @param {number} fallback
 */
function positiveNumber(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`)
  return value
}

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping wrangler ...`)
    cleanUp().finally(() => process.exit(130))
  })
}
// Last resort if the process exits some other way: no wrangler/workerd may outlive the bench.
process.on('exit', () => {
  for (const child of children) killGroup(child, 'SIGKILL')
})

main().catch(async (error) => {
  console.error(`\nbench failed: ${error instanceof Error ? error.message : error}`)
  await cleanUp()
  process.exit(1)
})
