ALTER TABLE `dead_letters` ADD `status` text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `dead_count` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `body_hash` text;--> statement-breakpoint
ALTER TABLE `dead_letters` ADD `reason` text;--> statement-breakpoint
CREATE INDEX `dead_letters_status` ON `dead_letters` (`status`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `dead_letters_message` ON `dead_letters` (`queue`,`body_hash`);--> statement-breakpoint
ALTER TABLE `shops` ADD `install_confirmed_at` integer;--> statement-breakpoint
ALTER TABLE `webhook_inbox` ADD `triggered_at` integer;