// The widget's API behind Shopify's App Proxy: /proxy/v1/api/... Postgres is never called here.
import { createRoute, z } from "@hono/zod-openapi";
import { WIDGET_TRANSLATIONS } from "../../core/i18n";
import { STORE_LANGUAGES, StoreBrandingSchema, shopperLanguage, storefrontBranding, type StoreLanguage } from "../../core/store-settings";
import { storefrontContentFor, SurfacesSchema } from "../../core/storefront-content";
import { getStoreSettings, posthogFor } from "../../d1/store-settings";
import { posthogDistinctId } from "../../core/analytics";
import { dataKeys } from "../../core/crypto";
import { StorefrontRewardSchema, localizeReward } from "../../core/rewards";
import { actionPoints } from "../../core/program";
import { runningCampaignsFor } from "../../core/campaigns";
import { campaignsForEarning } from "../../d1/campaigns";
import { StorefrontProgramSchema, WayToEarnSchema, storefrontProgram, waysToEarn } from "../../core/ways-to-earn";
import { nextTier } from "../../core/tiers";
import { enabledRewards } from "../../d1/rewards";
import { getProgram, markWidgetSeen } from "../../d1/shops";
import { log } from "../../core/log";
import { customerStanding, registerVipTierStatusRoute } from "./vip-tiers";
import { RATE_LIMITS } from "../../core/rate-limits";
import { errorResponses, ok, okEnvelope } from "../http/envelope";
import { rateLimit } from "../http/rate-limit";
import { createSurface } from "../http/surface";
import { appProxyAuth, requireCustomer } from "./auth";
import { proxyQuery } from "./proxy-query";
import { registerEarningRoutes } from "./earning";
import { registerRedemptionRoutes } from "./redemption";
import { registerReferralCompleteRoute } from "./referral-complete";
import { registerReferralRoutes } from "./referrals";
import { cachedShopConfig } from "./config-cache";
import { loyaltyPage } from "./loyalty-page";
import { requestLanguage } from "./language";


export const StorefrontCustomerSchema = z
  .object({
    id: z.string(),
    points_balance: z.number().int(),
    total_points_earned: z.number().int(),
    total_points_redeemed: z.number().int(),
    total_points_reversed: z.number().int(),
    /** The held tier's name (English; /vip-tiers/status gives it localized). */
    vip_tier: z.string().nullable(),
    /** The held tier's id (campaigns name the tiers they are for by id). */
    vip_tier_id: z.string().nullable(),
    /** Points basis only (null when tiers count spend: see /vip-tiers/status). */
    next_tier: z.object({ name: z.string(), points_needed: z.number().int() }).nullable(),
  })
  .openapi("StorefrontCustomer");

const customerRoute = createRoute({
  method: "get",
  path: "/customer",
  summary: "The signed-in shopper's points",
  request: { query: proxyQuery },
  responses: {
    200: { description: "Balance and tier", content: { "application/json": { schema: okEnvelope({ customer: StorefrontCustomerSchema }) } } },
    ...errorResponses(400, 401, 403, 429),
  },
});

