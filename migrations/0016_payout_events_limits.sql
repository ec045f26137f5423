-- Payouts core: the outbox carries payout and recipient events beside payment events, payouts count
-- against a per-merchant daily limit, and a payout may be asked for in a fiat currency.
--
-- events: payment_id becomes nullable and each row names its subject (`subject` = payment | payout |
-- recipient, with the matching id column set). SQLite cannot drop NOT NULL in place: the table is
-- rebuilt, rows and indexes kept. Nothing references events by foreign key.
CREATE TABLE `events_new` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`subject` text DEFAULT 'payment' NOT NULL,
	`payment_id` text,
	`payout_id` text,
	`recipient_id` text,
	`livemode` integer NOT NULL,
	`type` text NOT NULL,
	`sequence` integer NOT NULL,
	`data` text NOT NULL,
	`dispatched_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	CONSTRAINT "events_subject_id" CHECK(CASE "subject" WHEN 'payment' THEN "payment_id" IS NOT NULL WHEN 'payout' THEN "payout_id" IS NOT NULL WHEN 'recipient' THEN "recipient_id" IS NOT NULL ELSE 0 END)
);
--> statement-breakpoint
INSERT INTO `events_new` (`id`, `merchant_id`, `subject`, `payment_id`, `livemode`, `type`, `sequence`, `data`, `dispatched_at`, `created_at`)
	SELECT `id`, `merchant_id`, 'payment', `payment_id`, `livemode`, `type`, `sequence`, `data`, `dispatched_at`, `created_at` FROM `events`;--> statement-breakpoint
DROP TABLE `events`;--> statement-breakpoint
ALTER TABLE `events_new` RENAME TO `events`;--> statement-breakpoint
CREATE UNIQUE INDEX `events_payment_sequence` ON `events` (`payment_id`,`sequence`);--> statement-breakpoint
CREATE UNIQUE INDEX `events_payout_sequence` ON `events` (`payout_id`,`sequence`);--> statement-breakpoint
CREATE UNIQUE INDEX `events_recipient_sequence` ON `events` (`recipient_id`,`sequence`);--> statement-breakpoint
CREATE INDEX `events_merchant` ON `events` (`merchant_id`,`created_at`);--> statement-breakpoint
-- webhook_deliveries: payment_id nullable (a payout or recipient event has none); rebuilt the same way.
CREATE TABLE `webhook_deliveries_new` (
	`id` text PRIMARY KEY NOT NULL,
	`event_id` text NOT NULL,
	`merchant_id` text NOT NULL,
	`payment_id` text,
	`target` text NOT NULL,
	`endpoint_id` text,
	`url` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_status_code` integer,
	`last_error` text,
	`delivered_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `webhook_deliveries_new` SELECT `id`, `event_id`, `merchant_id`, `payment_id`, `target`, `endpoint_id`, `url`, `status`, `attempts`, `last_status_code`, `last_error`, `delivered_at`, `created_at`, `updated_at` FROM `webhook_deliveries`;--> statement-breakpoint
DROP TABLE `webhook_deliveries`;--> statement-breakpoint
ALTER TABLE `webhook_deliveries_new` RENAME TO `webhook_deliveries`;--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_event_target` ON `webhook_deliveries` (`event_id`,`target`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_payment` ON `webhook_deliveries` (`payment_id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_endpoint` ON `webhook_deliveries` (`endpoint_id`,`created_at`);--> statement-breakpoint
-- Payouts and recipients count their changes (the event sequence); payouts keep what was asked for
-- (a fiat amount, its rate) and what counts against the daily limit (UTC day, millionths of a unit).
ALTER TABLE `payouts` ADD `version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `payouts` ADD `requested_amount` text;--> statement-breakpoint
ALTER TABLE `payouts` ADD `requested_currency` text;--> statement-breakpoint
ALTER TABLE `payouts` ADD `rate` text;--> statement-breakpoint
ALTER TABLE `payouts` ADD `limit_day` text;--> statement-breakpoint
ALTER TABLE `payouts` ADD `limit_units` integer;--> statement-breakpoint
CREATE INDEX `payouts_daily_limit` ON `payouts` (`merchant_id`,`livemode`,`token`,`limit_day`);--> statement-breakpoint
ALTER TABLE `recipients` ADD `version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `merchants` ADD `payout_daily_limits` text;
