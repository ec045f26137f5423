// The webhooks section of `npm run bench` (scripts/bench.mjs runs it after the HTTP section).
//
// Through `wrangler dev` on the gateway's bundle, with a real HTTP receiver on 127.0.0.1:
//   - latency from a payment transition to its delivery at the receiver: a test payment is settled
//     with POST /v1/sandbox/payments/:id/simulate (the PaymentObject commits payment.completed and
//     enqueues it) and the clock stops when the receiver gets that event; the path is outbox →
//     queue (fan-out) → queue (delivery) → HTTP POST, so the queues' max_batch_timeout shows here;
//   - deliveries per second: many payments completed at once, counted at the receiver.
//
// Environment: BENCH_WEBHOOK_LATENCY_RUNS (default 20), BENCH_WEBHOOK_BURST (default 200).

import { createServer } from 'node:http'

const LATENCY_RUNS = Number(process.env.BENCH_WEBHOOK_LATENCY_RUNS || 20)
const BURST = Number(process.env.BENCH_WEBHOOK_BURST || 200)
const PARALLEL = 20
const WAIT_MS = 60_000

/** A receiver that records when each payment's payment.completed arrived. */
export async function startReceiver() {
  /** @type {Map<string, number>} */
  const arrivals = new Map()
  /** @type {Map<string, () => void>} */
  const waiters = new Map()
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const at = performance.now()
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        if (body.event_type === 'payment.completed' && !arrivals.has(body.payment_id)) {
          arrivals.set(body.payment_id, at)
          waiters.get(body.payment_id)?.()
        }
      } catch {
        // not ours
      }
      res.writeHead(200).end('ok')
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)))
  const address = /** @type {import('node:net').AddressInfo} */ (server.address())
  return {
    url: `http://127.0.0.1:${address.port}/hooks`,
    arrivals,
    /** @param {string} paymentId */
    arrival(paymentId) {
      if (arrivals.has(paymentId)) return Promise.resolve(arrivals.get(paymentId))
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no delivery for ${paymentId} within ${WAIT_MS} ms`)), WAIT_MS)
        waiters.set(paymentId, () => {
          clearTimeout(timer)
          resolve(arrivals.get(paymentId))
        })
      })
    },
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  }
}

/** @param {number[]} values @param {number} q */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
}

/**
 * @param {{ server: { url: string, name: string }, key: string, call: Function, settledCosts: Function, costPer: Function }} options
 */
export async function runWebhookBench({ server, key, call, settledCosts, costPer }) {
  const receiver = await startReceiver()
  try {
    await call(server, 'POST', '/v1/webhook-endpoints', {
      token: key,
      body: { url: receiver.url, enabled_events: ['payment.completed'] },
      expect: 201,
    })
    const newPayment = async () =>
      (
        await call(server, 'POST', '/v1/payments', {
          token: key,
          body: { amount: '12.50', currency: 'USD', chain_id: 31337, token: 'ETH' },
          expect: 201,
        })
      ).data.id
    const settle = (/** @type {string} */ id) =>
      call(server, 'POST', `/v1/sandbox/payments/${id}/simulate`, { token: key, body: {}, expect: 200 })

    // Latency, one payment at a time; the counters over these runs give the cost of one payment's
    // life, create → completed → delivered (the simulate call stands in for the chain observation).
    const costsBefore = await settledCosts(server)
    const latencies = []
    for (let i = 0; i < LATENCY_RUNS; i++) {
      const id = await newPayment()
      const started = performance.now()
      await settle(id)
      latencies.push((await receiver.arrival(id)) - started)
    }
    const perPayment = costPer(costsBefore, await settledCosts(server), LATENCY_RUNS)

    // Throughput: create a burst of payments, then complete them all as fast as the API allows.
    const ids = []
    for (let i = 0; i < BURST; i += PARALLEL)
      ids.push(...(await Promise.all(Array.from({ length: Math.min(PARALLEL, BURST - i) }, newPayment))))
    const started = performance.now()
    for (let i = 0; i < ids.length; i += PARALLEL) await Promise.all(ids.slice(i, i + PARALLEL).map(settle))
    const arrived = await Promise.all(ids.map((id) => receiver.arrival(id)))
    const seconds = (Math.max(...arrived) - started) / 1000

    return {
      latency_runs: LATENCY_RUNS,
      latency_p50_ms: Math.round(quantile(latencies, 0.5)),
      latency_p99_ms: Math.round(quantile(latencies, 0.99)),
      latency_max_ms: Math.round(Math.max(...latencies)),
      burst: BURST,
      burst_seconds: Number(seconds.toFixed(2)),
      deliveries_per_second: Number((BURST / seconds).toFixed(1)),
      per_payment: perPayment,
    }
  } finally {
    await receiver.close()
  }
}

/** @param {Awaited<ReturnType<typeof runWebhookBench>>} r */
export function reportWebhooks(r) {
  console.log('\nWebhooks (transition → delivery at a receiver on 127.0.0.1)')
  console.log(`| latency p50 | latency p99 | max | deliveries/s (burst of ${r.burst}) |`)
  console.log('|---:|---:|---:|---:|')
  console.log(
    `| ${r.latency_p50_ms} ms | ${r.latency_p99_ms} ms | ${r.latency_max_ms} ms | ${r.deliveries_per_second} |`,
  )
  const c = r.per_payment
  if (c) {
    console.log('\nCost of one payment (create → simulate → payment.completed delivered), per payment')
    console.log('| D1 round trips | D1 statements | DO calls | queue messages |')
    console.log('|---:|---:|---:|---:|')
    console.log(`| ${c.d1_round_trips} | ${c.d1_statements} | ${c.do_calls} | ${c.queue_messages} |`)
  }
}
