CREATE TABLE `reward_versions` (
	`reward_id` text NOT NULL,
	`version` integer NOT NULL,
	`shop` text NOT NULL,
	`change` text NOT NULL,
	`changed_by` text NOT NULL,
	`reward` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`reward_id`, `version`)
);
--> statement-breakpoint
CREATE INDEX `reward_versions_shop` ON `reward_versions` (`shop`,`created_at`);--> statement-breakpoint
ALTER TABLE `rewards` ADD `min_points` integer;--> statement-breakpoint
ALTER TABLE `rewards` ADD `max_points` integer;--> statement-breakpoint
ALTER TABLE `rewards` ADD `min_order_subtotal` text;--> statement-breakpoint
ALTER TABLE `rewards` ADD `code_expiry_days` integer;--> statement-breakpoint
ALTER TABLE `rewards` ADD `translations` text;--> statement-breakpoint
ALTER TABLE `rewards` ADD `version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `rewards` ADD `updated_at` integer;--> statement-breakpoint
-- Rewards from before the catalog: codes last 30 days (as the defaults do), and a free product
-- that names no variant waits, disabled, for the merchant to choose one.
UPDATE `rewards` SET `code_expiry_days` = 30, `updated_at` = `created_at` WHERE `translations` IS NULL;--> statement-breakpoint
UPDATE `rewards` SET `active` = 0, `product_gid` = NULL WHERE `type` = 'free_product' AND coalesce(`product_gid`, '') NOT LIKE 'gid://shopify/ProductVariant/%';
