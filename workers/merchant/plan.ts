// The shop's plan: where it stands this month (GET), a change through Shopify's billing (POST),
// and the check on the merchant's return from approving a subscription (POST /plan/sync).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { USAGE_STATES } from "../../core/plans";
import { listPlans, shopPlanUsage } from "../../d1/plans";
import { requestPlanChange, syncPlanFromShopify } from "../shopify/plan-billing";
import type { App } from "../http/context";
import { recordAudit } from "../http/api-log";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";

const PlanSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    price: z.string().openapi({ description: "USD per 30 days" }),
    monthly_order_limit: z.number().int().nullable().openapi({ description: "Net paid orders per calendar month (UTC); null: unlimited" }),
  })
  .openapi("Plan");

export const PlanUsageFields = {
  plan: PlanSchema,
  month: z.string().openapi({ example: "2026-12" }),
  usage: z.number().int().openapi({ description: "Net paid orders this month: fully refunded and cancelled orders give the count back" }),
  limit: z.number().int().nullable(),
  percent: z.number().int().nullable(),
  state: z.enum(USAGE_STATES).openapi({ description: "ok; warned (80%+); grace (limit reached, still awarding); over (past the grace: awards held)" }),
  grace_ends_at: z.string().nullable(),
  held_awards: z.object({ count: z.number().int(), points: z.number().int() }).openapi({ description: "Orders whose points wait for an upgrade or the next month" }),
};

/** Where Shopify sends the merchant after approving: the app's page in their admin (which then calls POST /plan/sync). */
function returnUrl(env: Env, shop: string): string {
  return `https://admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}/apps/${env.SHOPIFY_API_KEY}?plan_confirmation=1`;
}

export function registerPlanRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "get",
      path: "/plan",
      summary: "The shop's plan, this month's usage (net paid orders) and state, held awards, and the plans offered",
      responses: {
        200: { description: "Plan and usage", content: { "application/json": { schema: okEnvelope({ ...PlanUsageFields, plans: z.array(PlanSchema) }) } } },
        ...errorResponses(401, 403, 429),
      },
    }),
    async (c) => {
      const shop = c.get("session").shop;
      const [usage, plans] = await Promise.all([shopPlanUsage(c.env, shop), listPlans(c.env)]);
      return c.json(ok({ ...usage, plans }), 200);
    },
  );

  merchant.openapi(
    createRoute({
      method: "post",
      path: "/plan",
      summary: "Change plan: a paid plan answers Shopify's confirmation URL for the merchant to approve; Free cancels the subscription at once",
      request: { body: { required: true, content: { "application/json": { schema: z.object({ plan: z.string().min(1).max(40) }).strict() } } } },
      responses: {
        200: {
          description: "confirmation_url set: approve it at Shopify, the plan changes on activation. Otherwise the plan now held.",
          content: { "application/json": { schema: okEnvelope({ plan: z.string(), changed: z.boolean(), confirmation_url: z.string().nullable(), subscription_id: z.string().nullable() }) } },
        },
        ...errorResponses(400, 401, 403, 409, 429, 502, 503),
      },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const { plan } = c.req.valid("json");
      const result = await requestPlanChange(c.env, shop, plan, `merchant:${userId}`, returnUrl(c.env, shop));
      switch (result.kind) {
        case "unknown_plan":
          throw new ApiError(400, "unknown_plan", `no plan ${plan}; plans: ${(await listPlans(c.env)).map((p) => p.id).join(", ")}`);
        case "rejected":
          throw new ApiError(502, "billing_rejected", `Shopify's billing refused the change: ${result.reason}`);
        case "unavailable":
          throw new ApiError(503, "shopify_unavailable", `Shopify's billing could not be reached; nothing changed: ${result.reason}`);
        case "not_connected":
          throw new ApiError(409, "shopify_not_connected", `the app has no Admin API access to this shop (reinstall it); nothing changed: ${result.reason}`);
        case "unchanged":
          return c.json(ok({ plan: result.plan, changed: false, confirmation_url: null, subscription_id: null }), 200);
        case "confirm":
          recordAudit(c, { action: "plan.subscription_requested", subject: { type: "plan", id: plan }, before: null, after: { plan, subscription_id: result.subscriptionGid } });
          return c.json(ok({ plan: result.plan, changed: false, confirmation_url: result.confirmationUrl, subscription_id: result.subscriptionGid }), 200);
        case "changed":
          recordAudit(c, { action: "plan.change", subject: { type: "plan", id: plan }, before: null, after: { plan: result.change.changed ? result.change.to : result.change.plan, changed: result.change.changed } });
          return c.json(ok({ plan: result.change.changed ? result.change.to : result.change.plan, changed: result.change.changed, confirmation_url: null, subscription_id: null }), 200);
      }
    },
  );

  merchant.openapi(
    createRoute({
      method: "post",
      path: "/plan/sync",
      summary: "After the merchant approves a subscription: the plan follows what Shopify holds active",
      responses: {
        200: { description: "The plan now held", content: { "application/json": { schema: okEnvelope({ plan: z.string(), changed: z.boolean() }) } } },
        ...errorResponses(401, 403, 409, 429, 502, 503),
      },
    }),
    async (c) => {
      const result = await syncPlanFromShopify(c.env, c.get("session").shop);
      if (result.kind === "unavailable") throw new ApiError(503, "shopify_unavailable", `Shopify's billing could not be reached: ${result.reason}`);
      if (result.kind === "rejected") throw new ApiError(502, "billing_rejected", `Shopify refused the query: ${result.reason}`);
      if (result.kind === "not_connected") throw new ApiError(409, "shopify_not_connected", `the app has no Admin API access to this shop (reinstall it): ${result.reason}`);
      if (result.kind === "unchanged") return c.json(ok({ plan: result.plan, changed: false }), 200);
      return c.json(ok({ plan: result.change.changed ? result.change.to : result.change.plan, changed: result.change.changed }), 200);
    },
  );
}
