import path from 'node:path'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import { freePort, localChainsConfig } from './scripts/local-chain.mjs'

const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'))

// Chain tests: the worker's bindings are fixed here, before any global setup runs, so the anvil ports
// are chosen now (kept in the environment so a second evaluation agrees) and test/global-setup.ts
// starts anvil on them. Contract addresses are deterministic on a fresh anvil; the setup checks them.
process.env.BITXPAY_TEST_ANVIL_PORT ??= String(await freePort())
process.env.BITXPAY_TEST_ANVIL_SHARED_PORT ??= String(await freePort())
const anvilChains = JSON.stringify(localChainsConfig(`http://127.0.0.1:${process.env.BITXPAY_TEST_ANVIL_PORT}`))

export default defineConfig({
  test: {
    projects: [
      {
        // Everything that runs inside workerd: unit, API, webhooks, chain, links tests.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: migrations,
                ADMIN_TOKEN: 'test-admin-token',
                PAYOUT_KEY_SECRET: 'test-payout-key-secret',
                ENVIRONMENT: 'development',
                WEBHOOK_BACKOFF_SCALE: '0',
                CHAIN_WATCH_LOOP: 'manual',
                CHAINS: anvilChains,
              },
              queueConsumers: {
                'bitxpay-webhooks': { maxBatchTimeout: 0.05, maxRetries: 13, deadLetterQueue: 'bitxpay-webhooks-dlq' },
                'bitxpay-webhooks-dlq': { maxBatchTimeout: 0.05 },
              },
            },
          }),
        ],
        test: {
          name: 'workers',
          setupFiles: ['./test/apply-migrations.ts'],
          globalSetup: ['./test/node/webhook-receiver.ts', './test/global-setup.ts'],
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**', 'test/node-unit/**', 'node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        // Checks of the source tree itself (node:fs), which workerd cannot read: runs in Node.
        test: { name: 'node', environment: 'node', include: ['test/node-unit/**/*.test.ts'] },
      },
      {
        // The hosted page in Debian's Chromium against `wrangler dev`: runs in Node.
        test: {
          name: 'browser',
          environment: 'node',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
