CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`mode` text NOT NULL,
	`name` text,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`signing_secret` text NOT NULL,
	`require_signature` integer DEFAULT false NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`revoked_at` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_merchant` ON `api_keys` (`merchant_id`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`payment_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`type` text NOT NULL,
	`sequence` integer NOT NULL,
	`data` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_payment_sequence` ON `events` (`payment_id`,`sequence`);--> statement-breakpoint
CREATE INDEX `events_merchant` ON `events` (`merchant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`merchant_id` text NOT NULL,
	`key` text NOT NULL,
	`route` text NOT NULL,
	`body_hash` text NOT NULL,
	`status_code` integer,
	`response_body` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`merchant_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `merchants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`merchant_key` text NOT NULL,
	`rate_limit_test` integer,
	`rate_limit_live` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `merchants_merchant_key_unique` ON `merchants` (`merchant_key`);--> statement-breakpoint
CREATE TABLE `observations` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`wallet_id` text,
	`payment_id` text,
	`livemode` integer NOT NULL,
	`chain_id` integer NOT NULL,
	`tx_hash` text NOT NULL,
	`log_index` integer NOT NULL,
	`from_address` text,
	`to_address` text NOT NULL,
	`token` text NOT NULL,
	`amount` text NOT NULL,
	`block_number` integer,
	`block_hash` text,
	`confirmations` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `observations_tx_log` ON `observations` (`chain_id`,`tx_hash`,`log_index`);--> statement-breakpoint
CREATE INDEX `observations_wallet` ON `observations` (`wallet_id`,`livemode`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`reference` text NOT NULL,
	`status` text NOT NULL,
	`exception` text,
	`amount` text NOT NULL,
	`currency` text NOT NULL,
	`chain_id` integer,
	`token` text,
	`token_address` text,
	`token_decimals` integer,
	`pay_amount` text,
	`amount_received` text DEFAULT '0' NOT NULL,
	`deposit_address` text,
	`wallet_id` text,
	`derivation_index` integer,
	`rate_source` text,
	`rate` text,
	`transaction_speed` text NOT NULL,
	`confirmations` integer DEFAULT 0 NOT NULL,
	`required_confirmations` integer,
	`description` text,
	`order_id` text,
	`metadata` text,
	`success_url` text,
	`cancel_url` text,
	`notification_url` text,
	`expires_at` text NOT NULL,
	`completed_at` text,
	`version` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_reference_unique` ON `payments` (`reference`);--> statement-breakpoint
CREATE INDEX `payments_merchant_created` ON `payments` (`merchant_id`,`livemode`,`created_at`);--> statement-breakpoint
CREATE INDEX `payments_deposit` ON `payments` (`chain_id`,`deposit_address`);--> statement-breakpoint
CREATE TABLE `wallets` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`chain_id` integer NOT NULL,
	`kind` text NOT NULL,
	`xpub` text,
	`address` text,
	`label` text,
	`next_index` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `wallets_merchant_mode_chain` ON `wallets` (`merchant_id`,`livemode`,`chain_id`);