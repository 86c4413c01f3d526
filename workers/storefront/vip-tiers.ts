// The shopper's VIP tier: what they hold, what is next and how far, in their language.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { pickLanguage } from "../../core/i18n";
import { displayThreshold, ladder, nextTier, periodStart, tierText, type VipTier } from "../../core/tiers";
import { getProgram } from "../../d1/shops";
import { shopTiers } from "../../d1/vip-tiers";
import { customerAccount } from "../../durable-objects/stubs";
import type { App } from "../http/context";
import { errorResponses, ok, okEnvelope } from "../http/envelope";
import { requireCustomer } from "./auth";
import { proxyQuery } from "./proxy-query";

const Threshold = z.union([z.number().int(), z.string()]);
const StatusSchema = {
  basis: z.enum(["points", "spend"]),
  period: z.enum(["lifetime", "calendar_year", "rolling_12_months"]),
  current: z.object({ id: z.string(), name: z.string(), perks: z.array(z.string()), earn_multiplier: z.number() }).nullable(),
  next: z.object({ id: z.string(), name: z.string(), threshold: Threshold, remaining: Threshold }).nullable(),
  progress: z.object({ value: Threshold, period_start: z.string().nullable() }),
  /** While below the tier held: when the downgrade policy takes it; else null. */
  keeps_until: z.string().nullable(),
  tiers: z.array(z.object({ id: z.string(), name: z.string(), threshold: Threshold, perks: z.array(z.string()), earn_multiplier: z.number() })),
};

const statusRoute = createRoute({
  method: "get",
  path: "/vip-tiers/status",
  summary: "The signed-in shopper's VIP tier, progress to the next, and the shop's tiers",
  request: { query: proxyQuery.extend({ locale: z.string().max(20).optional() }) },
  responses: {
    200: { description: "Tier status", content: { "application/json": { schema: okEnvelope(StatusSchema) } } },
    ...errorResponses(400, 401, 403, 429),
  },
});

/** The shop's configuration and the tier the customer holds now (evaluated by their object). */
/** The shop's program and tiers, and the customer's balance and tier held: one call to their account. */
export async function customerStanding(env: Env, shop: string, customerId: string) {
  const [program, tiers, { summary, held }] = await Promise.all([
    getProgram(env, shop),
    shopTiers(env, shop),
    customerAccount(env, shop, customerId).standing({ shop, customerId }),
  ]);
  return { program, tiers, held, summary };
}

export function registerVipTierStatusRoute(storefront: OpenAPIHono<App>): void {
  storefront.openapi(statusRoute, async (c) => {
    const proxy = c.get("proxy");
    const customerId = requireCustomer(proxy);
    const { program, tiers, held } = await customerStanding(c.env, proxy.shop, customerId);
    const { basis, period } = program.tier_policy;
    const language = pickLanguage(c.req.valid("query").locale, program.default_language);
    const amount = (value: number) => displayThreshold(basis, value);
    // Always an enabled tier: evaluation replaces a disabled one before answering.
    const current = tiers.find((t) => t.id === held.tier_id) ?? null;
    const next = nextTier(tiers, basis, current, held.value);
    const start = periodStart(period, Date.now());
    return c.json(
      ok({
        basis,
        period,
        current: current && { id: current.id, name: tierText(current, language).name, perks: tierText(current, language).perks, earn_multiplier: current.earn_multiplier },
        next: next && { id: next.tier.id, name: tierText(next.tier, language).name, threshold: amount(next.tier.threshold), remaining: amount(next.remaining) },
        progress: { value: amount(held.value), period_start: start === null ? null : new Date(start).toISOString() },
        keeps_until: held.keeps_until,
        tiers: ladder(tiers, basis).map((t) => ({
          id: t.id,
          name: tierText(t, language).name,
          threshold: amount(t.threshold),
          perks: tierText(t, language).perks,
          earn_multiplier: t.earn_multiplier,
        })),
      }),
      200,
    );
  });
}
