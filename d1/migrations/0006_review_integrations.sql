CREATE TABLE `review_integrations` (
	`shop` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`secret_encrypted` text NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "review_integrations_provider" CHECK("review_integrations"."provider" IN ('judgeme'))
);
