/**
 * Cost counters for `npm run bench` (variable INSTRUMENT = "1"): wraps the D1, Durable Object and
 * Queue bindings so every round trip is counted in this isolate, and serves the totals at
 * `GET /__costs`. With INSTRUMENT unset the bindings are returned untouched (one string compare).
 * Under `wrangler dev` the worker and its Durable Objects share one isolate, so the totals cover
 * the whole gateway: API handlers, objects, the queue consumer and cron.
 */

/** Totals since the isolate started. */
export interface Costs {
  /** D1 round trips (`run`/`all`/`first`/`raw`, one per `batch`, one per `exec`). */
  d1RoundTrips: number
  /** SQL statements sent to D1 (a batch counts each of its statements). */
  d1Statements: number
  /** Calls on Durable Object stubs (RPC methods and `fetch`). */
  doCalls: number
  /** Messages sent to queues. */
  queueMessages: number
}

const costs: Costs = { d1RoundTrips: 0, d1Statements: 0, doCalls: 0, queueMessages: 0 }

/** A copy of the counters. */
export function currentCosts(): Costs {
  return { ...costs }
}

export function instrumentationEnabled(env: Env): boolean {
  return env.INSTRUMENT === '1'
}

const wrapped = new WeakMap<object, Env>()
/** The statement a counting proxy stands for, so `batch()` gets the real ones. */
const statementTargets = new WeakMap<object, D1PreparedStatement>()

/** Returns `env` with counting bindings when INSTRUMENT is "1", else `env` itself. */
export function instrumentEnv(env: Env): Env {
  if (!instrumentationEnabled(env)) return env
  const cached = wrapped.get(env)
  if (cached) return cached
  const out: Env = { ...env }
  const slots = out as unknown as Record<string, unknown>
  for (const [name, binding] of Object.entries(env)) {
    if (isD1(binding)) slots[name] = countingD1(binding)
    else if (isNamespace(binding)) slots[name] = countingNamespace(binding)
    else if (isQueue(binding)) slots[name] = countingQueue(binding)
  }
  wrapped.set(env, out)
  return out
}

function isD1(value: unknown): value is D1Database {
  return typeof value === 'object' && value !== null && 'prepare' in value && 'batch' in value
}
function isNamespace(value: unknown): value is DurableObjectNamespace {
  return typeof value === 'object' && value !== null && 'idFromName' in value && 'get' in value
}
function isQueue(value: unknown): value is Queue {
  return typeof value === 'object' && value !== null && 'send' in value && 'sendBatch' in value
}

const EXECUTORS = new Set(['run', 'all', 'first', 'raw'])

function countingStatement(statement: D1PreparedStatement): D1PreparedStatement {
  const proxy = new Proxy(statement, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      if (prop === 'bind') return (...args: unknown[]) => countingStatement(value.apply(target, args))
      if (typeof prop === 'string' && EXECUTORS.has(prop)) {
        return (...args: unknown[]) => {
          costs.d1RoundTrips++
          costs.d1Statements++
          return value.apply(target, args)
        }
      }
      return value.bind(target)
    },
  })
  statementTargets.set(proxy, statement)
  return proxy
}

function countingD1(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      if (prop === 'prepare') return (sql: string) => countingStatement(target.prepare(sql))
      if (prop === 'batch') {
        return (statements: D1PreparedStatement[]) => {
          costs.d1RoundTrips++
          costs.d1Statements += statements.length
          return target.batch(statements.map((s) => statementTargets.get(s) ?? s))
        }
      }
      if (prop === 'exec') {
        return (sql: string) => {
          costs.d1RoundTrips++
          costs.d1Statements++
          return target.exec(sql)
        }
      }
      return value.bind(target)
    },
  })
}

function countingStub<T extends object>(stub: T): T {
  return new Proxy(stub, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function' || prop === 'then') return value
      return (...args: unknown[]) => {
        costs.doCalls++
        // Reflect.apply: an RPC stub's methods answer any property, `.apply` included.
        return Reflect.apply(value, target, args)
      }
    },
  })
}

function countingNamespace(namespace: DurableObjectNamespace): DurableObjectNamespace {
  return new Proxy(namespace, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      if (prop === 'get' || prop === 'getByName') {
        return (...args: unknown[]) => countingStub(Reflect.apply(value, target, args) as object)
      }
      return value.bind(target)
    },
  })
}

function countingQueue(queue: Queue): Queue {
  return new Proxy(queue, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      if (prop === 'send') {
        return (...args: Parameters<Queue['send']>) => {
          costs.queueMessages++
          return target.send(...args)
        }
      }
      if (prop === 'sendBatch') {
        return (messages: Iterable<MessageSendRequest>, options?: QueueSendBatchOptions) => {
          const list = [...messages]
          costs.queueMessages += list.length
          return target.sendBatch(list, options)
        }
      }
      return value.bind(target)
    },
  })
}
