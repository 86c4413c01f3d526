ALTER TABLE `shops` ADD `currency` text;--> statement-breakpoint
ALTER TABLE `shops` ADD `currency_at` integer;