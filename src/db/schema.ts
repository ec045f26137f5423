import { sql } from 'drizzle-orm'
import { EVENT_TYPES, PAYMENT_EXCEPTIONS, PAYMENT_STATUSES, TRANSACTION_SPEEDS } from '../domain/payment-status'
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

const createdAt = () =>
  text('created_at')
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`)

export const merchants = sqliteTable('merchants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull(),
  merchantKey: text('merchant_key').notNull().unique(),
  /** Requests per minute per API key; null means the mode's default. */
  rateLimitTest: integer('rate_limit_test'),
  rateLimitLive: integer('rate_limit_live'),
  createdAt: createdAt(),
})

export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id')
      .notNull()
      .references(() => merchants.id),
    mode: text('mode', { enum: ['test', 'live'] }).notNull(),
    name: text('name'),
    /** SHA-256 hex of the full key; the key itself is never stored. */
    keyHash: text('key_hash').notNull().unique(),
    /** First characters of the key, to recognise it in listings. */
    keyPrefix: text('key_prefix').notNull(),
    /** HMAC request-signing secret: must be stored to verify signatures. */
    signingSecret: text('signing_secret').notNull(),
    requireSignature: integer('require_signature', { mode: 'boolean' }).notNull().default(false),
    createdAt: createdAt(),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('api_keys_merchant').on(t.merchantId)],
)

export const wallets = sqliteTable(
  'wallets',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id')
      .notNull()
      .references(() => merchants.id),
    /** Test keys manage test wallets only, so a leaked test key can never redirect live funds. */
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    chainId: integer('chain_id').notNull(),
    kind: text('kind', { enum: ['xpub', 'address'] }).notNull(),
    xpub: text('xpub'),
    address: text('address'),
    label: text('label'),
    /** Next BIP32 child index to hand out (m/44'/60'/0'/0/i). */
    nextIndex: integer('next_index').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('wallets_merchant_mode_chain').on(t.merchantId, t.livemode, t.chainId)],
)

export const payments = sqliteTable(
  'payments',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id')
      .notNull()
      .references(() => merchants.id),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    reference: text('reference').notNull().unique(),
    status: text('status', { enum: PAYMENT_STATUSES }).notNull(),
    exception: text('exception', { enum: PAYMENT_EXCEPTIONS }),
    /** Order amount as a canonical decimal string in `currency`. */
    amount: text('amount').notNull(),
    currency: text('currency').notNull(),
    chainId: integer('chain_id'),
    token: text('token'),
    tokenAddress: text('token_address'),
    tokenDecimals: integer('token_decimals'),
    /** Amount due in the token's base units (bigint as TEXT). */
    payAmount: text('pay_amount'),
    /** Amount received so far in base units (bigint as TEXT). */
    amountReceived: text('amount_received').notNull().default('0'),
    depositAddress: text('deposit_address'),
    walletId: text('wallet_id'),
    derivationIndex: integer('derivation_index'),
    rateSource: text('rate_source'),
    rate: text('rate'),
    transactionSpeed: text('transaction_speed', { enum: TRANSACTION_SPEEDS }).notNull(),
    confirmations: integer('confirmations').notNull().default(0),
    requiredConfirmations: integer('required_confirmations'),
    description: text('description'),
    orderId: text('order_id'),
    metadata: text('metadata'),
    successUrl: text('success_url'),
    cancelUrl: text('cancel_url'),
    notificationUrl: text('notification_url'),
    expiresAt: text('expires_at').notNull(),
    completedAt: text('completed_at'),
    version: integer('version').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('payments_merchant_created').on(t.merchantId, t.livemode, t.createdAt),
    index('payments_deposit').on(t.chainId, t.depositAddress),
  ],
)

/** The outbox: one row per payment transition, delivered by the webhooks queue. */
export const events = sqliteTable(
  'events',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    paymentId: text('payment_id').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    type: text('type', { enum: EVENT_TYPES }).notNull(),
    /** Monotonic per payment, so receivers can order events. */
    sequence: integer('sequence').notNull(),
    /** JSON snapshot of the payment after the transition. */
    data: text('data').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('events_payment_sequence').on(t.paymentId, t.sequence), index('events_merchant').on(t.merchantId, t.createdAt)],
)

/** Transfers seen to deposit addresses (chain watcher) or simulated (sandbox). */
export const observations = sqliteTable(
  'observations',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    walletId: text('wallet_id'),
    paymentId: text('payment_id'),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    chainId: integer('chain_id').notNull(),
    txHash: text('tx_hash').notNull(),
    logIndex: integer('log_index').notNull(),
    fromAddress: text('from_address'),
    toAddress: text('to_address').notNull(),
    token: text('token').notNull(),
    amount: text('amount').notNull(),
    blockNumber: integer('block_number'),
    blockHash: text('block_hash'),
    confirmations: integer('confirmations').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('observations_tx_log').on(t.chainId, t.txHash, t.logIndex),
    index('observations_wallet').on(t.walletId, t.livemode),
  ],
)

export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    merchantId: text('merchant_id').notNull(),
    key: text('key').notNull(),
    /** Method and path the key was first used with. */
    route: text('route').notNull(),
    bodyHash: text('body_hash').notNull(),
    /** Null while the first request is still running. */
    statusCode: integer('status_code'),
    responseBody: text('response_body'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.key] })],
)
