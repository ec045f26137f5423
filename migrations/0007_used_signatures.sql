CREATE TABLE `used_signatures` (
	`signature_hash` text PRIMARY KEY NOT NULL,
	`key_id` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `used_signatures_expires` ON `used_signatures` (`expires_at`);
