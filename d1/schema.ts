// D1: configuration near the edge, the webhook inbox and the order → customer index.
// The one source of D1's schema: `npm run db:generate` (drizzle-kit) writes each numbered
// migration in d1/migrations from it, and `npm test` fails when a change has no migration.
import { sql } from "drizzle-orm";
import { check, integer, primaryKey, sqliteTable, text, uniqueIndex, index } from "drizzle-orm/sqlite-core";
import { CAMPAIGN_KINDS, type CampaignInput } from "../core/campaigns";
import { NOTIFICATION_TYPES } from "../core/notification-templates";
import { REWARD_TYPES, type Reward } from "../core/rewards";
import type { VipTier } from "../core/tiers";

export const shops = sqliteTable(
  "shops",
  {
  domain: text("domain").primaryKey(),
  status: text("status", { enum: ["installed", "uninstalled"] }).notNull(),
  accessTokenEncrypted: text("access_token_encrypted"),
  accessTokenExpiresAt: integer("access_token_expires_at"),
  refreshTokenEncrypted: text("refresh_token_encrypted"),
  plan: text("plan").notNull().default("free"),
  /** When the current installation began (a reinstall after an uninstall sets it anew). */
  installedAt: integer("installed_at").notNull(),
  /**
   * The latest proof that the app was installed (each token exchange): an app/uninstalled
   * that Shopify triggered before this is stale, whatever order the two reached us in.
   */
  installConfirmedAt: integer("install_confirmed_at"),
  uninstalledAt: integer("uninstalled_at"),
  updatedAt: integer("updated_at").notNull(),
  /** The shop's currency (ISO 4217) as Shopify last reported it (shop/update); null: not yet told. */
  currency: text("currency"),
  /** When Shopify said so (the shop/update's triggered-at): an older delivery arriving later is ignored. */
  currencyAt: integer("currency_at"),
  /**
   * When the storefront last asked for the widget's config (through the App Proxy, so Shopify
   * signed it): the widget is live on the shop's theme. Written at most once an hour.
   */
  widgetSeenAt: integer("widget_seen_at"),
  },
  (t) => [check("shops_status", sql`${t.status} IN ('installed', 'uninstalled')`)],
);

export const programSettings = sqliteTable(
  "program_settings",
  {
    shop: text("shop").notNull(),
    version: integer("version").notNull(),
    settings: text("settings").notNull(),
    createdAt: integer("created_at").notNull(),
    /** Who saved it: the session token's `sub`, "install", or "system" (older versions). */
    createdBy: text("created_by").notNull().default("system"),
  },
  (t) => [primaryKey({ columns: [t.shop, t.version] })],
);

/**
 * Store settings (core/store-settings.ts), append-only like the program: each change is a new
 * version with who saved it (the session token's `sub`) and when. No row: the defaults.
 */
export const storeSettings = sqliteTable(
  "store_settings",
  {
    shop: text("shop").notNull(),
    version: integer("version").notNull(),
    settings: text("settings").notNull(),
    createdAt: integer("created_at").notNull(),
    createdBy: text("created_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.shop, t.version] })],
);

/**
 * The rewards catalog's current state, one row per reward in the shape of core/rewards.ts's
 * `Reward`. Every edit also writes a row in reward_versions, in the same batch.
 */
export const rewards = sqliteTable(
  "rewards",
  {
    id: text("id").primaryKey(),
    shop: text("shop").notNull(),
    type: text("type", { enum: REWARD_TYPES }).notNull(),
    pointsCost: integer("points_cost").notNull(),
    value: text("value"),
    minPoints: integer("min_points"),
    maxPoints: integer("max_points"),
    productVariantGid: text("product_variant_gid"),
    minOrderSubtotal: text("min_order_subtotal"),
    codeExpiryDays: integer("code_expiry_days"),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    sort: integer("sort").notNull().default(0),
    /** { en: { title, description }, es?, fr? } */
    translations: text("translations", { mode: "json" }).$type<Reward["translations"]>().notNull(),
    version: integer("version").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("rewards_shop").on(t.shop, t.enabled, t.sort),
    check("rewards_points_cost", sql`${t.pointsCost} > 0`),
    check("rewards_type", sql`${t.type} IN (${sql.raw(REWARD_TYPES.map((type) => `'${type}'`).join(", "))})`),
  ],
);

/** Append-only: each reward as it was after every edit, with who made it. */
export const rewardVersions = sqliteTable(
  "reward_versions",
  {
    rewardId: text("reward_id").notNull(),
    version: integer("version").notNull(),
    shop: text("shop").notNull(),
    change: text("change", { enum: ["created", "updated", "disabled"] }).notNull(),
    /** The merchant user (session token `sub`), or "system" for an install's defaults. */
    changedBy: text("changed_by").notNull(),
    reward: text("reward").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.rewardId, t.version] }), index("reward_versions_shop").on(t.shop, t.createdAt)],
);