const configRoute = createRoute({
  method: "get",
  path: "/widget/config",
  summary: "Widget configuration: language (among those the shop offers), branding, strings and the rewards catalog",
  request: { query: proxyQuery.extend({ locale: z.string().max(20).optional() }) },
  responses: {
    200: {
      description: "Widget configuration",
      content: {
        "application/json": {
          schema: okEnvelope({
            /** The shopper's `locale` when the shop offers it, else the shop's default language. */
            language: z.string(),
            languages: z.array(z.enum(STORE_LANGUAGES)),
            default_language: z.enum(STORE_LANGUAGES),
            store_name: z.string().nullable(),
            /** The launcher's label in `language`, null for the widget's own. */
            branding: StoreBrandingSchema.omit({ launcher_label: true }).extend({ launcher_label: z.string().nullable() }),
            translations: z.record(z.string(), z.string()),
            rewards: z.array(StorefrontRewardSchema),
            earn: z.object({ points_per_currency_unit: z.number().int(), signup_points: z.number().int() }),
            program: StorefrontProgramSchema,
            /** Whether the widget offers its Refer a friend section (GET /referrals has the rest). */
            referrals: z.object({ enabled: z.boolean() }),
            /** The surfaces the merchant has on, and their copy in `language` (fields left out: the widget's own strings). */
            storefront: z.object({
              surfaces: SurfacesSchema,
              popup_every_days: z.number().int(),
              copy: z.record(z.string(), z.string()),
            }),
            ways_to_earn: z.array(WayToEarnSchema),
            /** Campaigns running now, localized; one for some tiers only names them (the widget shows it to their holders). */
            /**
             * The shop's PostHog for the widget's posthog-js, null while the shop has it off. The
             * widget loads it only when the shopper's consent allows analytics. `distinct_id`: the
             * signed-in customer's (the server's events use the same), null for a guest.
             */
            analytics: z
              .object({ posthog: z.object({ api_key: z.string(), host: z.string(), distinct_id: z.string().nullable() }) })
              .nullable(),
            campaigns: z.array(
              z.object({
                id: z.string(),
                name: z.string(),
                description: z.string(),
                kind: z.string(),
                multiplier: z.number().optional(),
                action: z.string().optional(),
                points: z.number().int().optional(),
                amount: z.string().optional(),
                days: z.number().int().optional(),
                starts_at: z.string(),
                ends_at: z.string().nullable(),
                eligible_tier_ids: z.array(z.string()).nullable(),
              }),
            ),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 403, 429),
  },
});

export const storefront = createSurface([
  appProxyAuth(),
  rateLimit([
    { rule: RATE_LIMITS.storefrontCustomer, key: (c) => (c.get("proxy").customerId ? `${c.get("proxy").shop}:${c.get("proxy").customerId}` : null) },
    { rule: RATE_LIMITS.storefrontShop, key: (c) => c.get("proxy").shop },
  ]),
]);

storefront.openapi(customerRoute, async (c) => {
  const proxy = c.get("proxy");
  const customerId = requireCustomer(proxy);
  const { summary, program, tiers, held } = await customerStanding(c.env, proxy.shop, customerId);
  const basis = program.tier_policy.basis;
  const tier = tiers.find((t) => t.id === held.tier_id) ?? null;
  const next = basis === "points" ? nextTier(tiers, basis, tier, held.value) : null;
  return c.json(
    ok({
      customer: {
        id: customerId,
        ...summary,
        vip_tier: tier?.translations.en.name ?? null,
        vip_tier_id: tier?.id ?? null,
        next_tier: next && { name: next.tier.translations.en.name, points_needed: next.remaining },
      },
    }),
    200,
  );
});

storefront.openapi(configRoute, async (c) => {
  const { shop, customerId } = c.get("proxy");
  const locale = c.req.valid("query").locale;
  // No `locale` (a page without one, and no choice kept by the widget): Accept-Language decides.
  const acceptLanguage = c.req.header("accept-language");
  const { body, cache } = await cachedShopConfig(c, shop, { locale, acceptLanguage }, () => shopWidgetConfig(c.env, shop, locale, acceptLanguage));
  // The one part that is the shopper's own, never cached: the signed-in customer's PostHog id.
  const distinctId = body.analytics && customerId ? await posthogDistinctId(await dataKeys(c.env.ENCRYPTION_KEY), shop, customerId) : null;
  // The widget is live on the storefront: the setup guide's first step shows it done.
  c.executionCtx.waitUntil(markWidgetSeen(c.env, shop).catch((error: unknown) => log.warn(`storefront: widget_seen_at not written for ${shop}`, String(error))));
  return c.json(
    { ...body, analytics: body.analytics && { posthog: { ...body.analytics.posthog, distinct_id: distinctId } } },
    200,
    { "x-loyalnest-config-cache": cache },
  );
});

/** The widget config as every shopper of the shop sees it in `locale` (workers/storefront/config-cache.ts keeps it at the edge). */
async function shopWidgetConfig(env: Env, shop: string, locale: string | undefined, acceptLanguage: string | undefined) {
  const parts = await widgetConfigParts(env, shop);
  const language = shopperLanguage(parts.settings, requestLanguage(parts.settings.languages, locale, acceptLanguage));
  return ok(widgetConfigIn(parts, language));
}

/** What the widget config is made of, read together (the dashboard's preview reads them too: workers/merchant/widget-preview.ts). */
export async function widgetConfigParts(env: Env, shop: string) {
  const [program, catalog, campaigns, settings, posthog] = await Promise.all([
    getProgram(env, shop),
    enabledRewards(env, shop),
    campaignsForEarning(env, shop),
    getStoreSettings(env, shop),
    posthogFor(env, shop),
  ]);
  return { program, catalog, campaigns, settings, posthog };
}

/** The widget config in `language`, from its parts (the shopper's PostHog id left for the caller). */
export function widgetConfigIn(parts: Awaited<ReturnType<typeof widgetConfigParts>>, language: StoreLanguage) {
  const { program, catalog, campaigns, settings, posthog } = parts;
  const rewards = catalog.map((reward) => localizeReward(reward, language));
  return {
    language,
    languages: settings.languages,
    default_language: settings.default_language,
    store_name: settings.store_name,
    branding: storefrontBranding(settings, language),
    translations: { ...WIDGET_TRANSLATIONS[language] },
    rewards,
    earn: { points_per_currency_unit: program.earning.purchase.points_per_currency_unit, signup_points: actionPoints(program, "signup") },
    program: storefrontProgram(program, language),
    referrals: { enabled: program.referral.enabled },
    storefront: storefrontContentFor(settings.storefront, language),
    ways_to_earn: waysToEarn(program),
    analytics: posthog && { posthog: { api_key: posthog.project_api_key, host: posthog.host, distinct_id: null as string | null } },
    campaigns: program.enabled ? runningCampaignsFor(campaigns, language, Date.now()) : [],
  };
}

registerRedemptionRoutes(storefront);
registerEarningRoutes(storefront);
registerReferralCompleteRoute(storefront);
registerVipTierStatusRoute(storefront);
registerReferralRoutes(storefront);
storefront.route("/", loyaltyPage);
