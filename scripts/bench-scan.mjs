// The chain-scan section of `npm run bench` (scripts/bench.mjs runs it after the HTTP section).
//
// Against a real anvil behind a counting JSON-RPC proxy on loopback, through `wrangler dev` on the
// gateway's frozen bundle:
//   - RPC requests (HTTP), JSON-RPC calls and wall time per cron tick for 10, 1,000 and 10,000 open
//     live payments (half USDC, half native ETH), and
//   - the latency from a mined transfer to `payment.completed` at a webhook receiver (USDC and native
//     ETH, depth 1 = high on chain 31337, anvil mining a block every second), p50/p99, with the largest
//     number of open payments still being watched. No cron fires there: the chain's ChainWatcher, woken
//     by the payment's creation, scans at block time on its own (CHAIN_WATCH_LOOP unset).
//
// Open payments are written straight into the local D1 (wrangler d1 execute, between runs of
// wrangler dev): the scanner reads D1 only, and creating 10,000 through the API would take minutes.
// The payments of the latency test are created through the API and paid on chain.
// A tick is fired with GET /cdn-cgi/handler/scheduled (wrangler dev); its wall time is the `ms`
// the scanner logs for the chain (D1 reads, RPC, observation writes, PaymentObject calls).
//
// The per-size ticks run with CHAIN_WATCH_LOOP=manual, so only the fired cron scans and the counts
// are one tick's.
//
// Environment: BENCH_SCAN_SIZES (default 10,1000,10000), BENCH_SCAN_TICKS (measured ticks per size,
//              default 3), BENCH_SCAN_LATENCY_RUNS (payments per token, default 10),
//              BENCH_SCAN_LATENCY_TOKENS (default USDC,ETH).

import { randomBytes, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { HDKey } from '@scure/bip32'
import { createPublicClient, createWalletClient, http, parseAbi } from 'viem'
import { quantile, startReceiver } from './bench-webhooks.mjs'
import { ANVIL_ACCOUNTS, deployLocalContracts, LOCAL_CHAIN_ID, startAnvil } from './local-chain.mjs'

const SIZES = (process.env.BENCH_SCAN_SIZES || '10,1000,10000').split(',').map(Number)
const TICKS = Number(process.env.BENCH_SCAN_TICKS || 3)
const LATENCY_RUNS = Number(process.env.BENCH_SCAN_LATENCY_RUNS || 10)
const LATENCY_TOKENS = (process.env.BENCH_SCAN_LATENCY_TOKENS || 'USDC,ETH').split(',')
const TICK_TIMEOUT_MS = 120_000
/** Rows per INSERT in the seed file (D1 limits one statement to 100 kB). */
const ROWS_PER_INSERT = 150

/**
 * @typedef {{ requests: number, calls: number, methods: Record<string, number>, maxBody: number }} Counts
 * @typedef {{ url: string, counts: Counts, reset: () => void, close: () => Promise<void> }} CountingProxy
 * @typedef {{ read: number, rpc: number, native: number, commit: number, notify: number }} Phases
 * @typedef {{ chainId: number, ok: boolean, error?: string, openPayments: number, rpcRequests: number, rpcCalls: number, ms: number, notified: number, transfers: number, phases?: Phases, seenAt?: number }} TickReport
 * @typedef {{ name: string, url: string, child: import('node:child_process').ChildProcess, output: () => string, reloads: () => number, exited: { code: number | null, signal: string | null } | null }} Server
 */

/**
 * Forwards JSON-RPC to `target` and counts what passes: HTTP requests, and the calls inside them.
 * @param {string} target
 * @returns {Promise<CountingProxy>}
 */
async function startCountingProxy(target) {
  /** @type {Counts} */
  const counts = { requests: 0, calls: 0, methods: {}, maxBody: 0 }
  const server = createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8')
      counts.requests += 1
      counts.maxBody = Math.max(
        counts.maxBody,
        chunks.reduce((n, c) => n + c.length, 0),
      )
      try {
        const parsed = JSON.parse(body)
        for (const call of Array.isArray(parsed) ? parsed : [parsed]) {
          counts.calls += 1
          counts.methods[call.method] = (counts.methods[call.method] ?? 0) + 1
        }
      } catch {
        // forwarded as is; anvil answers the parse error
      }
      try {
        const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' })
        res.end(Buffer.from(await upstream.arrayBuffer()))
      } catch (err) {
        res.writeHead(502).end(String(err))
      }
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)))
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address())
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    reset() {
      counts.requests = 0
      counts.calls = 0
      counts.methods = {}
      counts.maxBody = 0
    },
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  }
}

