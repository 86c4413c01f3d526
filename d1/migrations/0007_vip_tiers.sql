CREATE TABLE `vip_tier_versions` (
	`shop` text NOT NULL,
	`tier_id` text NOT NULL,
	`version` integer NOT NULL,
	`change` text NOT NULL,
	`changed_by` text NOT NULL,
	`tier` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`shop`, `tier_id`, `version`)
);
--> statement-breakpoint
CREATE TABLE `vip_tiers` (
	`shop` text NOT NULL,
	`id` text NOT NULL,
	`basis` text NOT NULL,
	`threshold` integer NOT NULL,
	`earn_multiplier_bp` integer NOT NULL,
	`entry_reward_id` text,
	`translations` text NOT NULL,
	`discount_percentage` text,
	`free_shipping` integer DEFAULT false NOT NULL,
	`sort` integer DEFAULT 0 NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`shop`, `id`),
	CONSTRAINT "vip_tiers_basis" CHECK("vip_tiers"."basis" IN ('points', 'spend')),
	CONSTRAINT "vip_tiers_threshold_min" CHECK("vip_tiers"."threshold" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vip_tiers_threshold` ON `vip_tiers` (`shop`,`basis`,`threshold`) WHERE "vip_tiers"."enabled" = 1;