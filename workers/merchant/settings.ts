// Store settings: GET/PUT /v1/api/settings (any part; each change a new version with who and
// when; expected_version refuses a stale form) and GET /v1/api/settings/versions.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import {
  AnalyticsSettingsSchema,
  applyStoreSettingsPatch,
  ROLE_PERMISSIONS,
  roleOf,
  STAFF_ROLES,
  StoreBrandingSchema,
  StoreSettingsError,
  StoreSettingsPatchSchema,
  StoreSettingsSchema,
  SetupProgressSchema,
  type StoreSettings,
} from "../../core/store-settings";
import { shopCurrency, ShopCurrencySchema, type ShopCurrency } from "../../core/shop-currency";
import { getShop } from "../../d1/shops";
import { posthogConfig, posthogStaffId, providersOriginOverride } from "../../core/analytics";
import { dataKeys } from "../../core/crypto";
import { currentStoreSettings, saveStoreSettingsChange, StoreSettingsConflict, storeSettingsVersions, type StoreSettingsVersion } from "../../d1/store-settings";
import type { App } from "../http/context";
import { shopPlanUsage, type PlanUsageView } from "../../d1/plans";
import { recordAudit } from "../http/api-log";
import { PlanUsageFields } from "./plan";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { brandingContrastWarnings } from "../../core/contrast";
import { requestWidgetSettingsPublish } from "../../queues/jobs";

const PermissionsSchema = z.object({ write: z.boolean(), change_roles: z.boolean(), grant_owner: z.boolean() });
const settingsFields = {
  /** 0 until the shop first saves (the defaults). */
  version: z.number().int(),
  updated_at: z.string().nullable(),
  updated_by: z.string().nullable(),
  store_name: z.string().nullable(),
  languages: StoreSettingsSchema.shape.languages,
  default_language: StoreSettingsSchema.shape.default_language,
  branding: StoreBrandingSchema,
  staff_roles: z.record(z.string(), z.enum(STAFF_ROLES)),
  /** The shop's own PostHog: off until turned on with the project API key (public by design, phc_…). */
  analytics: AnalyticsSettingsSchema,
  /** The Home screen's setup guide: steps marked done, and whether it was put away. */
  setup: SetupProgressSchema,
  /** The shop's currency, which money amounts are in (read at install, then Shopify's shop/update; USD with known: false until Shopify has said). */
  currency: ShopCurrencySchema,
  /** When the storefront last loaded the widget's config (the widget is live), within the hour; null: never seen. */
  widget_seen_at: z.string().nullable(),
  /**
   * The shop's PostHog for the dashboard's own posthog-js (screens viewed, saves), null while the
   * shop has it off. `distinct_id`: the staff member's keyed hash, never their Shopify user id.
   */
  posthog: z.object({ api_key: z.string(), host: z.string(), distinct_id: z.string().nullable() }).nullable(),
  /** The caller: their role (null while the shop has no roles: everyone may do everything) and what it allows. */
  you: z.object({ user_id: z.string().nullable(), role: z.enum(STAFF_ROLES).nullable(), permissions: PermissionsSchema }),
  /** What each role may do. */
  role_permissions: z.record(z.enum(STAFF_ROLES), PermissionsSchema),
  /** The plan and this month's usage against its limit (as GET /v1/api/plan answers it). */
  usage: z.object(PlanUsageFields),
  /**
   * What the saved settings would show badly, for the dashboard's preview: today the branding's
   * colours below WCAG AA contrast (core/contrast.ts). Warnings never refuse a save.
   */
  warnings: z.array(
    z.object({
      field: z.string(),
      code: z.literal("low_contrast"),
      ratio: z.number(),
      required: z.number(),
      message: z.string(),
    }),
  ),
};
const answer = <T extends z.ZodRawShape>(description: string, fields: T) => ({
  description,
  content: { "application/json": { schema: okEnvelope(fields) } },
});

/** What D1's shop row knows beside the settings: its currency, and whether the widget is live. */
async function shopFacts(env: Env, shop: string): Promise<{ currency: ShopCurrency; widget_seen_at: string | null }> {
  const row = await getShop(env, shop);
  return { currency: shopCurrency(row?.currency), widget_seen_at: row?.widgetSeenAt ? new Date(row.widgetSeenAt).toISOString() : null };
}