/**
 * @param {number} n
 */
function randomAddress(n = 20) {
  return `0x${randomBytes(n).toString('hex')}`
}

/**
 * INSERTs for `count` open live payments of `merchantId` on chain 31337 (even rows native ETH with a
 * zero baseline, odd rows USDC).
 * @param {{ merchantId: string, walletId: string, usdc: string, count: number, offset: number }} o
 */
function seedSql({ merchantId, walletId, usdc, count, offset }) {
  const now = new Date()
  const expires = new Date(now.getTime() + 6 * 3600_000).toISOString()
  const q = (/** @type {string | number | null} */ v) =>
    v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`
  const columns =
    'id, merchant_id, livemode, reference, status, amount, currency, chain_id, token, token_address, token_decimals, pay_amount, amount_received, deposit_address, wallet_id, baseline_balance, rate_source, rate, transaction_speed, confirmations, required_confirmations, expires_at, version, created_at, updated_at'
  const rows = []
  for (let i = 0; i < count; i++) {
    const native = (offset + i) % 2 === 0
    const id = randomUUID()
    rows.push(
      `(${[
        q(id),
        q(merchantId),
        1,
        q(`BNCH-${String(offset + i).padStart(8, '0')}-PMT`),
        q('pending'),
        q('10.00'),
        q('USD'),
        LOCAL_CHAIN_ID,
        q(native ? 'ETH' : 'USDC'),
        native ? 'NULL' : q(usdc),
        native ? 18 : 6,
        q(native ? '3333333333333334' : '10000000'),
        q('0'),
        q(randomAddress()),
        q(walletId),
        native ? q('0') : 'NULL',
        q('static'),
        q(native ? '3000' : '1'),
        q('medium'),
        0,
        2,
        q(expires),
        0,
        q(now.toISOString()),
        q(now.toISOString()),
      ].join(', ')})`,
    )
  }
  const statements = []
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT)
    statements.push(`INSERT INTO payments (${columns}) VALUES\n${rows.slice(i, i + ROWS_PER_INSERT).join(',\n')};`)
  return `${statements.join('\n')}\n`
}

/**
 * The median of each phase over the ticks that report phases.
 * @param {(Phases | undefined)[]} list
 */
function medianPhases(list) {
  const present = /** @type {Phases[]} */ (list.filter(Boolean))
  /** @type {Record<string, number>} */
  const out = {}
  for (const key of ['read', 'rpc', 'native', 'commit', 'notify'])
    out[key] = median(present.map((p) => /** @type {Record<string, number>} */ (/** @type {unknown} */ (p))[key] ?? 0))
  return out
}

/** @param {number[]} xs */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/**
 * The scan bench. `h` are scripts/bench.mjs's process helpers, so wrangler runs the same way as in
 * the HTTP section and is cleaned up with it.
 * @param {{
 *   root: string, tmp: string, adminToken: string,
 *   helpers: {
 *     spawnWrangler: (args: string[], cwd: string, onLine?: (line: string) => void) => { child: import('node:child_process').ChildProcess, output: () => string, reloads: () => number },
 *     runWrangler: (args: string[], cwd: string) => Promise<void>,
 *     bundle: (config: string, outDir: string) => Promise<string>,
 *     waitReady: (server: Server) => Promise<void>,
 *     freePort: () => Promise<number>,
 *     call: (server: Server, method: string, pathname: string, options: { token?: string, body?: unknown, expect: number }) => Promise<any>, // any: JSON bodies of every shape
 *     stopGroup: (child: import('node:child_process').ChildProcess) => Promise<void>,
 *     children: Set<import('node:child_process').ChildProcess>,
 *   }
 * }} options
 */
export async function runScanBench({ root, tmp, adminToken, helpers: h }) {
  const config = path.join(root, 'wrangler.toml')
  const workDir = path.join(tmp, 'scan')
  const persistTo = path.join(workDir, 'state')
  await mkdir(persistTo, { recursive: true })

  console.log('scan: starting anvil and deploying the test contracts ...')
  const anvil = await startAnvil({ port: await h.freePort() })
  h.children.add(anvil.child)
  const addresses = await deployLocalContracts(anvil.rpcUrl)
  const proxy = await startCountingProxy(anvil.rpcUrl)
  const chains = JSON.stringify([
    {
      id: LOCAL_CHAIN_ID,
      rpcUrl: proxy.url,
      tokens: [
        { symbol: 'USDC', address: addresses.usdc, decimals: 6 },
        { symbol: 'USDT', address: addresses.usdt, decimals: 6 },
      ],
      priceFeeds: [], // the cron's rate refresh would add its own request to the counts
    },
    { id: 1, priceFeeds: [] },
  ])

  await h.runWrangler(
    ['d1', 'migrations', 'apply', 'DB', '--local', '--config', config, '--persist-to', persistTo],
    root,
  )
  const entry = await h.bundle(config, path.join(workDir, 'bundle'))

  /** @type {TickReport[]} */
  const reports = []
  /** @type {Server} */
  let server = /** @type {Server} */ (/** @type {unknown} */ (undefined))
  let loop = 'manual'
  const start = async () => {
    const port = await h.freePort()
    const inspectorPort = await h.freePort()
    const args = [
      'dev',
      entry,
      '--no-bundle',
      '--config',
      config,
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--persist-to',
      persistTo,
    ]
    args.push(
      '--inspector-ip',
      '127.0.0.1',
      '--inspector-port',
      String(inspectorPort),
      '--show-interactive-dev-session=false',
    )
    args.push('--var', `ADMIN_TOKEN:${adminToken}`, '--var', `CHAINS:${chains}`, '--var', `CHAIN_WATCH_LOOP:${loop}`)
    const spawned = h.spawnWrangler(args, root, (line) => {
      // The gateway logs one JSON line per tick (src/log.ts): {"level":"info","msg":"chain scanned",…}.
      const at = line.indexOf('{"level":')
      if (at < 0 || !line.includes('"msg":"chain scan', at)) return
      try {
        reports.push({ ...JSON.parse(line.slice(at)), seenAt: performance.now() })
      } catch {
        // a partial line; the next tick logs again
      }
    })
    server = {
      name: 'gateway (scan)',
      url: `http://127.0.0.1:${port}`,
      child: spawned.child,
      output: spawned.output,
      reloads: spawned.reloads,
      exited: null,
    }
    const current = server
    spawned.child.on(
      'exit',
      (/** @type {number | null} */ code, /** @type {string | null} */ signal) => (current.exited = { code, signal }),
    )
    await h.waitReady(server)
  }
  const stop = () => h.stopGroup(server.child)

  /** Fires the cron once; resolves with the chain's report and what the proxy counted. */
  const tick = async () => {
    const before = reports.length
    proxy.reset()
    const started = Date.now()
    const res = await fetch(`${server.url}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`, {
      signal: AbortSignal.timeout(TICK_TIMEOUT_MS),
    })
    await res.arrayBuffer()
    while (reports.length === before) {
      if (Date.now() - started > TICK_TIMEOUT_MS)
        throw new Error(`no scan report within ${TICK_TIMEOUT_MS / 1000} s:\n${server.output()}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    const report = /** @type {TickReport} */ (reports.at(-1))
    if (!report.ok) throw new Error(`scan failed: ${report.error}`)
    return { report, counts: { ...proxy.counts, methods: { ...proxy.counts.methods } } }
  }

  try {
    await start()
    const merchant = await h.call(server, 'POST', '/v1/merchants', {
      token: adminToken,
      body: { name: 'Scan bench', email: 'scan@example.com', rate_limit_live: 1_000_000 },
      expect: 201,
    })
    const liveKey = merchant.data.api_keys.find((/** @type {{ mode: string }} */ k) => k.mode === 'live').key
    const xpub = HDKey.fromMasterSeed(randomBytes(32)).derive("m/44'/60'/0'").publicExtendedKey
    const wallet = await h.call(server, 'POST', '/v1/wallets', {
      token: liveKey,
      body: { chain_id: LOCAL_CHAIN_ID, xpub },
      expect: 201,
    })

    /** @type {{ open: number, requests: number, calls: number, methods: Record<string, number>, max_body_bytes: number, ms: number, ms_all: number[], phases: Record<string, number> }[]} */
    const perSize = []
    let seeded = 0
    for (const size of SIZES) {
      await stop()
      const file = path.join(workDir, `seed-${size}.sql`)
      await writeFile(
        file,
        seedSql({
          merchantId: merchant.data.id,
          walletId: wallet.data.id,
          usdc: addresses.usdc,
          count: size - seeded,
          offset: seeded,
        }),
      )
      await h.runWrangler(
        ['d1', 'execute', 'DB', '--local', '--config', config, '--persist-to', persistTo, '--file', file],
        root,
      )
      seeded = size
      await start()
      await tick() // warm-up: a fresh isolate, and the first tick after a pause catches up
      const runs = []
      for (let i = 0; i < TICKS; i++) runs.push(await tick())
      const last = runs.at(-1)
      if (!last || last.report.openPayments !== size)
        throw new Error(`expected ${size} open payments, the scanner saw ${last?.report.openPayments}`)
      const row = {
        open: size,
        requests: last.counts.requests,
        calls: last.counts.calls,
        methods: last.counts.methods,
        max_body_bytes: last.counts.maxBody,
        ms: median(runs.map((r) => r.report.ms)),
        ms_all: runs.map((r) => r.report.ms),
        phases: medianPhases(runs.map((r) => r.report.phases)),
      }
      if (runs.some((r) => r.counts.requests !== row.requests))
        console.warn(
          `scan: request counts differ between ticks at ${size}: ${runs.map((r) => r.counts.requests).join(', ')}`,
        )
      console.log(
        `  ${size} open payments: ${row.requests} RPC requests (${row.calls} JSON-RPC calls, largest body ${Math.round(row.max_body_bytes / 1000)} kB), ${row.ms} ms per tick (median of ${TICKS}: ${Object.entries(
          row.phases,
        )
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} ms)`,
      )
      perSize.push(row)
    }

    // Latency: transfer mined → payment.completed delivered, depth 1 (high), anvil mining every second,
    // every seeded payment still open, and no cron: the watcher's own loop at block time.
    await stop()
    loop = 'auto'
    await start()
    const anvilRpc = (/** @type {string} */ method, /** @type {unknown[]} */ params) =>
      fetch(anvil.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      }).then((r) => r.json())
    await anvilRpc('evm_setIntervalMining', [1])
    const receiver = await startReceiver()
    const transport = http(anvil.rpcUrl)
    const chain = {
      id: LOCAL_CHAIN_ID,
      name: 'Anvil',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    }
    const payer = createWalletClient({ chain, transport, account: ANVIL_ACCOUNTS[1] })
    const reader = createPublicClient({ chain, transport })
    const erc20 = parseAbi(['function transfer(address to, uint256 value) returns (bool)'])
    /** @type {{ token: string, ms: number, ticks: number, tick_ms: number[] }[]} */
    const latencies = []
    try {
      await h.call(server, 'POST', '/v1/webhook-endpoints', {
        token: liveKey,
        body: { url: receiver.url, enabled_events: ['payment.completed'] },
        expect: 201,
      })
      for (const token of LATENCY_TOKENS) {
        for (let i = 0; i < LATENCY_RUNS; i++) {
          const body =
            token === 'ETH'
              ? { amount: '0.001', currency: 'ETH', chain_id: LOCAL_CHAIN_ID, token: 'ETH', transaction_speed: 'high' }
              : { amount: '10', currency: 'USDC', chain_id: LOCAL_CHAIN_ID, token: 'USDC', transaction_speed: 'high' }
          const payment = (await h.call(server, 'POST', '/v1/payments', { token: liveKey, body, expect: 201 })).data
          const value = BigInt(payment.pay_amount_base_units)
          const hash =
            token === 'ETH'
              ? await payer.sendTransaction({ to: payment.deposit_address, value })
              : await payer.writeContract({
                  address: addresses.usdc,
                  abi: erc20,
                  functionName: 'transfer',
                  args: [payment.deposit_address, value],
                })
          await reader.waitForTransactionReceipt({ hash, pollingInterval: 10 })
          const mined = performance.now()
          const delivered = /** @type {number} */ (await receiver.arrival(payment.id))
          // The watcher's ticks that ended in between (logged by wrangler dev): which one saw it, and how long they took.
          const ticks = reports.filter((r) => (r.seenAt ?? 0) > mined && (r.seenAt ?? 0) <= delivered)
          const found = ticks.findIndex((r) => r.transfers > 0)
          latencies.push({
            token,
            ms: Math.round(delivered - mined),
            ticks: ticks.length,
            tick_ms: ticks.map((r) => r.ms),
          })
          console.log(
            `  ${token} payment ${i + 1}/${LATENCY_RUNS}: mined → payment.completed delivered in ${Math.round(delivered - mined)} ms` +
              ` (${ticks.length} ticks ended in between, ${found < 0 ? 'none reported a transfer' : `tick ${found + 1} found it`}; tick ms ${ticks.map((r) => r.ms).join(', ')})`,
          )
        }
      }
    } finally {
      await receiver.close()
    }
    for (const token of LATENCY_TOKENS) {
      const ms = latencies.filter((l) => l.token === token).map((l) => l.ms)
      console.log(
        `  ${token} depth 1: mined → payment.completed p50 ${quantile(ms, 0.5)} ms, p99 ${quantile(ms, 0.99)} ms (${ms.length} payments, ${seeded} other open payments)`,
      )
    }
    return { sizes: perSize, latency: latencies, open_during_latency: seeded }
  } finally {
    if (server) await stop()
    await proxy.close()
    await anvil.stop()
    h.children.delete(anvil.child)
  }
}

/**
 * Prints the scan results as text and markdown.
 * @param {Awaited<ReturnType<typeof runScanBench>>} scan
 */
export function reportScan(scan) {
  const header = [
    'open payments',
    'RPC requests / tick',
    'JSON-RPC calls / tick',
    'eth_getLogs',
    'eth_call (Multicall3)',
    'eth_getBalance',
    'largest body kB',
    'ms / tick',
  ]
  const rows = scan.sizes.map((s) => [
    String(s.open),
    String(s.requests),
    String(s.calls),
    String(s.methods.eth_getLogs ?? 0),
    String(s.methods.eth_call ?? 0),
    String(s.methods.eth_getBalance ?? 0),
    String(Math.round((s.max_body_bytes ?? 0) / 1000)),
    String(s.ms),
  ])
  const tokens = [...new Set(scan.latency.map((l) => l.token))]
  const lat = tokens.map((token) => {
    const ms = scan.latency.filter((l) => l.token === token).map((l) => l.ms)
    return [token, String(ms.length), String(quantile(ms, 0.5)), String(quantile(ms, 0.99))]
  })
  const latHeader = [
    `token (depth 1, block every 1 s, ${scan.open_during_latency} other open payments)`,
    'payments',
    'p50 ms mined → payment.completed',
    'p99 ms',
  ]
  const md = (/** @type {string[]} */ h, /** @type {string[][]} */ r) =>
    [
      `| ${h.join(' | ')} |`,
      `| ${h.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
      ...r.map((x) => `| ${x.join(' | ')} |`),
    ].join('\n')
  console.log('\nChain scan (markdown):\n')
  console.log(md(header, rows))
  console.log()
  console.log(md(latHeader, lat))
  console.log()
}