/**
 * VIP tiers, one row per tier in the shape of core/tiers.ts's `VipTier`; every edit also writes
 * a row in vip_tier_versions, in the same batch. Ids are per shop (`tier_…`).
 */
export const vipTiers = sqliteTable(
  "vip_tiers",
  {
    shop: text("shop").notNull(),
    id: text("id").notNull(),
    /** The unit of `threshold`: points, or mills of spend (program.tier_policy.basis). */
    basis: text("basis", { enum: ["points", "spend"] }).notNull(),
    threshold: integer("threshold").notNull(),
    /** The earn multiplier in basis points (1.25× is 12,500): exact, as awards use it. */
    earnMultiplierBp: integer("earn_multiplier_bp").notNull(),
    /** A rewards-catalog reward issued free, once per customer, on entering the tier. */
    entryRewardId: text("entry_reward_id"),
    /** { en: { name, perks }, es?, fr?, de? } */
    translations: text("translations", { mode: "json" }).$type<VipTier["translations"]>().notNull(),
    discountPercentage: text("discount_percentage"),
    freeShipping: integer("free_shipping", { mode: "boolean" }).notNull().default(false),
    sort: integer("sort").notNull().default(0),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    version: integer("version").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.shop, t.id] }),
    // Two enabled tiers never share a threshold: which one a customer reaches must be certain.
    uniqueIndex("vip_tiers_threshold").on(t.shop, t.basis, t.threshold).where(sql`${t.enabled} = 1`),
    // The cron's search for tiers changed in the last minute (a discount publish to repeat).
    index("vip_tiers_updated_at").on(t.updatedAt),
    check("vip_tiers_basis", sql`${t.basis} IN ('points', 'spend')`),
    check("vip_tiers_threshold_min", sql`${t.threshold} >= 0`),
  ],
);

/** Append-only: each tier as it was after every edit, with who made it. */
export const vipTierVersions = sqliteTable(
  "vip_tier_versions",
  {
    shop: text("shop").notNull(),
    tierId: text("tier_id").notNull(),
    version: integer("version").notNull(),
    change: text("change", { enum: ["created", "updated", "disabled"] }).notNull(),
    /** The merchant user (session token `sub`), or "system" for the defaults. */
    changedBy: text("changed_by").notNull(),
    tier: text("tier").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.shop, t.tierId, t.version] })],
);

/**
 * Bonus campaigns (core/campaigns.ts), one row each in its current state: the merchant's fields
 * as JSON, with the times earning selects by as columns. Every change also writes a row in
 * campaign_versions, in the same batch.
 */
export const campaigns = sqliteTable(
  "campaigns",
  {
    /** `cmp_…` */
    id: text("id").primaryKey(),
    shop: text("shop").notNull(),
    kind: text("kind", { enum: CAMPAIGN_KINDS }).notNull(),
    campaign: text("campaign", { mode: "json" }).$type<CampaignInput>().notNull(),
    startsAt: integer("starts_at").notNull(),
    /** null: open-ended. */
    endsAt: integer("ends_at"),
    /** When the merchant ended it early (ends_at was set to the same moment). */
    endedAt: integer("ended_at"),
    version: integer("version").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("campaigns_shop_ends").on(t.shop, t.endsAt),
    // The cron's search for campaigns starting, ending or changed in the last minute, across shops.
    index("campaigns_starts_at").on(t.startsAt),
    index("campaigns_ends_at").on(t.endsAt),
    index("campaigns_updated_at").on(t.updatedAt),
    check("campaigns_kind", sql`${t.kind} IN (${sql.raw(CAMPAIGN_KINDS.map((kind) => `'${kind}'`).join(", "))})`),
  ],
);

/** Append-only: each campaign as it was after every change, with who made it. */
export const campaignVersions = sqliteTable(
  "campaign_versions",
  {
    campaignId: text("campaign_id").notNull(),
    version: integer("version").notNull(),
    shop: text("shop").notNull(),
    change: text("change", { enum: ["created", "updated", "ended"] }).notNull(),
    /** The merchant user (session token `sub`). */
    changedBy: text("changed_by").notNull(),
    campaign: text("campaign").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.version] }), index("campaign_versions_shop").on(t.shop, t.createdAt)],
);

