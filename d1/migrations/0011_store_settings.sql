CREATE TABLE `store_settings` (
	`shop` text NOT NULL,
	`version` integer NOT NULL,
	`settings` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	PRIMARY KEY(`shop`, `version`)
);
