CREATE TABLE `order_nonces` (
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`nonce` text NOT NULL,
	`payment_id` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`merchant_id`, `livemode`, `nonce`)
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`token_version` integer DEFAULT 0 NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);--> statement-breakpoint
CREATE INDEX `users_merchant` ON `users` (`merchant_id`);--> statement-breakpoint
ALTER TABLE `merchants` ADD `plan` text DEFAULT 'standard' NOT NULL;--> statement-breakpoint
ALTER TABLE `merchants` ADD `rate_limit_hourly` integer;