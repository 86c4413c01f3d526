// GET /admin/plans: the plans a shop can be moved to (d1/plans.ts, the same list billing and the
// limits read), for the console's plan picker. A read of the platform's catalogue, allowed to every
// role that reads merchants (plans are part of what a merchant is shown with); reads are not audited.
// PUT /admin/plans: move a shop to a plan by hand (a comped plan, a correction), through
// d1/plans.ts changePlan, the one path every plan change takes: logged in plan_changes as
// "admin:<id>", the month's grace restarted, the merchant told (a plan_changed notice), held
// awards released. No Shopify subscription is created or cancelled: billing is the merchant's.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { changePlan, findPlan, listPlans } from "../../d1/plans";
import { getShop } from "../../d1/shops";
import type { App } from "../http/context";
import { recordAudit } from "../http/api-log";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { requirePermission } from "./auth";
import { ShopDomain } from "./shop-param";

const PlanSchema = z.object({
  id: z.string(),
  name: z.string(),
  price: z.string().openapi({ description: "USD per 30 days, as Shopify's billing takes it", example: "49.00" }),
  monthly_order_limit: z.number().int().nullable().openapi({ description: "Net paid orders a calendar month; null: unlimited" }),
});

export function registerAdminPlanRoutes(admin: OpenAPIHono<App>): void {
  admin.openapi(
    createRoute({
      method: "get",
      path: "/plans",
      summary: "The plans a shop can be on, in the catalogue's order (d1 plans.sort)",
      middleware: [requirePermission("merchants.read")],
      responses: {
        200: { description: "The plans", content: { "application/json": { schema: okEnvelope({ plans: z.array(PlanSchema) }) } } },
        ...errorResponses(401, 403),
      },
    }),
    async (c) => {
      const plans = await listPlans(c.env);
      return c.json(ok({ plans: plans.map(({ id, name, price, monthly_order_limit }) => ({ id, name, price, monthly_order_limit })) }), 200);
    },
  );

  admin.openapi(
    createRoute({
      method: "put",
      path: "/plans",
      summary: "Change a shop's plan; the merchant is told in their dashboard",
      middleware: [requirePermission("plans.change")],
      request: {
        body: {
          required: true,
          content: { "application/json": { schema: z.object({ shop: ShopDomain, plan: z.string().min(1).max(40), reason: z.string().trim().min(1, "say why").max(500) }).strict() } },
        },
      },
      responses: {
        200: { description: "The shop's plan now", content: { "application/json": { schema: okEnvelope({ shop: z.string(), plan: z.string(), previous_plan: z.string(), changed: z.boolean() }) } } },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const actor = c.get("admin");
      const { shop, plan, reason } = c.req.valid("json");
      if (!(await findPlan(c.env, plan))) {
        throw new ApiError(400, "unknown_plan", `plan: no plan ${plan}; plans: ${(await listPlans(c.env)).map((p) => p.id).join(", ")}`, undefined, "plan");
      }
      const current = await getShop(c.env, shop);
      if (!current) throw new ApiError(404, "shop_not_found", `no shop ${shop}`);
      const result = await changePlan(c.env, shop, plan, { changedBy: `admin:${actor.id}` });
      if (!result.changed) return c.json(ok({ shop, plan: result.plan, previous_plan: result.plan, changed: false }), 200);
      recordAudit(c, { action: "plan.change", subject: { type: "plan", id: plan }, before: { plan: result.from }, after: { plan: result.to, reason }, actor: { type: "admin", id: actor.id }, shop });
      return c.json(ok({ shop, plan: result.to, previous_plan: result.from, changed: true }), 200);
    },
  );
}
