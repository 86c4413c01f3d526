CREATE TABLE `plan_changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`shop` text NOT NULL,
	`from_plan` text NOT NULL,
	`to_plan` text NOT NULL,
	`changed_by` text NOT NULL,
	`subscription_gid` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `plan_changes_shop` ON `plan_changes` (`shop`,`created_at`);--> statement-breakpoint
CREATE TABLE `plan_subscriptions` (
	`gid` text PRIMARY KEY NOT NULL,
	`shop` text NOT NULL,
	`plan` text NOT NULL,
	`status` text NOT NULL,
	`requested_by` text NOT NULL,
	`activated_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `plan_subscriptions_shop` ON `plan_subscriptions` (`shop`,`status`);--> statement-breakpoint
CREATE TABLE `plan_usage` (
	`shop` text NOT NULL,
	`month` text NOT NULL,
	`net_orders` integer NOT NULL,
	`limit_reached_at` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`shop`, `month`)
);
--> statement-breakpoint
CREATE TABLE `plan_usage_orders` (
	`shop` text NOT NULL,
	`month` text NOT NULL,
	`order_gid` text NOT NULL,
	`customer_id` text NOT NULL,
	`counts` integer NOT NULL,
	`held` integer NOT NULL,
	`held_points` integer DEFAULT 0 NOT NULL,
	`revision` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`shop`, `month`, `order_gid`)
);
--> statement-breakpoint
CREATE INDEX `plan_usage_orders_counting` ON `plan_usage_orders` (`shop`,`month`,`counts`);--> statement-breakpoint
CREATE INDEX `plan_usage_orders_held` ON `plan_usage_orders` (`shop`,`customer_id`) WHERE "plan_usage_orders"."held" = 1;--> statement-breakpoint
CREATE TABLE `plans` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`price` text NOT NULL,
	`monthly_order_limit` integer,
	`sort` integer DEFAULT 0 NOT NULL,
	CONSTRAINT "plans_limit" CHECK("plans"."monthly_order_limit" IS NULL OR "plans"."monthly_order_limit" > 0)
);
