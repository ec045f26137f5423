import path from 'node:path'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'))

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: { TEST_MIGRATIONS: migrations, ADMIN_TOKEN: 'test-admin-token', ENVIRONMENT: 'development', WEBHOOK_BACKOFF_SCALE: '0' },
        queueConsumers: {
          'bitxpay-webhooks': { maxBatchTimeout: 0.05, maxRetries: 13, deadLetterQueue: 'bitxpay-webhooks-dlq' },
          'bitxpay-webhooks-dlq': { maxBatchTimeout: 0.05 },
        },
      },
    }),
  ],
  test: {
    setupFiles: ['./test/apply-migrations.ts'],
    globalSetup: ['./test/node/webhook-receiver.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
  },
})
