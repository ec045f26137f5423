CREATE TABLE `payout_wallets` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`chain_id` integer NOT NULL,
	`address` text NOT NULL,
	`label` text,
	`encrypted_key` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `payout_wallets_merchant` ON `payout_wallets` (`merchant_id`,`livemode`,`status`);--> statement-breakpoint
CREATE TABLE `recipients` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`email` text NOT NULL,
	`label` text,
	`notification_url` text,
	`status` text NOT NULL,
	`invite_token` text NOT NULL,
	`address` text,
	`challenge_address` text,
	`challenge_nonce` text,
	`verified_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `recipients_email` ON `recipients` (`merchant_id`,`livemode`,`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `recipients_invite_token` ON `recipients` (`invite_token`);--> statement-breakpoint
CREATE TABLE `payouts` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`payout_wallet_id` text NOT NULL,
	`recipient_id` text NOT NULL,
	`chain_id` integer NOT NULL,
	`token` text NOT NULL,
	`amount` text NOT NULL,
	`amount_base_units` text NOT NULL,
	`to_address` text NOT NULL,
	`reference` text,
	`notification_url` text,
	`effective_date` text NOT NULL,
	`status` text NOT NULL,
	`message` text,
	`transactions` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `payouts_merchant` ON `payouts` (`merchant_id`,`livemode`,`created_at`);--> statement-breakpoint
CREATE INDEX `payouts_due` ON `payouts` (`status`,`effective_date`);--> statement-breakpoint
CREATE INDEX `payouts_wallet` ON `payouts` (`payout_wallet_id`,`status`);
