import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestProject } from 'vitest/node'

/** One request the receiver got. */
export interface ReceivedRequest {
  path: string
  headers: Record<string, string>
  body: string
  status: number
  receivedAt: number
}

/**
 * A real HTTP webhook receiver on 127.0.0.1 for the worker tests.
 *   POST /hooks/<name>?fail=N&status=S  answers S (default 500) to the first N requests, then 200
 *   POST /hooks/<name>?status=S          always answers S
 *   GET  /__requests/<name>              what <name> received, as JSON
 */
export default async function setup(project: TestProject) {
  const received = new Map<string, ReceivedRequest[]>()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const [, kind, name = ''] = url.pathname.split('/')
      if (req.method === 'GET' && kind === '__requests') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(received.get(name) ?? []))
        return
      }
      if (req.method === 'POST' && kind === 'hooks') {
        const log = received.get(name) ?? []
        const fail = Number(url.searchParams.get('fail') ?? (url.searchParams.has('status') ? Infinity : 0))
        const status = log.length < fail ? Number(url.searchParams.get('status') ?? 500) : 200
        log.push({
          path: url.pathname + url.search,
          headers: flatten(req.headers),
          body: Buffer.concat(chunks).toString('utf8'),
          status,
          receivedAt: Date.now(),
        })
        received.set(name, log)
        res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 200 ? 'ok' : 'nope')
        return
      }
      res.writeHead(404).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  project.provide('receiverUrl', `http://127.0.0.1:${port}`)
  return () => new Promise<void>((resolve) => server.close(() => resolve()))
}

function flatten(headers: IncomingMessage['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]))
}

declare module 'vitest' {
  export interface ProvidedContext {
    receiverUrl: string
  }
}
