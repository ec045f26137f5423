CREATE TABLE `bitpay_invoices` (
	`payment_id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`guid` text NOT NULL,
	`invoice_token` text NOT NULL,
	`pos_data` text,
	`item_desc` text,
	`item_code` text,
	`notification_email` text,
	`redirect_url` text,
	`close_url` text,
	`buyer` text,
	`full_notifications` integer DEFAULT false NOT NULL,
	`extended_notifications` integer DEFAULT false NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bitpay_invoices_guid` ON `bitpay_invoices` (`merchant_id`,`guid`);--> statement-breakpoint
CREATE TABLE `bitpay_refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`guid` text NOT NULL,
	`merchant_id` text NOT NULL,
	`payment_id` text NOT NULL,
	`amount` text NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`reference` text,
	`immediate` integer DEFAULT false NOT NULL,
	`buyer_pays_refund_fee` integer DEFAULT false NOT NULL,
	`refund_token` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bitpay_refunds_guid` ON `bitpay_refunds` (`merchant_id`,`guid`);--> statement-breakpoint
CREATE INDEX `bitpay_refunds_payment` ON `bitpay_refunds` (`payment_id`);--> statement-breakpoint
CREATE TABLE `bitpay_tokens` (
	`token` text PRIMARY KEY NOT NULL,
	`merchant_id` text,
	`livemode` integer DEFAULT false NOT NULL,
	`facade` text NOT NULL,
	`sin` text,
	`label` text,
	`pairing_code` text,
	`pairing_expires_at` text,
	`status` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`approved_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bitpay_tokens_pairing_code_unique` ON `bitpay_tokens` (`pairing_code`);--> statement-breakpoint
CREATE INDEX `bitpay_tokens_sin` ON `bitpay_tokens` (`sin`);