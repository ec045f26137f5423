import { AsyncLocalStorage } from 'node:async_hooks'

/** What a log line carries besides its message: plain JSON values (errors as strings). */
export type LogFields = Record<string, unknown>

const requests = new AsyncLocalStorage<{ requestId: string }>()

/** Runs `work` as part of request `requestId`: every line it logs carries that id. */
export function withRequestId<T>(requestId: string, work: () => T): T {
  return requests.run({ requestId }, work)
}

/** The id of the request being served, if any (queue batches, cron and alarms have none). */
export function currentRequestId(): string | undefined {
  return requests.getStore()?.requestId
}

function line(level: 'info' | 'warn' | 'error', msg: string, fields: LogFields): string {
  const requestId = currentRequestId()
  return JSON.stringify({ level, msg, ...(requestId ? { requestId } : {}), ...fields })
}

/**
 * The gateway's one logger: a JSON line per event (`level`, `msg`, the request id when there is one,
 * then the fields), written to the console stream of its level, which Workers Logs collects. The
 * one file in src/ allowed to call console (biome.jsonc).
 */
export const log = {
  info: (msg: string, fields: LogFields = {}) => console.log(line('info', msg, fields)),
  warn: (msg: string, fields: LogFields = {}) => console.warn(line('warn', msg, fields)),
  error: (msg: string, fields: LogFields = {}) => console.error(line('error', msg, fields)),
}
