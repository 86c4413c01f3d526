// GET /admin/merchants (search, pages) and GET /admin/merchants/:shop: install status, plan and
// usage, staff roles, integration health and the shop's loyalty numbers. No secrets and no
// customer's personal data: an integration shows its status, never its settings or keys.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { log } from "../../core/log";
import { listMerchants } from "../../d1/admin-merchants";
import { integrationViews } from "../../d1/integrations";
import { planChangesFor, shopPlanUsage } from "../../d1/plans";
import { currentStoreSettings } from "../../d1/store-settings";
import { d1 } from "../../d1/client";
import { shops } from "../../d1/schema";
import { platformTotals } from "../../postgres/admin-overview";
import { withReporting } from "../../postgres/client";
import { eq } from "drizzle-orm";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { requirePermission } from "./auth";
import { ShopDomain } from "./shop-param";

const MerchantRowSchema = z
  .object({
    shop: z.string(),
    status: z.enum(["installed", "uninstalled"]),
    plan: z.string(),
    installed_at: z.string(),
    uninstalled_at: z.string().nullable(),
    usage: z.object({ month: z.string(), orders: z.number().int(), limit: z.number().int().nullable() }),
  })
  .openapi("AdminMerchant");

export function registerAdminMerchantRoutes(admin: OpenAPIHono<App>): void {
  admin.openapi(
    createRoute({
      method: "get",
      path: "/merchants",
      summary: "Every shop: search by domain (contains), with plan and this month's usage",
      middleware: [requirePermission("merchants.read")],
      request: {
        query: z.object({
          search: z.string().max(200).regex(/^[^\u0000-\u001f\u007f]*$/, "search must not contain control characters").optional(),
          page: z.coerce.number().int().min(1).max(100_000).default(1),
          per_page: z.coerce.number().int().min(1).max(250).default(25),
        }),
      },
      responses: {
        200: {
          description: "A page of shops by domain",
          content: { "application/json": { schema: okEnvelope({ merchants: z.array(MerchantRowSchema), total: z.number().int(), page: z.number().int(), per_page: z.number().int() }) } },
        },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { search, page, per_page } = c.req.valid("query");
      const { merchants, total } = await listMerchants(c.env, { search, page, perPage: per_page });
      return c.json(ok({ merchants, total, page, per_page }), 200);
    },
  );

  admin.openapi(
    createRoute({
      method: "get",
      path: "/merchants/{shop}",
      summary: "One shop: install status, plan and usage, plan changes, staff roles, integrations, loyalty numbers (last 30 days)",
      middleware: [requirePermission("merchants.read")],
      request: { params: z.object({ shop: ShopDomain }) },
      responses: {
        200: {
          description: "The shop",
          content: {
            "application/json": {
              schema: okEnvelope({
                merchant: z.object({
                  shop: z.string(),
                  status: z.enum(["installed", "uninstalled"]),
                  installed_at: z.string(),
                  uninstalled_at: z.string().nullable(),
                  plan: z.unknown(),
                  plan_changes: z.array(z.unknown()),
                  staff_roles: z.record(z.string(), z.string()),
                  integrations: z.array(z.unknown()),
                  loyalty: z
                    .object({ members: z.number().int(), liability: z.number().int(), issued_30d: z.number().int(), redeemed_30d: z.number().int() })
                    .nullable()
                    .openapi({ description: "Null while the reporting database is unreachable" }),
                }),
              }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { shop } = c.req.valid("param");
      const row = await d1(c.env).select().from(shops).where(eq(shops.domain, shop)).get();
      if (!row) throw new ApiError(404, "shop_not_found", `no shop ${shop}`);
      const now = Date.now();
      const [plan, changes, settings, views, loyalty] = await Promise.all([
        shopPlanUsage(c.env, shop, now),
        planChangesFor(c.env, shop, 20),
        currentStoreSettings(c.env, shop),
        integrationViews(c.env, shop),
        withReporting(c.env, c.executionCtx, (sql) => platformTotals(sql, new Date(now - 30 * 86_400_000), new Date(now), shop)).catch((error) => {
          log.warn("admin merchant detail: reporting unavailable", String(error));
          return null;
        }),
      ]);
      return c.json(
        ok({
          merchant: {
            shop,
            status: row.status,
            installed_at: new Date(row.installedAt).toISOString(),
            uninstalled_at: row.uninstalledAt === null ? null : new Date(row.uninstalledAt).toISOString(),
            plan,
            plan_changes: changes,
            staff_roles: settings.settings.staff_roles,
            integrations: views.map(({ settings: _settings, secrets_set: _secrets, ...health }) => health),
            loyalty: loyalty && { members: loyalty.members, liability: loyalty.liability, issued_30d: loyalty.issued, redeemed_30d: loyalty.redeemed },
          },
        }),
        200,
      );
    },
  );
}
