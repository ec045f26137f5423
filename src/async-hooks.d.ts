// The one Node API the worker uses (nodejs_compat, for src/log.ts), declared here so that the worker's
// types stay free of Node's globals (Buffer, process) that workerd does not provide.
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, callback: () => R): R
    getStore(): T | undefined
  }
}
