// GET /admin/overview?period=: the platform at a glance: shops, members, points issued and
// redeemed in the period with a daily series (the console's trend charts), the points liability
// across shops (every outstanding balance), and referral ROI's parts.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { log } from "../../core/log";
import { merchantCounts } from "../../d1/admin-merchants";
import { platformTotals } from "../../postgres/admin-overview";
import { withReporting } from "../../postgres/client";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { requirePermission } from "./auth";

const PERIOD_DAYS = { "7d": 7, "30d": 30, "90d": 90, "365d": 365 } as const;

export function registerAdminOverviewRoutes(admin: OpenAPIHono<App>): void {
  admin.openapi(
    createRoute({
      method: "get",
      path: "/overview",
      summary: "Shops, members, points issued and redeemed (with a daily series), liability, referrals",
      middleware: [requirePermission("overview.read")],
      request: { query: z.object({ period: z.enum(["7d", "30d", "90d", "365d"]).default("30d") }) },
      responses: {
        200: {
          description: "The platform's numbers over the period (to now)",
          content: {
            "application/json": {
              schema: okEnvelope({
                period: z.object({ name: z.string(), from: z.string(), to: z.string() }),
                merchants: z.object({ installed: z.number().int(), uninstalled: z.number().int() }),
                members: z.number().int(),
                points: z.object({ issued: z.number().int(), redeemed: z.number().int(), liability: z.number().int() }),
                referrals: z.object({
                  completed: z.number().int(),
                  referred_revenue: z.number(),
                  points_given: z.number().int(),
                  revenue_per_point: z.number().nullable().openapi({ description: "Referred orders' earn base per referral point given; null when none given" }),
                }),
                trend: z.array(z.object({ day: z.string(), issued: z.number().int(), redeemed: z.number().int() })),
              }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 503),
      },
    }),
    async (c) => {
      const { period } = c.req.valid("query");
      const to = new Date();
      const from = new Date(to.getTime() - PERIOD_DAYS[period] * 86_400_000);
      const [merchants, totals] = await Promise.all([
        merchantCounts(c.env),
        withReporting(c.env, c.executionCtx, (sql) => platformTotals(sql, from, to)).catch((error) => {
          log.error("admin overview: reporting query failed", String(error));
          throw new ApiError(503, "reporting_unavailable", `the reporting database is unreachable: ${String((error as Error)?.message ?? error)}`);
        }),
      ]);
      return c.json(
        ok({
          period: { name: period, from: from.toISOString(), to: to.toISOString() },
          merchants,
          members: totals.members,
          points: { issued: totals.issued, redeemed: totals.redeemed, liability: totals.liability },
          referrals: {
            completed: totals.referrals_completed,
            referred_revenue: totals.referred_revenue,
            points_given: totals.referral_points,
            revenue_per_point: totals.referral_points > 0 ? Math.round((totals.referred_revenue / totals.referral_points) * 100) / 100 : null,
          },
          trend: totals.daily,
        }),
        200,
      );
    },
  );
}
