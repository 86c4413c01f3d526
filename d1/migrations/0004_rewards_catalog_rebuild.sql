-- The rewards table rebuilt in the catalog's own terms (d1/schema.ts): `enabled` for `active`,
-- `product_variant_gid` for `product_gid`, the texts only in `translations` (no `title`), and
-- `translations` and `updated_at` never null. Written by hand around drizzle-kit's rebuild:
-- rows from before the catalog (translations null) are carried over as follows.
--   title → translations.en.title (no description),
--   product_gid → product_variant_gid only on a free_product and only if it is a ProductVariant
--     gid, else null (only free products name a variant),
--   a free_product without its variant or its value is disabled until the merchant completes it,
--   a reward still at version 1 without a version row gets one, written by "system".
-- No foreign key refers to rewards, so the rebuild needs no pragma.
CREATE TABLE `__new_rewards` (
	`id` text PRIMARY KEY NOT NULL,
	`shop` text NOT NULL,
	`type` text NOT NULL,
	`points_cost` integer NOT NULL,
	`value` text,
	`min_points` integer,
	`max_points` integer,
	`product_variant_gid` text,
	`min_order_subtotal` text,
	`code_expiry_days` integer,
	`enabled` integer DEFAULT true NOT NULL,
	`sort` integer DEFAULT 0 NOT NULL,
	`translations` text NOT NULL,
	`version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "rewards_points_cost" CHECK("__new_rewards"."points_cost" > 0),
	CONSTRAINT "rewards_type" CHECK("__new_rewards"."type" IN ('fixed_amount', 'percentage', 'free_shipping', 'free_product', 'points_to_money'))
);
--> statement-breakpoint
INSERT INTO `__new_rewards`("id", "shop", "type", "points_cost", "value", "min_points", "max_points", "product_variant_gid", "min_order_subtotal", "code_expiry_days", "enabled", "sort", "translations", "version", "created_at", "updated_at")
SELECT "id", "shop", "type", "points_cost", "value", "min_points", "max_points", "variant", "min_order_subtotal", "code_expiry_days",
	CASE WHEN "type" = 'free_product' AND ("variant" IS NULL OR "value" IS NULL) THEN 0 ELSE "active" END,
	"sort",
	coalesce("translations", json_object('en', json_object('title', "title", 'description', ''))),
	"version", "created_at", coalesce("updated_at", "created_at")
FROM (
	SELECT *,
		CASE WHEN "type" = 'free_product'
			AND "product_gid" GLOB 'gid://shopify/ProductVariant/[0-9]*'
			AND substr("product_gid", 30) NOT GLOB '*[^0-9]*'
			AND length("product_gid") <= 49
		THEN "product_gid" END AS "variant"
	FROM `rewards`
);--> statement-breakpoint
DROP TABLE `rewards`;--> statement-breakpoint
ALTER TABLE `__new_rewards` RENAME TO `rewards`;--> statement-breakpoint
CREATE INDEX `rewards_shop` ON `rewards` (`shop`,`enabled`,`sort`);--> statement-breakpoint
-- The reward as d1/rewards.ts writes it into a version row (test/e2e/d1-migrations.test.ts
-- checks the two agree). A reward edited since 0003 lacks its version 1 row for good.
INSERT INTO `reward_versions` ("reward_id", "version", "shop", "change", "changed_by", "reward", "created_at")
SELECT "id", 1, "shop", 'created', 'system',
	json_object(
		'reward_id', "id", 'type', "type", 'points_cost', "points_cost", 'value', "value",
		'min_points', "min_points", 'max_points', "max_points", 'product_variant_gid', "product_variant_gid",
		'min_order_subtotal', "min_order_subtotal", 'code_expiry_days', "code_expiry_days",
		'enabled', json(CASE WHEN "enabled" THEN 'true' ELSE 'false' END), 'sort', "sort",
		'translations', json("translations"), 'version', 1,
		'created_at', strftime('%Y-%m-%dT%H:%M:%fZ', "created_at" / 1000.0, 'unixepoch'),
		'updated_at', strftime('%Y-%m-%dT%H:%M:%fZ', "updated_at" / 1000.0, 'unixepoch')
	),
	"created_at"
FROM `rewards` AS "r"
WHERE "version" = 1 AND NOT EXISTS (SELECT 1 FROM `reward_versions` AS "v" WHERE "v"."reward_id" = "r"."id");