export const webhookInbox = sqliteTable(
  "webhook_inbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    shop: text("shop").notNull(),
    topic: text("topic").notNull(),
    deliveryId: text("delivery_id").notNull(),
    body: text("body").notNull(),
    orderGid: text("order_gid"),
    status: text("status", { enum: ["pending", "parked", "processed", "rejected"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    receivedAt: integer("received_at").notNull(),
    /** X-Shopify-Triggered-At, epoch ms, when the delivery carried it. */
    triggeredAt: integer("triggered_at"),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    processedAt: integer("processed_at"),
    lastError: text("last_error"),
  },
  (t) => [
    uniqueIndex("webhook_inbox_delivery").on(t.shop, t.deliveryId),
    index("webhook_inbox_due").on(t.status, t.nextAttemptAt),
    index("webhook_inbox_order").on(t.shop, t.orderGid, t.status),
    check("webhook_inbox_status", sql`${t.status} IN ('pending', 'parked', 'processed', 'rejected')`),
  ],
);

export const orderIndex = sqliteTable(
  "order_index",
  {
    shop: text("shop").notNull(),
    orderGid: text("order_gid").notNull(),
    customerId: text("customer_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.shop, t.orderGid] })],
);

export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    queue: text("queue").notNull(),
    body: text("body").notNull(),
    attempts: integer("attempts").notNull(),
    createdAt: integer("created_at").notNull().default(sql`(unixepoch() * 1000)`),
    redrivenAt: integer("redriven_at"),
    /**
     * pending: the sweeper re-drives it to its queue. parked: final, kept for an operator with
     * its reason until the retention purge (queues/dead-letters.ts).
     */
    status: text("status", { enum: ["pending", "parked"] }).notNull().default("pending"),
    /** How many times this same message (same queue and body) reached a dead-letter queue. */
    deadCount: integer("dead_count").notNull().default(1),
    bodyHash: text("body_hash"),
    reason: text("reason"),
  },
  (t) => [
    index("dead_letters_pending").on(t.redrivenAt, t.createdAt),
    index("dead_letters_status").on(t.status, t.createdAt),
    uniqueIndex("dead_letters_message").on(t.queue, t.bodyHash),
  ],
);

/**
 * A shop's review provider and the secret its webhooks are signed with (sealed: core/crypto
 * encryptText with reviewSecretContext). One provider per shop.
 */
export const reviewIntegrations = sqliteTable(
  "review_integrations",
  {
    shop: text("shop").primaryKey(),
    provider: text("provider", { enum: ["judgeme"] }).notNull(),
    secretEncrypted: text("secret_encrypted").notNull(),
    updatedBy: text("updated_by").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [check("review_integrations_provider", sql`${t.provider} IN ('judgeme')`)],
);

/**
 * What the shop's merchant must be told (a plan limit near, a data bundle ready, …): shown in
 * the dashboard until read. One row per dedupe key, so a condition noticed twice is told once.
 */
export const merchantNotices = sqliteTable(
  "merchant_notices",
  {
    id: text("id").primaryKey(),
    shop: text("shop").notNull(),
    kind: text("kind").notNull(),
    dedupeKey: text("dedupe_key").notNull(),
    /** Plain facts for the dashboard to phrase in the merchant's language (no personal data). */
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer("created_at").notNull(),
    readAt: integer("read_at"),
  },
  (t) => [uniqueIndex("merchant_notices_dedupe").on(t.shop, t.dedupeKey), index("merchant_notices_shop").on(t.shop, t.createdAt)],
);

/**
 * The plans a shop can be on (core/plans.ts): seeded by migration 0013_plans_seed.sql. `shops.plan`
 * names one. A limit of null is unlimited.
 */
export const plans = sqliteTable(
  "plans",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** USD per 30 days, a decimal string as Shopify's billing takes it. */
    price: text("price").notNull(),
    /** Net paid orders per calendar month (UTC); null: unlimited. */
    monthlyOrderLimit: integer("monthly_order_limit"),
    sort: integer("sort").notNull().default(0),
  },
  (t) => [check("plans_limit", sql`${t.monthlyOrderLimit} IS NULL OR ${t.monthlyOrderLimit} > 0`)],
);

/**
 * One row per (shop, month, order) the shop's customers paid: whether it counts now (not fully
 * refunded nor cancelled) and whether its points are held. Written by the ledger-events
 * consumer from each account's `order_usage` events; `revision` (the account's outbox seq)
 * keeps a late or repeated event from undoing a newer one.
 */
export const planUsageOrders = sqliteTable(
  "plan_usage_orders",
  {
    shop: text("shop").notNull(),
    month: text("month").notNull(),
    orderGid: text("order_gid").notNull(),
    customerId: text("customer_id").notNull(),
    counts: integer("counts", { mode: "boolean" }).notNull(),
    held: integer("held", { mode: "boolean" }).notNull(),
    heldPoints: integer("held_points").notNull().default(0),
    revision: integer("revision").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.shop, t.month, t.orderGid] }),
    index("plan_usage_orders_counting").on(t.shop, t.month, t.counts),
    index("plan_usage_orders_held").on(t.shop, t.customerId).where(sql`${t.held} = 1`),
  ],
);

