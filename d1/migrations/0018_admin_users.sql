CREATE TABLE `admin_users` (
	`id` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`email_encrypted` text NOT NULL,
	`email_blind_index` text NOT NULL,
	`role` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "admin_users_role" CHECK("admin_users"."role" IN ('superadmin', 'support', 'analytics'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `admin_users_username` ON `admin_users` (`username`);--> statement-breakpoint
CREATE UNIQUE INDEX `admin_users_email` ON `admin_users` (`email_blind_index`);