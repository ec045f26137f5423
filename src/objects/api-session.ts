import { DurableObject } from 'cloudflare:workers'

/** Minutes of inactivity after which a BitPay API session ends (004). */
export const SESSION_IDLE_MS = 15 * 60_000

export interface StoredResponse {
  status: number
  body: string
}

/** What identifies one request of a session, so a retry can be told from another request with the same number. */
export interface SessionRequest {
  /** SHA-256 (hex) of the method, full URL and body. */
  hash: string
  /** SHA-256 (hex) of the BitPay token the request carried, null when it had none. */
  tokenHash: string | null
}

export type SessionStep =
  | { kind: 'run' }
  | { kind: 'replay'; response: StoredResponse }
  | {
      kind: 'error'
      reason:
        | 'unknown'
        | 'expired'
        | 'out_of_order'
        | 'in_progress'
        | 'wrong_identity'
        | 'wrong_token'
        | 'different_request'
      message: string
    }

interface SessionState {
  sin: string | null
  /** The last request number that finished, its response, and what the request was. */
  last: number
  lastResponse: StoredResponse | null
  /** Absent in sessions opened before requests were recorded: such a number is never replayed. */
  lastRequest?: SessionRequest & { signer: string | null }
  inFlight: number | null
  inFlightRequest?: SessionRequest & { signer: string | null }
  touchedAt: number
}

/**
 * One BitPay API session (`idFromName(sessionId)`): request numbers start at 1 and go up by one;
 * a retry of the last number (the same method, URL, body and token, from the same signer) gets the
 * cached response without running again; another request with that number, or any other number,
 * is refused; 15 minutes of inactivity end the session.
 */
export class ApiSession extends DurableObject<Env> {
  async open(sin: string | null, now: number = Date.now()): Promise<void> {
    await this.ctx.storage.put<SessionState>('state', {
      sin,
      last: 0,
      lastResponse: null,
      inFlight: null,
      touchedAt: now,
    })
  }

  /** Decides what to do with request `n` from identity `sin` (null when unsigned). */
  async begin(n: number, sin: string | null, request: SessionRequest, now: number = Date.now()): Promise<SessionStep> {
    const state = await this.ctx.storage.get<SessionState>('state')
    if (!state) return { kind: 'error', reason: 'unknown', message: 'Unknown API session' }
    if (now - state.touchedAt > SESSION_IDLE_MS) {
      await this.ctx.storage.deleteAll()
      return {
        kind: 'error',
        reason: 'expired',
        message: 'API session expired after 15 minutes of inactivity; create a new one',
      }
    }
    if (state.sin !== null && state.sin !== sin)
      return { kind: 'error', reason: 'wrong_identity', message: 'This API session belongs to another identity' }
    if (n === state.last && state.lastResponse) {
      const last = state.lastRequest
      const taken = `requestNumber ${n} was already used`
      if (last && last.signer !== sin)
        return { kind: 'error', reason: 'wrong_identity', message: `${taken} by another identity` }
      if (last && last.tokenHash !== request.tokenHash)
        return { kind: 'error', reason: 'wrong_token', message: `${taken} with another token` }
      if (!last || last.hash !== request.hash) {
        return {
          kind: 'error',
          reason: 'different_request',
          message: `${taken} for a different request; send requestNumber ${n + 1}`,
        }
      }
      await this.ctx.storage.put('state', { ...state, touchedAt: now })
      return { kind: 'replay', response: state.lastResponse }
    }
    if (state.inFlight !== null)
      return {
        kind: 'error',
        reason: 'in_progress',
        message: `Request ${state.inFlight} of this session is still being processed`,
      }
    if (n !== state.last + 1)
      return { kind: 'error', reason: 'out_of_order', message: `Expected requestNumber ${state.last + 1}, got ${n}` }
    await this.ctx.storage.put<SessionState>('state', {
      ...state,
      inFlight: n,
      inFlightRequest: { ...request, signer: sin },
      touchedAt: now,
    })
    return { kind: 'run' }
  }

  /** Records request `n`'s response (or, with null, lets it be retried). */
  async finish(n: number, response: StoredResponse | null, now: number = Date.now()): Promise<void> {
    const state = await this.ctx.storage.get<SessionState>('state')
    if (!state || state.inFlight !== n) return
    const { inFlightRequest, ...rest } = state
    await this.ctx.storage.put<SessionState>(
      'state',
      response
        ? { ...rest, last: n, lastResponse: response, lastRequest: inFlightRequest, inFlight: null, touchedAt: now }
        : { ...rest, inFlight: null, touchedAt: now },
    )
  }
}
