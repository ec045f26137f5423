import { DurableObject } from 'cloudflare:workers'

/** Minutes of inactivity after which a BitPay API session ends (004). */
export const SESSION_IDLE_MS = 15 * 60_000

export interface StoredResponse {
  status: number
  body: string
}

export type SessionStep =
  | { kind: 'run' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'error'; reason: 'unknown' | 'expired' | 'out_of_order' | 'in_progress' | 'wrong_identity'; message: string }

interface SessionState {
  sin: string | null
  /** The last request number that finished, and its response. */
  last: number
  lastResponse: StoredResponse | null
  inFlight: number | null
  touchedAt: number
}

/**
 * One BitPay API session (`idFromName(sessionId)`): request numbers start at 1 and go up by one;
 * a retry of the last number gets the cached response without running again; anything else is out
 * of order; 15 minutes of inactivity end the session.
 */
export class ApiSession extends DurableObject<Env> {
  async open(sin: string | null, now: number = Date.now()): Promise<void> {
    await this.ctx.storage.put<SessionState>('state', { sin, last: 0, lastResponse: null, inFlight: null, touchedAt: now })
  }

  /** Decides what to do with request `n` from identity `sin`. */
  async begin(n: number, sin: string | null, now: number = Date.now()): Promise<SessionStep> {
    const state = await this.ctx.storage.get<SessionState>('state')
    if (!state) return { kind: 'error', reason: 'unknown', message: 'Unknown API session' }
    if (now - state.touchedAt > SESSION_IDLE_MS) {
      await this.ctx.storage.deleteAll()
      return { kind: 'error', reason: 'expired', message: 'API session expired after 15 minutes of inactivity; create a new one' }
    }
    if (state.sin !== null && state.sin !== sin) return { kind: 'error', reason: 'wrong_identity', message: 'This API session belongs to another identity' }
    if (n === state.last && state.lastResponse) {
      await this.ctx.storage.put('state', { ...state, touchedAt: now })
      return { kind: 'replay', response: state.lastResponse }
    }
    if (state.inFlight !== null) return { kind: 'error', reason: 'in_progress', message: `Request ${state.inFlight} of this session is still being processed` }
    if (n !== state.last + 1) return { kind: 'error', reason: 'out_of_order', message: `Expected requestNumber ${state.last + 1}, got ${n}` }
    await this.ctx.storage.put('state', { ...state, inFlight: n, touchedAt: now })
    return { kind: 'run' }
  }

  /** Records request `n`'s response (or, with null, lets it be retried). */
  async finish(n: number, response: StoredResponse | null, now: number = Date.now()): Promise<void> {
    const state = await this.ctx.storage.get<SessionState>('state')
    if (!state || state.inFlight !== n) return
    await this.ctx.storage.put<SessionState>(
      'state',
      response ? { ...state, last: n, lastResponse: response, inFlight: null, touchedAt: now } : { ...state, inFlight: null, touchedAt: now },
    )
  }
}
