-- 0006: an address on a chain belongs to at most one wallet (of one merchant and mode).
--
-- deposit_addresses holds every claimed address per chain, lower-cased: single-address wallets claim
-- theirs at registration, xpub wallets claim each derived address when its index is allocated. The
-- unique index is what makes two merchants unable to end up with one deposit address.
CREATE TABLE `deposit_addresses` (
	`chain_id` integer NOT NULL,
	`address` text NOT NULL,
	`wallet_id` text,
	`merchant_id` text,
	`livemode` integer,
	`derivation_index` integer,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deposit_addresses_chain_address` ON `deposit_addresses` (`chain_id`,`address`);
--> statement-breakpoint
CREATE INDEX `deposit_addresses_wallet` ON `deposit_addresses` (`wallet_id`);
--> statement-breakpoint
-- Backfill from existing single-address wallets and existing payments' deposit addresses. An address
-- used by exactly one wallet is claimed by it. An address already used by several wallets (the bug
-- this migration closes) is claimed by nobody: wallet_id NULL marks it disputed, so no wallet can
-- register or be handed it again and the scanner credits no payment at it until an operator sets
-- wallet_id to the rightful wallet.
INSERT INTO `deposit_addresses` (`chain_id`, `address`, `wallet_id`, `merchant_id`, `livemode`, `derivation_index`)
SELECT
	`chain_id`,
	`address`,
	CASE WHEN COUNT(DISTINCT `wallet_id`) = 1 THEN MIN(`wallet_id`) END,
	CASE WHEN COUNT(DISTINCT `wallet_id`) = 1 THEN MIN(`merchant_id`) END,
	CASE WHEN COUNT(DISTINCT `wallet_id`) = 1 THEN MIN(`livemode`) END,
	CASE WHEN COUNT(DISTINCT `wallet_id`) = 1 THEN MIN(`derivation_index`) END
FROM (
	SELECT `chain_id`, lower(`address`) AS `address`, `id` AS `wallet_id`, `merchant_id`, `livemode`, NULL AS `derivation_index`
	FROM `wallets` WHERE `kind` = 'address' AND `address` IS NOT NULL
	UNION ALL
	SELECT `chain_id`, lower(`deposit_address`), `wallet_id`, `merchant_id`, `livemode`, `derivation_index`
	FROM `payments` WHERE `chain_id` IS NOT NULL AND `deposit_address` IS NOT NULL AND `wallet_id` IS NOT NULL
)
GROUP BY `chain_id`, `address`;
--> statement-breakpoint
-- An xpub is unique per chain across all merchants and modes. Wallets that already shared an xpub
-- with an earlier wallet are marked legacy_duplicate and left out of the index (the earliest keeps
-- it): their future allocations skip every address another wallet has claimed, so they never share.
ALTER TABLE `wallets` ADD `legacy_duplicate` integer DEFAULT false NOT NULL;
--> statement-breakpoint
UPDATE `wallets` SET `legacy_duplicate` = true
WHERE `xpub` IS NOT NULL AND EXISTS (
	SELECT 1 FROM `wallets` AS `w2`
	WHERE `w2`.`chain_id` = `wallets`.`chain_id` AND `w2`.`xpub` = `wallets`.`xpub`
		AND (`w2`.`created_at` < `wallets`.`created_at` OR (`w2`.`created_at` = `wallets`.`created_at` AND `w2`.`id` < `wallets`.`id`))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `wallets_chain_xpub` ON `wallets` (`chain_id`,`xpub`) WHERE `xpub` IS NOT NULL AND `legacy_duplicate` = false;
--> statement-breakpoint
-- Money the merchant was not expecting (wrong asset, after the late-payment window) is recorded on
-- the payment but does not count toward it.
ALTER TABLE `observations` ADD `unexpected` text;
