ALTER TABLE `wallets` ADD `sandbox` integer DEFAULT false NOT NULL;--> statement-breakpoint
DROP INDEX `wallets_merchant_mode_chain`;--> statement-breakpoint
CREATE UNIQUE INDEX `wallets_merchant_mode_chain` ON `wallets` (`merchant_id`,`livemode`,`chain_id`) WHERE "wallets"."sandbox" = 0;--> statement-breakpoint
CREATE UNIQUE INDEX `wallets_sandbox_merchant_chain` ON `wallets` (`merchant_id`,`chain_id`) WHERE "wallets"."sandbox" = 1;--> statement-breakpoint
ALTER TABLE `payments` ADD `last_error` text;