/** The dashboard's PostHog (dashboard/src/analytics.ts): the storefront's rule, the staff member's id. */
async function dashboardPosthog(env: Env, shop: string, userId: string | null, analytics: StoreSettingsVersion["settings"]["analytics"]) {
  const config = posthogConfig(analytics, providersOriginOverride(env));
  if (!config) return null;
  const distinctId = userId ? await posthogStaffId(await dataKeys(env.ENCRYPTION_KEY), shop, userId) : null;
  return { api_key: config.project_api_key, host: config.host, distinct_id: distinctId };
}

type Shown = Awaited<ReturnType<typeof shopFacts>> & { posthog: Awaited<ReturnType<typeof dashboardPosthog>> };

function shown(current: StoreSettingsVersion, userId: string | null, usage: PlanUsageView, facts: Shown) {
  const role = roleOf(current.settings.staff_roles, userId);
  return {
    version: current.version,
    updated_at: current.created_at,
    updated_by: current.created_by,
    ...current.settings,
    you: { user_id: userId, role, permissions: role === null ? ROLE_PERMISSIONS.owner : ROLE_PERMISSIONS[role] },
    role_permissions: ROLE_PERMISSIONS,
    usage,
    warnings: brandingContrastWarnings(current.settings.branding),
    ...facts,
  };
}

export function registerSettingsRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/settings",
      summary: "Store settings: name, languages, default language, widget branding, staff roles, analytics (PostHog)",
      responses: { 200: answer("The current version", settingsFields), ...errorResponses(401, 403, 429) },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const [current, usage, facts] = await Promise.all([currentStoreSettings(c.env, shop), shopPlanUsage(c.env, shop), shopFacts(c.env, shop)]);
      const posthog = await dashboardPosthog(c.env, shop, userId, current.settings.analytics);
      return c.json(ok(shown(current, userId, usage, { ...facts, posthog })), 200);
    },
  );

  merchant.openapi(
    createRoute({
      method: "put",
      path: "/settings",
      summary: "Change any part of the store settings (a new version); send expected_version to refuse a stale edit",
      description:
        "Fields left out keep their values; launcher labels and staff roles merge per key, null removing one. The default language must be offered. " +
        "Roles: owners and managers change them, only owners grant or take away the owner role, and a store with roles keeps at least one owner. " +
        "Analytics: PostHog turns on only with a project API key (phc_…; a personal phx_ key is refused); null for the key forgets it.",
      request: {
        query: z.object({ expected_version: z.coerce.number().int().min(0).optional() }),
        body: { required: true, content: { "application/json": { schema: StoreSettingsPatchSchema } } },
      },
      responses: { 200: answer("Saved as a new version", settingsFields), ...errorResponses(400, 401, 403, 409, 429) },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const patch = c.req.valid("json");
      try {
        // The version the change was applied to (the last call wins when a race made it retry).
        let before: StoreSettings | null = null;
        const saved = await saveStoreSettingsChange(
          c.env,
          shop,
          (current: StoreSettings) => {
            before = current;
            return applyStoreSettingsPatch(current, patch, userId);
          },
          { actor: userId ?? "unknown", expectedVersion: c.req.valid("query").expected_version },
        );
        recordAudit(c, { action: "settings.update", subject: { type: "store_settings", id: null }, before, after: saved.settings });
        await requestWidgetSettingsPublish(c.env, shop);
        return c.json(ok(shown(saved, userId, await shopPlanUsage(c.env, shop), { ...(await shopFacts(c.env, shop)), posthog: await dashboardPosthog(c.env, shop, userId, saved.settings.analytics) })), 200);
      } catch (error) {
        if (error instanceof StoreSettingsError) throw new ApiError(error.status, error.code, error.message, undefined, error.field);
        if (error instanceof StoreSettingsConflict) throw new ApiError(409, "version_conflict", error.message);
        throw error;
      }
    },
  );

  merchant.openapi(
    createRoute({
      method: "get",
      path: "/settings/versions",
      summary: "Every saved version of the store settings, newest first, with who saved it and when",
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(20),
          before: z.coerce.number().int().min(1).optional(),
        }),
      },
      responses: {
        200: answer("Versions", {
          versions: z.array(
            z.object({ version: z.number().int(), created_at: z.string().nullable(), created_by: z.string().nullable(), settings: StoreSettingsSchema }),
          ),
        }),
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const { limit, before } = c.req.valid("query");
      const versions = await storeSettingsVersions(c.env, c.get("session").shop, limit, before);
      return c.json(ok({ versions }), 200);
    },
  );
}
