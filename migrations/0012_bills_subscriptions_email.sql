CREATE TABLE `email_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`kind` text NOT NULL,
	`ref_id` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`from_address` text NOT NULL,
	`to_addresses` text NOT NULL,
	`cc_addresses` text DEFAULT '[]' NOT NULL,
	`subject` text NOT NULL,
	`text_body` text NOT NULL,
	`html_body` text,
	`status` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`message_id` text,
	`next_attempt_at` text NOT NULL,
	`sent_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_outbox_dedupe_key_unique` ON `email_outbox` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `email_outbox_due` ON `email_outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `email_outbox_ref` ON `email_outbox` (`kind`,`ref_id`);--> statement-breakpoint
CREATE TABLE `bills` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`number` text,
	`currency` text NOT NULL,
	`items` text NOT NULL,
	`total` text NOT NULL,
	`email` text NOT NULL,
	`cc` text DEFAULT '[]' NOT NULL,
	`name` text,
	`address1` text,
	`address2` text,
	`city` text,
	`state` text,
	`zip` text,
	`country` text,
	`phone` text,
	`due_date` text,
	`pass_processing_fee` integer DEFAULT false NOT NULL,
	`email_bill` integer DEFAULT false NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`token` text NOT NULL,
	`payment_id` text,
	`subscription_id` text,
	`period` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bills_token_unique` ON `bills` (`token`);--> statement-breakpoint
CREATE INDEX `bills_merchant` ON `bills` (`merchant_id`,`livemode`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `bills_payment` ON `bills` (`payment_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `bills_subscription_period` ON `bills` (`subscription_id`,`period`);--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`bill_data` text NOT NULL,
	`schedule` text NOT NULL,
	`next_delivery` text NOT NULL,
	`due_gap_seconds` integer,
	`token` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscriptions_token_unique` ON `subscriptions` (`token`);--> statement-breakpoint
CREATE INDEX `subscriptions_due` ON `subscriptions` (`status`,`next_delivery`);--> statement-breakpoint
CREATE INDEX `subscriptions_merchant` ON `subscriptions` (`merchant_id`,`livemode`,`status`,`created_at`);
