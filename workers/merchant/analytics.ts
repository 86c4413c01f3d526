// The merchant's analytics (GET /v1/api/analytics?from=&to=): members, points issued, redeemed
// and expired by day, the outstanding points' liability in money, the redemption rate, referral
// ROI, repeat purchase of members against non-members and the tier distribution, this shop only
// (the session token's), from the Postgres projection (postgres/analytics.ts).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { log } from "../../core/log";
import { formatMills } from "../../core/money";
import { bestPointValue, pointsCostMills } from "../../core/referral-roi";
import { enabledRewards } from "../../d1/rewards";
import { shopTiers } from "../../d1/vip-tiers";
import { shopAnalytics } from "../../postgres/analytics";
import { withReporting } from "../../postgres/client";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";

/** The longest window one request may ask for: a year and a leap day. */
export const MAX_ANALYTICS_DAYS = 366;
/** Without `from`/`to`: the 30 days ending today (UTC). */
export const DEFAULT_ANALYTICS_DAYS = 30;
const DAY_MS = 86_400_000;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isRealDate = (text: string) => DATE.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
const day = z.string().refine(isRealDate, "a real date, YYYY-MM-DD (UTC)");

const RepeatGroupSchema = z.object({
  customers: z.number().int().openapi({ description: "Customers with at least one order in the window" }),
  repeat_customers: z.number().int().openapi({ description: "Of those, customers with two or more orders in the window" }),
  rate: z.number().nullable().openapi({ description: "repeat_customers / customers (4 decimals); null with no customers" }),
});

const AnalyticsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    members: z
      .object({
        total: z.number().int().openapi({ description: "Customers of the shop at the end of `to` (every customer with an account is enrolled)" }),
        new: z.number().int().openapi({ description: "Customers created (by Shopify) in the window" }),
      })
      .openapi({ description: "Redacted (GDPR) customers are not counted" }),
    points: z.object({
      issued: z.number().int().openapi({ description: "Every positive ledger entry (orders, actions, campaigns, referrals, positive adjustments); a release is not issuing" }),
      redeemed: z.number().int().openapi({ description: "Points spent on rewards, net of releases (a refused, expired or cancelled code's points given back)" }),
      expired: z.number().int(),
      reversed: z.number().int().openapi({ description: "Points taken back otherwise: refunds, cancellations, negative adjustments" }),
    }),
    daily: z
      .array(
        z.object({
          date: z.string(),
          new_members: z.number().int(),
          issued: z.number().int(),
          redeemed: z.number().int(),
          expired: z.number().int(),
          reversed: z.number().int(),
        }),
      )
      .openapi({ description: "One row per day of the window (UTC), zeros included; the sums are `points` and `members.new`" }),
    liability: z
      .object({
        outstanding_points: z.number().int().openapi({ description: "Points customers held at the end of `to`" }),
        point_value: z
          .object({ amount: z.string(), points: z.number().int() })
          .nullable()
          .openapi({ description: "Money per point: `amount` for `points` points; null when no reward has a fixed worth" }),
        amount: z.string().openapi({ description: "outstanding_points × point_value, in the shop's money (\"0.00\" without a point value)" }),
      })
      .openapi({
        description:
          "Outstanding points valued at the best money per point a shopper can get from the enabled rewards: a fixed_amount reward's value for its points_cost, or a points_to_money reward's one unit of money per points_cost (core/referral-roi.ts bestPointValue, as referral ROI values points). Percentage, free-shipping and free-product rewards have no fixed worth and are left out. The best rate is what the points could cost the shop at most.",
      }),
    redemption_rate: z.number().nullable().openapi({ description: "points.redeemed / points.issued in the window (4 decimals); null when nothing was issued" }),
    referral_roi: z
      .object({
        referrals_completed: z.number().int(),
        revenue: z.string(),
        reward_cost: z.string(),
        points_given: z.number().int(),
        discounts_given: z.number().int(),
        ratio: z.number().nullable(),
      })
      .openapi({ description: "Referrals completed in the window, as GET /v1/api/referrals/roi counts them (core/referral-roi.ts)" }),
    repeat_purchase: z
      .object({ members: RepeatGroupSchema, non_members: RepeatGroupSchema })
      .openapi({
        description:
          "Among customers with an order in the window, the share with two or more. The projection knows an order by its `earn` entry (one per paid order that earned points); guest checkouts never reach it, and every customer with an account is enrolled, so `members` are the customers who took part in the program (redeemed points at least once before the end of `to`) and `non_members` those who never did.",
      }),
    tiers: z
      .array(z.object({ tier_id: z.string().nullable(), name: z.string().nullable(), customers: z.number().int() }))
      .openapi({ description: "Customers by the VIP tier they hold now (their newest tier change); tier_id null: no tier" }),
  })
  .openapi("Analytics");

