import { sql } from 'drizzle-orm'
import { PAYMENT_EXCEPTIONS, PAYMENT_STATUSES, TRANSACTION_SPEEDS, UNEXPECTED_FUNDS } from '../domain/payment-status'
import { BILL_STATUSES, SUBSCRIPTION_STATUSES } from '../domain/bills'
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { EVENT_SUBJECTS, WEBHOOK_EVENT_TYPES } from '../domain/events'
import { PAYOUT_STATUSES, RECIPIENT_STATUSES } from '../domain/payouts'

const createdAt = () => text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`)

export const merchants = sqliteTable('merchants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull(),
  merchantKey: text('merchant_key').notNull().unique(),
  /** Requests per minute per API key; null means the mode's default. */
  rateLimitTest: integer('rate_limit_test'),
  rateLimitLive: integer('rate_limit_live'),
  /** CryptoPay plan: its hourly request limit (standard 1000/h, premium 5000/h, enterprise custom). */
  plan: text('plan', { enum: ['standard', 'premium', 'enterprise'] })
    .notNull()
    .default('standard'),
  /** Hourly limit for the enterprise plan (or any override); null means the plan's default. */
  rateLimitHourly: integer('rate_limit_hourly'),
  /** Gateway fee in basis points of each completed payment, booked as a 1023 ledger entry (default 0). */
  feeBps: integer('fee_bps').notNull().default(0),
  createdAt: createdAt(),
  /** JSON {currency: decimal string} set by the operator; a currency not named has the default daily payout limit. */
  payoutDailyLimits: text('payout_daily_limits'),
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
    /**
     * The gateway's own test wallet for a merchant (xpub derived from the sandbox secret and the
     * merchant id): test mode only, used while the merchant has no test wallet of their own.
     */
    sandbox: integer('sandbox', { mode: 'boolean' }).notNull().default(false),
    createdAt: createdAt(),
    /** Set by migration 0006 on wallets that shared an xpub with an earlier wallet (left out of the xpub index). */
    legacyDuplicate: integer('legacy_duplicate', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    // One own wallet per chain and mode; the sandbox wallet sits beside it (one per merchant and chain).
    uniqueIndex('wallets_merchant_mode_chain').on(t.merchantId, t.livemode, t.chainId).where(sql`${t.sandbox} = 0`),
    uniqueIndex('wallets_sandbox_merchant_chain').on(t.merchantId, t.chainId).where(sql`${t.sandbox} = 1`),
    // An xpub belongs to one wallet per chain, across merchants and modes (addresses would be shared).
    uniqueIndex('wallets_chain_xpub')
      .on(t.chainId, t.xpub)
      .where(sql`${t.xpub} IS NOT NULL AND ${t.legacyDuplicate} = false`),
  ],
)

/**
 * Every address handed out or registered on a chain, lower-cased, claimed by one wallet: the unique
 * index is what keeps two merchants (or modes) from sharing a deposit address. `walletId` null marks
 * an address that several wallets already used before migration 0006 (disputed: credited to nobody).
 */
export const depositAddresses = sqliteTable(
  'deposit_addresses',
  {
    chainId: integer('chain_id').notNull(),
    address: text('address').notNull(),
    walletId: text('wallet_id'),
    merchantId: text('merchant_id'),
    livemode: integer('livemode', { mode: 'boolean' }),
    /** The xpub child index, null for a single-address wallet. */
    derivationIndex: integer('derivation_index'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('deposit_addresses_chain_address').on(t.chainId, t.address),
    index('deposit_addresses_wallet').on(t.walletId),
  ],
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
    /** Native balance of the deposit address when it was allocated (native-coin payments). */
    baselineBalance: text('baseline_balance'),
    /** The payment link this payment is a use of, if any. */
    linkId: text('link_id'),
    /** Key for the X-Signature HMAC of this payment's webhooks (a link's payments share the link's). */
    notifySecret: text('notify_secret').notNull().default(''),
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
    /** JSON {code, message, step, at}: why an automatic step (sandbox settlement, expiry) could not complete. */
    lastError: text('last_error'),
    version: integer('version').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('payments_merchant_created').on(t.merchantId, t.livemode, t.createdAt),
    index('payments_deposit').on(t.chainId, t.depositAddress),
    index('payments_link').on(t.linkId, t.createdAt),
  ],
)

/**
 * The outbox: one row per transition of a payment, payout or recipient (its `subject`, whose id
 * column is set), delivered by the webhooks queue.
 */
export const events = sqliteTable(
  'events',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    subject: text('subject', { enum: EVENT_SUBJECTS }).notNull().default('payment'),
    paymentId: text('payment_id'),
    payoutId: text('payout_id'),
    recipientId: text('recipient_id'),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    type: text('type', { enum: WEBHOOK_EVENT_TYPES }).notNull(),
    /** Monotonic per subject (its version after the transition), so receivers can order events. */
    sequence: integer('sequence').notNull(),
    /** JSON snapshot of the subject's row after the transition. */
    data: text('data').notNull(),
    /** When the webhook fan-out created this event's deliveries; null rows are swept and re-sent. */
    dispatchedAt: text('dispatched_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('events_payment_sequence').on(t.paymentId, t.sequence),
    uniqueIndex('events_payout_sequence').on(t.payoutId, t.sequence),
    uniqueIndex('events_recipient_sequence').on(t.recipientId, t.sequence),
    index('events_merchant').on(t.merchantId, t.createdAt),
    check(
      'events_subject_id',
      sql`CASE "subject" WHEN 'payment' THEN "payment_id" IS NOT NULL WHEN 'payout' THEN "payout_id" IS NOT NULL WHEN 'recipient' THEN "recipient_id" IS NOT NULL ELSE 0 END`,
    ),
  ],
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
    /** Set when a reorg removed the transfer from the canonical chain. */
    removedAt: text('removed_at'),
    /** Why an observation matched no payment (wrong token, unknown address, ...). */
    note: text('note'),
    createdAt: createdAt(),
    /** Money on the payment that does not count toward it: a wrong asset, or after the late-payment window. */
    unexpected: text('unexpected', { enum: UNEXPECTED_FUNDS }),
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

/** Where each chain's scanner has got to. */
export const chainCursors = sqliteTable('chain_cursors', {
  chainId: integer('chain_id').primaryKey(),
  lastScannedBlock: integer('last_scanned_block').notNull(),
  lastError: text('last_error'),
  updatedAt: text('updated_at').notNull(),
})

/** Cached USD prices per symbol, refreshed by cron from the configured rate sources. */
export const rateCache = sqliteTable('rate_cache', {
  symbol: text('symbol').primaryKey(),
  usdPrice: text('usd_price').notNull(),
  source: text('source').notNull(),
  fetchedAt: text('fetched_at').notNull(),
})

export const webhookEndpoints = sqliteTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    url: text('url').notNull(),
    description: text('description'),
    /** JSON array of event types; null means every event. */
    enabledEvents: text('enabled_events'),
    /** Standard Webhooks secret (whsec_...), also the HMAC key for X-Signature. */
    secret: text('secret').notNull(),
    status: text('status', { enum: ['enabled', 'disabled'] })
      .notNull()
      .default('enabled'),
    disabledReason: text('disabled_reason'),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('webhook_endpoints_merchant').on(t.merchantId, t.livemode)],
)

/** One row per (event, target): the unit that is queued, retried and resent. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    eventId: text('event_id').notNull(),
    merchantId: text('merchant_id').notNull(),
    /** Null for payout and recipient events. */
    paymentId: text('payment_id'),
    /** The endpoint id, or 'notification_url' / 'link' for per-payment URLs. */
    target: text('target').notNull(),
    endpointId: text('endpoint_id'),
    url: text('url').notNull(),
    status: text('status', { enum: ['pending', 'succeeded', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    deliveredAt: text('delivered_at'),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_target').on(t.eventId, t.target),
    index('webhook_deliveries_payment').on(t.paymentId),
    index('webhook_deliveries_endpoint').on(t.endpointId, t.createdAt),
  ],
)

/** Every HTTP attempt of a delivery. */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    id: text('id').primaryKey(),
    deliveryId: text('delivery_id').notNull(),
    attempt: integer('attempt').notNull(),
    statusCode: integer('status_code'),
    latencyMs: integer('latency_ms').notNull(),
    error: text('error'),
    responseSnippet: text('response_snippet'),
    createdAt: createdAt(),
  },
  (t) => [index('webhook_attempts_delivery').on(t.deliveryId, t.attempt)],
)

/** Payment links (seed 002): reusable up to max_uses; each use is a payment. */
export const paymentLinks = sqliteTable(
  'payment_links',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    reference: text('reference').notNull().unique(),
    name: text('name').notNull(),
    orderCurrency: text('order_currency').notNull(),
    /** Canonical decimal string. */
    orderAmount: text('order_amount').notNull(),
    payerId: text('payer_id'),
    payerName: text('payer_name'),
    payerEmail: text('payer_email'),
    payerPhone: text('payer_phone'),
    payerIp: text('payer_ip'),
    successUrl: text('success_url'),
    cancelUrl: text('cancel_url'),
    webhookData: text('webhook_data'),
    notifySecret: text('notify_secret').notNull(),
    maxUses: integer('max_uses').notNull().default(1),
    currentUses: integer('current_uses').notNull().default(0),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    status: text('status').notNull(),
    expiryDate: text('expiry_date').notNull(),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('payment_links_merchant').on(t.merchantId, t.livemode, t.createdAt)],
)

/** Dashboard users of a merchant (CryptoPay login). A user acts in the mode of the key that made it. */
export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    username: text('username').notNull().unique(),
    /** pbkdf2-sha256$<iterations>$<salt b64>$<hash b64> */
    passwordHash: text('password_hash').notNull(),
    /** Bumped on password change: access tokens carry it, so older tokens stop working. */
    tokenVersion: integer('token_version').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('users_merchant').on(t.merchantId)],
)

/** CryptoPay order nonces: unique per merchant and mode, so a retried create is refused, not doubled. */
export const orderNonces = sqliteTable(
  'order_nonces',
  {
    merchantId: text('merchant_id').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    nonce: text('nonce').notNull(),
    paymentId: text('payment_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.merchantId, t.livemode, t.nonce] })],
)

/** BitPay API tokens: a facade granted to a client identity (SIN), approved through a pairing code. */
export const bitpayTokens = sqliteTable(
  'bitpay_tokens',
  {
    token: text('token').primaryKey(),
    /** Null while a merchant-made pairing code waits to be claimed. */
    merchantId: text('merchant_id'),
    livemode: integer('livemode', { mode: 'boolean' }).notNull().default(false),
    facade: text('facade', { enum: ['merchant', 'pos', 'payout'] }).notNull(),
    /** The client identity the token is bound to; null for unsigned pos tokens. */
    sin: text('sin'),
    label: text('label'),
    pairingCode: text('pairing_code').unique(),
    pairingExpiresAt: text('pairing_expires_at'),
    status: text('status', { enum: ['pending', 'active', 'revoked'] }).notNull(),
    createdAt: createdAt(),
    approvedAt: text('approved_at'),
  },
  (t) => [index('bitpay_tokens_sin').on(t.sin)],
)

/** BitPay fields of an invoice; the invoice itself is a payment (same id). */
export const bitpayInvoices = sqliteTable(
  'bitpay_invoices',
  {
    paymentId: text('payment_id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    guid: text('guid').notNull(),
    /** Token for this invoice alone (BitPay's invoice token, e.g. to resend notifications). */
    invoiceToken: text('invoice_token').notNull(),
    posData: text('pos_data'),
    itemDesc: text('item_desc'),
    itemCode: text('item_code'),
    notificationEmail: text('notification_email'),
    redirectUrl: text('redirect_url'),
    closeUrl: text('close_url'),
    /** JSON of the buyer object as sent. */
    buyer: text('buyer'),
    fullNotifications: integer('full_notifications', { mode: 'boolean' }).notNull().default(false),
    extendedNotifications: integer('extended_notifications', { mode: 'boolean' }).notNull().default(false),
    createdAt: createdAt(),
    /** The payment's mode, copied so the guid is unique per merchant and mode. */
    livemode: integer('livemode', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [uniqueIndex('bitpay_invoices_guid').on(t.merchantId, t.livemode, t.guid)],
)

/** BitPay refunds of invoices, recorded for the payout work. */
export const bitpayRefunds = sqliteTable(
  'bitpay_refunds',
  {
    id: text('id').primaryKey(),
    guid: text('guid').notNull(),
    merchantId: text('merchant_id').notNull(),
    paymentId: text('payment_id').notNull(),
    /** Decimal string in `currency`. */
    amount: text('amount').notNull(),
    currency: text('currency').notNull(),
    status: text('status', { enum: ['preview', 'created', 'pending', 'canceled', 'success', 'failure'] }).notNull(),
    reference: text('reference'),
    immediate: integer('immediate', { mode: 'boolean' }).notNull().default(false),
    buyerPaysRefundFee: integer('buyer_pays_refund_fee', { mode: 'boolean' }).notNull().default(false),
    refundToken: text('refund_token').notNull(),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
    /** The payment's mode, copied so the guid is unique per merchant and mode. */
    livemode: integer('livemode', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    uniqueIndex('bitpay_refunds_guid').on(t.merchantId, t.livemode, t.guid),
    index('bitpay_refunds_payment').on(t.paymentId),
    // At most one active refund per invoice (DESIGN: one at a time), whatever the concurrency.
    uniqueIndex('bitpay_refunds_active').on(t.paymentId).where(sql`${t.status} in ('preview', 'created', 'pending')`),
  ],
)

/**
 * Request signatures (X-Signature) already accepted, kept until their X-Timestamp leaves the ±300 s
 * window so that each is accepted once; the cron maintenance deletes expired rows.
 */
export const usedSignatures = sqliteTable(
  'used_signatures',
  {
    /** SHA-256 of the lowercase hex signature. */
    signatureHash: text('signature_hash').primaryKey(),
    keyId: text('key_id').notNull(),
    /** UNIX seconds. */
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('used_signatures_expires').on(t.expiresAt)],
)

/**
 * Outgoing email, written before it is sent so nothing is lost when sending fails: queued → sent,
 * or failed after the last attempt. The cron retries queued rows whose next_attempt_at has passed.
 */
export const emailOutbox = sqliteTable(
  'email_outbox',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    /** What the message is for (bill, recipient_invite, …) and the id of that thing. */
    kind: text('kind').notNull(),
    refId: text('ref_id').notNull(),
    /** Makes a message at most once (e.g. one bill email per subscription period). */
    dedupeKey: text('dedupe_key').notNull().unique(),
    fromAddress: text('from_address').notNull(),
    /** JSON arrays of addresses. */
    toAddresses: text('to_addresses').notNull(),
    ccAddresses: text('cc_addresses').notNull().default('[]'),
    subject: text('subject').notNull(),
    textBody: text('text_body').notNull(),
    htmlBody: text('html_body'),
    status: text('status', { enum: ['queued', 'sent', 'failed'] })
      .notNull()
      .default('queued'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    messageId: text('message_id'),
    nextAttemptAt: text('next_attempt_at').notNull(),
    sentAt: text('sent_at'),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('email_outbox_due').on(t.status, t.nextAttemptAt), index('email_outbox_ref').on(t.kind, t.refId)],
)

/** Bills: line items for one buyer, paid through an ordinary payment (the current one is payment_id). */
export const bills = sqliteTable(
  'bills',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    number: text('number'),
    currency: text('currency').notNull(),
    /** JSON array of {id, description, price (decimal string), quantity}. */
    items: text('items').notNull(),
    /** Decimal string: Σ price × quantity. */
    total: text('total').notNull(),
    email: text('email').notNull(),
    /** JSON array of addresses. */
    cc: text('cc').notNull().default('[]'),
    name: text('name'),
    address1: text('address1'),
    address2: text('address2'),
    city: text('city'),
    state: text('state'),
    zip: text('zip'),
    country: text('country'),
    phone: text('phone'),
    dueDate: text('due_date'),
    passProcessingFee: integer('pass_processing_fee', { mode: 'boolean' }).notNull().default(false),
    /** Set once the bill has been handed to the email outbox. */
    emailBill: integer('email_bill', { mode: 'boolean' }).notNull().default(false),
    status: text('status', { enum: BILL_STATUSES }).notNull().default('draft'),
    /** BitPay's bill resource token: authorises PUT /bills/:id and deliveries. */
    token: text('token').notNull().unique(),
    paymentId: text('payment_id'),
    /** Set on bills a subscription issued: one bill per (subscription, period). */
    subscriptionId: text('subscription_id'),
    period: text('period'),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('bills_merchant').on(t.merchantId, t.livemode, t.status, t.createdAt),
    index('bills_payment').on(t.paymentId),
    uniqueIndex('bills_subscription_period').on(t.subscriptionId, t.period),
  ],
)

/** Subscriptions: bill data issued as a new bill on every occurrence of a cron schedule. */
export const subscriptions = sqliteTable(
  'subscriptions',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    status: text('status', { enum: SUBSCRIPTION_STATUSES }).notNull().default('draft'),
    /** JSON of the bill data (the bill's fields; items without ids). */
    billData: text('bill_data').notNull(),
    /** 6-field cron (sec min hour day month weekday), UTC. */
    schedule: text('schedule').notNull(),
    nextDelivery: text('next_delivery').notNull(),
    /** Seconds from a delivery to the due date of the bill it issues (BitPay keeps this gap). */
    dueGapSeconds: integer('due_gap_seconds'),
    token: text('token').notNull().unique(),
    createdAt: createdAt(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('subscriptions_due').on(t.status, t.nextDelivery),
    index('subscriptions_merchant').on(t.merchantId, t.livemode, t.status, t.createdAt),
  ],
)

/** BitPay: every client identity (SIN) linked to a token; each linked key can use the token. */
export const bitpayTokenSins = sqliteTable(
  'bitpay_token_sins',
  {
    token: text('token').notNull(),
    sin: text('sin').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.token, t.sin] }), index('bitpay_token_sins_sin').on(t.sin)],
)

/**
 * The merchant ledger (append-only): one row per entry, written in the batch of the transition that
 * causes it; (source_type, source_id, code) is unique, so a retried or raced write adds nothing.
 */
export const ledgerEntries = sqliteTable(
  'ledger_entries',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    /** The currency held: the pay token's symbol (USDC, ETH, ...). */
    currency: text('currency').notNull(),
    /** BitPay's entry code (1000 invoice, 1017 settlement, 1020 refund, 1023 fee, ...). */
    code: integer('code').notNull(),
    /** Signed bigint as TEXT, in 10^-18 of the currency. */
    amount: text('amount').notNull(),
    sourceType: text('source_type', { enum: ['payment', 'refund', 'settlement', 'payout'] }).notNull(),
    sourceId: text('source_id').notNull(),
    paymentId: text('payment_id'),
    description: text('description'),
    /** The settlement that states this entry; null until its period is closed. */
    settlementId: text('settlement_id'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('ledger_entries_source').on(t.sourceType, t.sourceId, t.code),
    index('ledger_entries_merchant').on(t.merchantId, t.livemode, t.currency, t.createdAt),
    index('ledger_entries_unsettled').on(t.merchantId, t.livemode, t.currency, t.settlementId),
    // Serves both the entries of a settlement and the cron's scan for unsettled entries before a cutoff.
    index('ledger_entries_settlement').on(t.settlementId, t.createdAt),
  ],
)

/** Period statements per merchant, mode and currency; seq is unique so two closers cannot both win. */
export const settlements = sqliteTable(
  'settlements',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    currency: text('currency').notNull(),
    seq: integer('seq').notNull(),
    status: text('status', { enum: ['new', 'processing', 'completed', 'rejected'] }).notNull(),
    openingDate: text('opening_date').notNull(),
    closingDate: text('closing_date').notNull(),
    /** Signed bigints as TEXT, in 10^-18 of the currency (like ledger amounts). */
    openingBalance: text('opening_balance').notNull(),
    ledgerEntriesSum: text('ledger_entries_sum').notNull(),
    /** JSON array of {amount, code, description}. */
    withholdings: text('withholdings').notNull().default('[]'),
    withholdingsSum: text('withholdings_sum').notNull(),
    totalAmount: text('total_amount').notNull(),
    entryCount: integer('entry_count').notNull(),
    /** Resource token for the reconciliation report. */
    token: text('token').notNull(),
    createdAt: text('created_at').notNull(),
    executedAt: text('executed_at').notNull(),
  },
  (t) => [
    uniqueIndex('settlements_seq').on(t.merchantId, t.livemode, t.currency, t.seq),
    index('settlements_merchant').on(t.merchantId, t.livemode, t.closingDate),
  ],
)

/** Hot wallets that send payouts, one key per row, stored encrypted (src/auth/payout-keys.ts). */
export const payoutWallets = sqliteTable(
  'payout_wallets',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    chainId: integer('chain_id').notNull(),
    address: text('address').notNull(),
    label: text('label'),
    /** base64 of nonce (12 bytes) ‖ AES-256-GCM ciphertext of the 32-byte key. Never leaves the worker. */
    encryptedKey: text('encrypted_key').notNull(),
    status: text('status', { enum: ['active', 'deleted'] })
      .notNull()
      .default('active'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('payout_wallets_merchant').on(t.merchantId, t.livemode, t.status)],
)

/** People a merchant pays; the address is set when the recipient proves control of it. */
export const recipients = sqliteTable(
  'recipients',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    email: text('email').notNull(),
    label: text('label'),
    notificationUrl: text('notification_url'),
    status: text('status', { enum: RECIPIENT_STATUSES }).notNull(),
    /** The secret in the invite link /recipient/:token. */
    inviteToken: text('invite_token').notNull(),
    address: text('address'),
    /** The open challenge (single-use): the address it names and its nonce. */
    challengeAddress: text('challenge_address'),
    challengeNonce: text('challenge_nonce'),
    verifiedAt: text('verified_at'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    /** Bumped by every change; the sequence of the recipient's events. */
    version: integer('version').notNull().default(0),
  },
  (t) => [
    uniqueIndex('recipients_email').on(t.merchantId, t.livemode, t.email),
    uniqueIndex('recipients_invite_token').on(t.inviteToken),
  ],
)

/** Payouts: amounts are decimal strings of the token; the PayoutWallet object writes processing → complete/failed. */
export const payouts = sqliteTable(
  'payouts',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    payoutWalletId: text('payout_wallet_id').notNull(),
    recipientId: text('recipient_id').notNull(),
    chainId: integer('chain_id').notNull(),
    token: text('token').notNull(),
    amount: text('amount').notNull(),
    /** Base units of the token (exact). */
    amountBaseUnits: text('amount_base_units').notNull(),
    toAddress: text('to_address').notNull(),
    reference: text('reference'),
    notificationUrl: text('notification_url'),
    effectiveDate: text('effective_date').notNull(),
    status: text('status', { enum: PAYOUT_STATUSES }).notNull(),
    /** The payout group it was created in (payout_groups), if any. */
    groupId: text('group_id'),
    message: text('message'),
    /** JSON array of {txid, amount, date, confirmations}. */
    transactions: text('transactions').notNull().default('[]'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    /** Bumped by every change; the sequence of the payout's events. */
    version: integer('version').notNull().default(0),
    /** What the merchant asked for when it differs from the token paid (a fiat amount); null: `amount` `token`. */
    requestedAmount: text('requested_amount'),
    requestedCurrency: text('requested_currency'),
    /** Price of one token in the requested currency at creation (8 places); null for a token amount. */
    rate: text('rate'),
    /** UTC day (YYYY-MM-DD) and millionths of a token unit this payout counts against the daily limit. */
    limitDay: text('limit_day'),
    limitUnits: integer('limit_units'),
  },
  (t) => [
    index('payouts_merchant').on(t.merchantId, t.livemode, t.createdAt),
    index('payouts_due').on(t.status, t.effectiveDate),
    index('payouts_wallet').on(t.payoutWalletId, t.status),
    index('payouts_group').on(t.groupId),
    index('payouts_daily_limit').on(t.merchantId, t.livemode, t.token, t.limitDay),
  ],
)

/** Payout groups: the payouts created together (payouts.group_id) and the instructions refused, as JSON. */
export const payoutGroups = sqliteTable(
  'payout_groups',
  {
    id: text('id').primaryKey(),
    merchantId: text('merchant_id').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    instructionCount: integer('instruction_count').notNull(),
    /** JSON array of {index, payee, code, field, message}: the instructions that were not created. */
    failed: text('failed').notNull().default('[]'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('payout_groups_merchant').on(t.merchantId, t.livemode, t.createdAt)],
)
