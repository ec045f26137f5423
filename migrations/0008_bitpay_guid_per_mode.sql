-- BitPay guids are unique per merchant and mode: a test token must not learn that a live guid exists.
ALTER TABLE `bitpay_invoices` ADD `livemode` integer DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE `bitpay_invoices` SET `livemode` = coalesce((SELECT `p`.`livemode` FROM `payments` `p` WHERE `p`.`id` = `bitpay_invoices`.`payment_id`), 0);--> statement-breakpoint
DROP INDEX `bitpay_invoices_guid`;--> statement-breakpoint
CREATE UNIQUE INDEX `bitpay_invoices_guid` ON `bitpay_invoices` (`merchant_id`,`livemode`,`guid`);--> statement-breakpoint
ALTER TABLE `bitpay_refunds` ADD `livemode` integer DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE `bitpay_refunds` SET `livemode` = coalesce((SELECT `p`.`livemode` FROM `payments` `p` WHERE `p`.`id` = `bitpay_refunds`.`payment_id`), 0);--> statement-breakpoint
DROP INDEX `bitpay_refunds_guid`;--> statement-breakpoint
CREATE UNIQUE INDEX `bitpay_refunds_guid` ON `bitpay_refunds` (`merchant_id`,`livemode`,`guid`);--> statement-breakpoint
-- One active refund per invoice, enforced by the database: keep the oldest of any earlier race, cancel the rest.
UPDATE `bitpay_refunds` SET `status` = 'canceled', `updated_at` = strftime('%Y-%m-%dT%H:%M:%fZ','now')
WHERE `status` IN ('preview', 'created', 'pending') AND EXISTS (
  SELECT 1 FROM `bitpay_refunds` `r` WHERE `r`.`payment_id` = `bitpay_refunds`.`payment_id` AND `r`.`status` IN ('preview', 'created', 'pending')
    AND (`r`.`created_at` < `bitpay_refunds`.`created_at` OR (`r`.`created_at` = `bitpay_refunds`.`created_at` AND `r`.`id` < `bitpay_refunds`.`id`))
);--> statement-breakpoint
CREATE UNIQUE INDEX `bitpay_refunds_active` ON `bitpay_refunds` (`payment_id`) WHERE `status` IN ('preview', 'created', 'pending');
