CREATE TABLE `campaign_versions` (
	`campaign_id` text NOT NULL,
	`version` integer NOT NULL,
	`shop` text NOT NULL,
	`change` text NOT NULL,
	`changed_by` text NOT NULL,
	`campaign` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`campaign_id`, `version`)
);
--> statement-breakpoint
CREATE INDEX `campaign_versions_shop` ON `campaign_versions` (`shop`,`created_at`);--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`shop` text NOT NULL,
	`kind` text NOT NULL,
	`campaign` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer,
	`ended_at` integer,
	`version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "campaigns_kind" CHECK("campaigns"."kind" IN ('multiplier', 'goal_spend', 'bonus_action'))
);
--> statement-breakpoint
CREATE INDEX `campaigns_shop_ends` ON `campaigns` (`shop`,`ends_at`);