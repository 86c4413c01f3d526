CREATE TABLE `merchant_notices` (
	`id` text PRIMARY KEY NOT NULL,
	`shop` text NOT NULL,
	`kind` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`details` text NOT NULL,
	`created_at` integer NOT NULL,
	`read_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `merchant_notices_dedupe` ON `merchant_notices` (`shop`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `merchant_notices_shop` ON `merchant_notices` (`shop`,`created_at`);