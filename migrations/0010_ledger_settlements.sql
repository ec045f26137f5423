ALTER TABLE `merchants` ADD `fee_bps` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
CREATE TABLE `bitpay_token_sins` (
	`token` text NOT NULL,
	`sin` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`token`, `sin`)
);
--> statement-breakpoint
CREATE INDEX `bitpay_token_sins_sin` ON `bitpay_token_sins` (`sin`);--> statement-breakpoint
CREATE TABLE `ledger_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`currency` text NOT NULL,
	`code` integer NOT NULL,
	`amount` text NOT NULL,
	`source_type` text NOT NULL,
	`source_id` text NOT NULL,
	`payment_id` text,
	`description` text,
	`settlement_id` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_entries_source` ON `ledger_entries` (`source_type`,`source_id`,`code`);--> statement-breakpoint
CREATE INDEX `ledger_entries_merchant` ON `ledger_entries` (`merchant_id`,`livemode`,`currency`,`created_at`);--> statement-breakpoint
CREATE INDEX `ledger_entries_unsettled` ON `ledger_entries` (`merchant_id`,`livemode`,`currency`,`settlement_id`);--> statement-breakpoint
CREATE INDEX `ledger_entries_settlement` ON `ledger_entries` (`settlement_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `settlements` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`currency` text NOT NULL,
	`seq` integer NOT NULL,
	`status` text NOT NULL,
	`opening_date` text NOT NULL,
	`closing_date` text NOT NULL,
	`opening_balance` text NOT NULL,
	`ledger_entries_sum` text NOT NULL,
	`withholdings` text DEFAULT '[]' NOT NULL,
	`withholdings_sum` text NOT NULL,
	`total_amount` text NOT NULL,
	`entry_count` integer NOT NULL,
	`token` text NOT NULL,
	`created_at` text NOT NULL,
	`executed_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `settlements_seq` ON `settlements` (`merchant_id`,`livemode`,`currency`,`seq`);--> statement-breakpoint
CREATE INDEX `settlements_merchant` ON `settlements` (`merchant_id`,`livemode`,`closing_date`);--> statement-breakpoint
-- Backfill: every SIN a token is bound to today becomes its first linked SIN.
INSERT INTO `bitpay_token_sins` (`token`, `sin`, `created_at`)
SELECT `token`, `sin`, coalesce(`approved_at`, `created_at`) FROM `bitpay_tokens` WHERE `sin` IS NOT NULL
ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- Backfill: a 1000 entry for every payment that completed before the ledger existed (amount received,
-- scaled from the token's decimals to the ledger's 18 by appending zeros: exact on TEXT bigints).
-- Fees start at 0, so there are no 1023 entries to backfill. No refund can have reached `success`
-- before this change (nothing set it), so there are no 1020 entries to backfill either.
INSERT INTO `ledger_entries` (`id`, `merchant_id`, `livemode`, `currency`, `code`, `amount`, `source_type`, `source_id`, `payment_id`, `description`, `created_at`)
SELECT 'led_' || lower(hex(randomblob(12))), `merchant_id`, `livemode`, `token`, 1000,
	CASE WHEN `amount_received` = '0' THEN '0' ELSE `amount_received` || substr('000000000000000000', 1, 18 - `token_decimals`) END,
	'payment', `id`, `id`, coalesce(`order_id`, `description`, `id`), coalesce(`completed_at`, `updated_at`)
FROM `payments`
WHERE `status` IN ('completed', 'refunded') AND `token` IS NOT NULL AND `token_decimals` IS NOT NULL AND `token_decimals` <= 18
ON CONFLICT DO NOTHING;
