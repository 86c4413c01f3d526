CREATE TABLE `gdpr_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`shop` text NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`requested_by` text NOT NULL,
	`source_id` text NOT NULL,
	`customer_hash` text,
	`customer_id` text,
	`orders` text,
	`shopify_request_id` text,
	`bundle_key` text,
	`reason` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`received_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`updated_at` integer NOT NULL,
	CONSTRAINT "gdpr_requests_type" CHECK("gdpr_requests"."type" IN ('data_request', 'redact', 'shop_redact')),
	CONSTRAINT "gdpr_requests_status" CHECK("gdpr_requests"."status" IN ('received', 'processing', 'done', 'failed'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `gdpr_requests_source` ON `gdpr_requests` (`shop`,`source_id`);--> statement-breakpoint
CREATE INDEX `gdpr_requests_shop` ON `gdpr_requests` (`shop`,`received_at`);--> statement-breakpoint
CREATE INDEX `gdpr_requests_open` ON `gdpr_requests` (`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `gdpr_requests_customer` ON `gdpr_requests` (`shop`,`customer_hash`);