CREATE TABLE `payout_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`livemode` integer NOT NULL,
	`instruction_count` integer NOT NULL,
	`failed` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `payout_groups_merchant` ON `payout_groups` (`merchant_id`,`livemode`,`created_at`);--> statement-breakpoint
ALTER TABLE `payouts` ADD `group_id` text;--> statement-breakpoint
CREATE INDEX `payouts_group` ON `payouts` (`group_id`);
