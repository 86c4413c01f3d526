CREATE INDEX `campaigns_starts_at` ON `campaigns` (`starts_at`);--> statement-breakpoint
CREATE INDEX `campaigns_ends_at` ON `campaigns` (`ends_at`);--> statement-breakpoint
CREATE INDEX `campaigns_updated_at` ON `campaigns` (`updated_at`);--> statement-breakpoint
CREATE INDEX `vip_tiers_updated_at` ON `vip_tiers` (`updated_at`);