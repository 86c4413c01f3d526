CREATE TABLE `referral_codes` (
	`shop` text NOT NULL,
	`customer_id` text NOT NULL,
	`code` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`shop`, `customer_id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `referral_codes_code` ON `referral_codes` (`shop`,`code`);