/** A shop's count for a month (recounted from plan_usage_orders) and when it reached the limit. */
export const planUsage = sqliteTable(
  "plan_usage",
  {
    shop: text("shop").notNull(),
    month: text("month").notNull(),
    netOrders: integer("net_orders").notNull(),
    /** When the count first reached the plan's limit this month (the grace runs from it); reset by a plan change. */
    limitReachedAt: integer("limit_reached_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.shop, t.month] })],
);

/** Append-only: every change of a shop's plan, who made it and through what. */
export const planChanges = sqliteTable(
  "plan_changes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    shop: text("shop").notNull(),
    fromPlan: text("from_plan").notNull(),
    toPlan: text("to_plan").notNull(),
    /** "merchant:<session sub>", "admin:<id>", "shopify:billing", "seed". */
    changedBy: text("changed_by").notNull(),
    /** The Shopify subscription that made it, when billing did. */
    subscriptionGid: text("subscription_gid"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("plan_changes_shop").on(t.shop, t.createdAt)],
);

/** The app subscriptions asked of Shopify's billing API, and their status as Shopify last told it. */
export const planSubscriptions = sqliteTable(
  "plan_subscriptions",
  {
    /** gid://shopify/AppSubscription/… */
    gid: text("gid").primaryKey(),
    shop: text("shop").notNull(),
    plan: text("plan").notNull(),
    /** Shopify's AppSubscriptionStatus: PENDING, ACTIVE, CANCELLED, DECLINED, EXPIRED, FROZEN. */
    status: text("status").notNull(),
    requestedBy: text("requested_by").notNull(),
    activatedAt: integer("activated_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("plan_subscriptions_shop").on(t.shop, t.status)],
);

/**
 * Every GDPR request (Shopify's compliance webhooks and the merchant's own), with its status:
 * received → processing → done | failed (reason). Kept in D1, not Postgres, so a request is
 * recorded, and its redaction runs, while Postgres is down (the job retries until it is back).
 * No personal data: the customer is a keyed hash (core/crypto customerKeyedHash); the plain
 * customer id and the orders to redact are held only while the request is open, then cleared.
 */
export const gdprRequests = sqliteTable(
  "gdpr_requests",
  {
    id: text("id").primaryKey(),
    shop: text("shop").notNull(),
    type: text("type", { enum: ["data_request", "redact", "shop_redact"] }).notNull(),
    status: text("status", { enum: ["received", "processing", "done", "failed"] }).notNull(),
    /** `shopify` for a compliance webhook, else the merchant staff member's session `sub`. */
    requestedBy: text("requested_by").notNull(),
    /** The webhook's delivery id (a repeat delivery is the same request), or the merchant request's id. */
    sourceId: text("source_id").notNull(),
    customerHash: text("customer_hash"),
    /** While open only: the customer id and the orders named (JSON array of numeric ids). */
    customerId: text("customer_id"),
    orders: text("orders"),
    /** Shopify's data_request.id, when it sent one. */
    shopifyRequestId: text("shopify_request_id"),
    /** The data request's sealed bundle in R2. */
    bundleKey: text("bundle_key"),
    reason: text("reason"),
    attempts: integer("attempts").notNull().default(0),
    receivedAt: integer("received_at").notNull(),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("gdpr_requests_source").on(t.shop, t.sourceId),
    index("gdpr_requests_shop").on(t.shop, t.receivedAt),
    index("gdpr_requests_open").on(t.status, t.updatedAt),
    index("gdpr_requests_customer").on(t.shop, t.customerHash),
    check("gdpr_requests_type", sql`${t.type} IN ('data_request', 'redact', 'shop_redact')`),
    check("gdpr_requests_status", sql`${t.status} IN ('received', 'processing', 'done', 'failed')`),
  ],
);

/**
 * A shop's notification settings per type (core/notification-templates.ts), append-only like
 * the program: each change a new version with who saved it and when. `channels` holds the
 * switches the merchant set, `templates` per language the fields they rewrote (JSON); anything
 * absent, and a type with no row, is the default.
 */
export const notificationTemplates = sqliteTable(
  "notification_templates",
  {
    shop: text("shop").notNull(),
    type: text("type", { enum: NOTIFICATION_TYPES }).notNull(),
    version: integer("version").notNull(),
    channels: text("channels").notNull(),
    templates: text("templates").notNull(),
    createdAt: integer("created_at").notNull(),
    createdBy: text("created_by").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.shop, t.type, t.version] }),
    check("notification_templates_type", sql`${t.type} IN (${sql.raw(NOTIFICATION_TYPES.map((type) => `'${type}'`).join(", "))})`),
  ],
);

/**
 * A shop's messaging providers (workers/providers): one row per (shop, provider). `settings`
 * holds what is not secret (sender addresses and numbers, Twilio's account SID); `secrets` the
 * keys and tokens as one sealed JSON object (core/crypto encryptText with
 * integrationSecretContext). `revision` grows with every save, so a connectivity check of an
 * older configuration cannot overwrite the status of the current one. `failing_since` is the
 * start of the current failure streak (the merchant is told once per streak).
 */
export const integrations = sqliteTable(
  "integrations",
  {
    shop: text("shop").notNull(),
    provider: text("provider", { enum: ["sendgrid", "twilio", "postscript", "klaviyo"] }).notNull(),
    settings: text("settings", { mode: "json" }).$type<Record<string, string | null>>().notNull(),
    secretsEncrypted: text("secrets_encrypted").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    revision: integer("revision").notNull().default(1),
    status: text("status", { enum: ["unchecked", "ok", "failing"] }).notNull().default("unchecked"),
    checkedAt: integer("checked_at"),
    /** When a check was last queued (a save, the merchant, the daily sweep): the sweep skips rows asked recently. */
    checkRequestedAt: integer("check_requested_at"),
    failingSince: integer("failing_since"),
    lastErrorCode: text("last_error_code"),
    lastErrorMessage: text("last_error_message"),
    updatedBy: text("updated_by").notNull(),
    updatedAt: integer("updated_at").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.shop, t.provider] }),
    index("integrations_status").on(t.status, t.shop),
    index("integrations_check_due").on(t.checkRequestedAt),
    check("integrations_provider", sql`${t.provider} IN ('sendgrid', 'twilio', 'postscript', 'klaviyo')`),
    check("integrations_status", sql`${t.status} IN ('unchecked', 'ok', 'failing')`),
  ],
);

