import type { D1Migration } from 'cloudflare:test'

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[]
    }
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the webhook receiver started by test/node/webhook-receiver.ts. */
    receiverUrl: string
  }
}