export type AnalyticsResponse = z.infer<typeof AnalyticsSchema>;

/** A bad query answers 400 with a code naming the parameter: `invalid_from`, `invalid_to`. */
function queryHook(result: { success: boolean; error?: z.ZodError }): undefined {
  if (result.success || !result.error) return;
  const issue = result.error.issues[0];
  const field = String(issue?.path[0] ?? "");
  throw new ApiError(400, field ? `invalid_${field}` : "invalid_request", `${field ? `${field}: ` : ""}${issue?.message ?? "invalid input"}`);
}

/** The window asked for, or the default; refuses one that ends before it starts or is too long. */
export function analyticsWindow(from: string | undefined, to: string | undefined, now = Date.now()): { from: string; to: string } {
  const toDay = to ?? (from ? addDays(from, DEFAULT_ANALYTICS_DAYS - 1) : new Date(now).toISOString().slice(0, 10));
  const fromDay = from ?? addDays(toDay, -(DEFAULT_ANALYTICS_DAYS - 1));
  const days = (Date.parse(toDay) - Date.parse(fromDay)) / DAY_MS + 1;
  if (days < 1) throw new ApiError(400, "invalid_range", `from (${fromDay}) is after to (${toDay})`);
  if (days > MAX_ANALYTICS_DAYS) throw new ApiError(400, "range_too_long", `the window is ${days} days; at most ${MAX_ANALYTICS_DAYS}`);
  return { from: fromDay, to: toDay };
}

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

export function registerAnalyticsRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/analytics",
      summary: "The shop's loyalty analytics over whole UTC days, from and to included (default: the last 30 days; at most 366)",
      request: {
        query: z.object({
          from: day.optional().openapi({ description: "First day, included (YYYY-MM-DD, UTC)" }),
          to: day.optional().openapi({ description: "Last day, included (YYYY-MM-DD, UTC)" }),
        }),
      },
      responses: {
        200: { description: "The analytics", content: { "application/json": { schema: okEnvelope({ analytics: AnalyticsSchema }) } } },
        ...errorResponses(400, 401, 403, 429, 503),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const window = analyticsWindow(q.from, q.to);
      const shop = c.get("session").shop;
      const [rewards, tiers] = await Promise.all([enabledRewards(c.env, shop), shopTiers(c.env, shop)]);
      const pointValue = bestPointValue(rewards);
      let facts;
      try {
        facts = await withReporting(c.env, c.executionCtx, (sql) => shopAnalytics(sql, shop, window, pointValue));
      } catch (error) {
        log.error("analytics: reporting query failed", String(error));
        throw new ApiError(503, "reporting_unavailable", "analytics are temporarily unavailable", { "retry-after": "5" });
      }
      const names = new Map(tiers.map((t) => [t.id, t.translations.en.name]));
      const analytics: AnalyticsResponse = {
        from: window.from,
        to: window.to,
        members: facts.members,
        points: facts.points,
        daily: facts.daily,
        liability: {
          outstanding_points: facts.outstanding_points,
          point_value: pointValue ? { amount: formatMills(pointValue.mills), points: pointValue.points } : null,
          amount: formatMills(pointsCostMills(facts.outstanding_points, pointValue)),
        },
        redemption_rate: facts.points.issued === 0 ? null : Math.round((facts.points.redeemed / facts.points.issued) * 10_000) / 10_000,
        referral_roi: facts.referral_roi,
        repeat_purchase: facts.repeat_purchase,
        tiers: facts.tiers.map((t) => ({ tier_id: t.tier_id, name: t.tier_id === null ? null : (names.get(t.tier_id) ?? null), customers: t.customers })),
      };
      return c.json(ok({ analytics }), 200);
    },
    queryHook,
  );
}