/**
 * Referral codes (core/referrals.ts): one per advocate, unique in its shop. A row is never
 * rewritten: asking again for a code returns this one. `code` is stored normalised (upper case,
 * no separators), as lookups normalise what a friend typed.
 */
export const referralCodes = sqliteTable(
  "referral_codes",
  {
    shop: text("shop").notNull(),
    customerId: text("customer_id").notNull(),
    code: text("code").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.shop, t.customerId] }), uniqueIndex("referral_codes_code").on(t.shop, t.code)],
);

/**
 * The platform's admins (the console under /admin, behind Cloudflare Access): Access proves the
 * email, this table says whether it belongs to an active admin and with which role
 * (core/admin-roles.ts). No passwords: Access is the login. The email is sealed
 * (core/crypto adminEmailContext) and found by its blind index (adminEmailBlindIndex).
 */
export const adminUsers = sqliteTable(
  "admin_users",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull(),
    emailEncrypted: text("email_encrypted").notNull(),
    emailBlindIndex: text("email_blind_index").notNull(),
    role: text("role", { enum: ["superadmin", "support", "analytics"] }).notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    /** The admin id that created it, or "seed" / "bootstrap". */
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("admin_users_username").on(t.username),
    uniqueIndex("admin_users_email").on(t.emailBlindIndex),
    check("admin_users_role", sql`${t.role} IN ('superadmin', 'support', 'analytics')`),
  ],
);
