// The shop's loyalty page through the App Proxy: GET /proxy/v1/api/rewards, which a shopper (or a
// search engine) reaches at /apps/loyalnest/rewards on the shop's domain. Its own surface: a page
// answers a shop without the app, or with the page switched off, with a 404 page inside the
// theme rather than the API's JSON refusal.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { WidgetLanguage } from "../../core/i18n";
import { renderLoyaltyPage, renderLoyaltyPageNotFound } from "../../core/loyalty-page";
import { RATE_LIMITS } from "../../core/rate-limits";
import { localizeReward } from "../../core/rewards";
import { STORE_LANGUAGES } from "../../core/store-settings";
import { enabledRewards } from "../../d1/rewards";
import { getProgram } from "../../d1/shops";
import { getStoreSettings } from "../../d1/store-settings";
import { shopTiers } from "../../d1/vip-tiers";
import type { App } from "../http/context";
import { errorResponses } from "../http/envelope";
import { rateLimit } from "../http/rate-limit";
import { createSurface } from "../http/surface";
import { appProxyAuth } from "./auth";
import { pageLanguage } from "./language";
import { proxyQuery } from "./proxy-query";

const LIQUID = { "content-type": "application/liquid; charset=utf-8" };

const pageRoute = createRoute({
  method: "get",
  path: "/rewards",
  summary: "The shop's loyalty page (Liquid, rendered by Shopify inside the theme)",
  description:
    "Ways to earn, rewards, VIP tiers and the referral offer, with the merchant's copy, in the shopper's language (`locale`, else Accept-Language, among the shop's languages). 404 with a page that says it is not available while the merchant has `storefront.surfaces.loyalty_page` off, or the shop has not installed the app.",
  request: { query: proxyQuery.extend({ locale: z.string().max(20).optional() }) },
  responses: {
    200: { description: "The page", content: { "application/liquid": { schema: z.string() } } },
    404: { description: "The page is off, or the shop has not installed the app", content: { "application/liquid": { schema: z.string() } } },
    ...errorResponses(400, 401, 429),
  },
});

/** No settings to go by: the request's language among every language the page speaks. */
function notInstalled(c: Context<App>): Response {
  const language = pageLanguage({ languages: [...STORE_LANGUAGES], default_language: "en" }, c.req.query("locale"), c.req.header("accept-language"));
  return c.body(renderLoyaltyPageNotFound(language), 404, LIQUID);
}

export const loyaltyPage = createSurface([
  appProxyAuth({ notInstalled }),
  rateLimit([{ rule: RATE_LIMITS.storefrontShop, key: (c) => c.get("proxy").shop }]),
]);

loyaltyPage.openapi(pageRoute, async (c) => {
  const { shop } = c.get("proxy");
  const [program, settings, catalog, tiers] = await Promise.all([getProgram(c.env, shop), getStoreSettings(c.env, shop), enabledRewards(c.env, shop), shopTiers(c.env, shop)]);
  const language = pageLanguage(settings, c.req.valid("query").locale, c.req.header("accept-language")) as WidgetLanguage;
  if (!settings.storefront.surfaces.loyalty_page) return c.body(renderLoyaltyPageNotFound(language), 404, LIQUID);
  const page = renderLoyaltyPage({
    language,
    program,
    rewards: catalog.map((reward) => localizeReward(reward, language)),
    tiers,
    copy: settings.storefront.copy[language] ?? {},
  });
  return c.body(page, 200, LIQUID);
});
