CREATE TABLE `notification_templates` (
	`shop` text NOT NULL,
	`type` text NOT NULL,
	`version` integer NOT NULL,
	`channels` text NOT NULL,
	`templates` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	PRIMARY KEY(`shop`, `type`, `version`),
	CONSTRAINT "notification_templates_type" CHECK("notification_templates"."type" IN ('points_earned', 'reward_issued', 'tier_changed', 'referral_completed', 'points_expiring', 'badge_earned'))
);
