/**
 * Runs the real worker under `wrangler dev` for browser tests: its own persisted state in a temp
 * dir (migrations applied first), a free loopback port, its own process group (stopped in teardown).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..', '..')
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js')

export interface Gateway {
  url: string
  adminToken: string
  stop(): Promise<void>
  /** What wrangler printed, for failure messages. */
  output(): string
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.unref()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))))
    })
  })
}

function run(args: string[], log: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  const keep = (chunk: Buffer) => {
    log.push(chunk.toString())
    if (log.length > 400) log.splice(0, log.length - 400)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return child
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((done) => {
    if (child.exitCode !== null) return done(child.exitCode)
    child.once('exit', (code) => done(code))
  })

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    if (child.pid) process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

/** Applies the D1 migrations to a fresh state dir and starts `wrangler dev` on it. */
export async function startGateway(): Promise<Gateway> {
  if (!existsSync(WRANGLER)) throw new Error(`wrangler is not installed at ${WRANGLER}`)
  const state = mkdtempSync(join(tmpdir(), 'bitxpay-browser-'))
  const log: string[] = []
  const adminToken = `browser-admin-${process.pid}`
  const migrate = run(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], log, {})
  if ((await exited(migrate)) !== 0) throw new Error(`wrangler d1 migrations apply failed:\n${log.join('')}`)

  const [port, inspector] = [await freePort(), await freePort()]
  const url = `http://127.0.0.1:${port}`
  const dev = run(
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspector),
      '--persist-to',
      state,
      '--var',
      `ADMIN_TOKEN:${adminToken}`,
      '--var',
      'ENVIRONMENT:development',
      '--var',
      `PUBLIC_URL:${url}`,
    ],
    log,
    {},
  )
  const stop = async () => {
    killGroup(dev, 'SIGTERM')
    const timer = setTimeout(() => killGroup(dev, 'SIGKILL'), 5000)
    await exited(dev)
    clearTimeout(timer)
    killGroup(dev, 'SIGKILL') // workerd can outlive wrangler for a moment
    rmSync(state, { recursive: true, force: true })
  }
  const deadline = Date.now() + 120_000
  for (;;) {
    if (dev.exitCode !== null) {
      await stop()
      throw new Error(`wrangler dev exited early:\n${log.join('')}`)
    }
    try {
      const res = await fetch(`${url}/openapi.json`, { signal: AbortSignal.timeout(5000) })
      await res.arrayBuffer()
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`wrangler dev did not answer within 120 s:\n${log.join('')}`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  return { url, adminToken, stop, output: () => log.join('') }
}

/** JSON over HTTP to the gateway (Node side of the browser tests). */
export async function api(gateway: Gateway, method: string, path: string, key?: string, body?: unknown) {
  const res = await fetch(gateway.url + path, {
    method,
    headers: {
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, any>) : {} } // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
}
