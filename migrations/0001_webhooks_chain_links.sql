CREATE TABLE `chain_cursors` (
	`chain_id` integer PRIMARY KEY NOT NULL,
	`last_scanned_block` integer NOT NULL,
	`last_error` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `payment_links` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`reference` text NOT NULL,
	`name` text NOT NULL,
	`order_currency` text NOT NULL,
	`order_amount` text NOT NULL,
	`payer_id` text,
	`payer_name` text,
	`payer_email` text,
	`payer_phone` text,
	`payer_ip` text,
	`success_url` text,
	`cancel_url` text,
	`webhook_data` text,
	`notify_secret` text NOT NULL,
	`max_uses` integer DEFAULT 1 NOT NULL,
	`current_uses` integer DEFAULT 0 NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`status` text NOT NULL,
	`expiry_date` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payment_links_reference_unique` ON `payment_links` (`reference`);--> statement-breakpoint
CREATE INDEX `payment_links_merchant` ON `payment_links` (`merchant_id`,`livemode`,`created_at`);--> statement-breakpoint
CREATE TABLE `rate_cache` (
	`symbol` text PRIMARY KEY NOT NULL,
	`usd_price` text NOT NULL,
	`source` text NOT NULL,
	`fetched_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`delivery_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`status_code` integer,
	`latency_ms` integer NOT NULL,
	`error` text,
	`response_snippet` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_attempts_delivery` ON `webhook_attempts` (`delivery_id`,`attempt`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`event_id` text NOT NULL,
	`merchant_id` text NOT NULL,
	`payment_id` text NOT NULL,
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
CREATE UNIQUE INDEX `webhook_deliveries_event_target` ON `webhook_deliveries` (`event_id`,`target`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_payment` ON `webhook_deliveries` (`payment_id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_endpoint` ON `webhook_deliveries` (`endpoint_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `webhook_endpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`url` text NOT NULL,
	`description` text,
	`enabled_events` text,
	`secret` text NOT NULL,
	`status` text DEFAULT 'enabled' NOT NULL,
	`disabled_reason` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_endpoints_merchant` ON `webhook_endpoints` (`merchant_id`,`livemode`);--> statement-breakpoint
ALTER TABLE `events` ADD `dispatched_at` text;--> statement-breakpoint
ALTER TABLE `observations` ADD `removed_at` text;--> statement-breakpoint
ALTER TABLE `observations` ADD `note` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `baseline_balance` text;--> statement-breakpoint
ALTER TABLE `payments` ADD `link_id` text;