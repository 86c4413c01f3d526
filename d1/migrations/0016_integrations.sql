CREATE TABLE `integrations` (
	`shop` text NOT NULL,
	`provider` text NOT NULL,
	`settings` text NOT NULL,
	`secrets_encrypted` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`revision` integer DEFAULT 1 NOT NULL,
	`status` text DEFAULT 'unchecked' NOT NULL,
	`checked_at` integer,
	`check_requested_at` integer,
	`failing_since` integer,
	`last_error_code` text,
	`last_error_message` text,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`shop`, `provider`),
	CONSTRAINT "integrations_provider" CHECK("integrations"."provider" IN ('sendgrid', 'twilio', 'postscript', 'klaviyo')),
	CONSTRAINT "integrations_status" CHECK("integrations"."status" IN ('unchecked', 'ok', 'failing'))
);
--> statement-breakpoint
CREATE INDEX `integrations_status` ON `integrations` (`status`,`shop`);--> statement-breakpoint
CREATE INDEX `integrations_check_due` ON `integrations` (`check_requested_at`);