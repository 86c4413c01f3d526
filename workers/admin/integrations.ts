// GET /admin/integrations/health: every shop's messaging integrations and their last
// connectivity check (failing first); POST /admin/integrations/:shop/:provider/check: a manual
// re-check, run now (queues/integration-checks.ts, the job's own code: the provider is called
// with the shop's credentials, the outcome stored, the merchant told when it fails) so the
// admin sees its result in the answer. No settings and no secrets are ever answered.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { INTEGRATION_STATUSES, MESSAGING_PROVIDERS } from "../../core/integrations";
import { integrationHealth, integrationView, markCheckRequested } from "../../d1/integrations";
import { runIntegrationCheck } from "../../queues/integration-checks";
import type { App } from "../http/context";
import { recordAudit } from "../http/api-log";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { requirePermission } from "./auth";
import { ShopDomain } from "./shop-param";

const HealthSchema = z
  .object({
    shop: z.string(),
    provider: z.enum(MESSAGING_PROVIDERS),
    enabled: z.boolean(),
    status: z.enum(INTEGRATION_STATUSES),
    checked_at: z.string().nullable(),
    failing_since: z.string().nullable(),
    last_error: z.object({ code: z.string(), message: z.string() }).nullable(),
    revision: z.number().int(),
    check_requested_at: z.string().nullable(),
    updated_at: z.string(),
  })
  .openapi("AdminIntegrationHealth");

export function registerAdminIntegrationRoutes(admin: OpenAPIHono<App>): void {
  admin.openapi(
    createRoute({
      method: "get",
      path: "/integrations/health",
      summary: "Every shop's messaging integrations and their health, failing first",
      middleware: [requirePermission("integrations.read")],
      request: {
        query: z.object({
          shop: ShopDomain.optional(),
          status: z.enum(INTEGRATION_STATUSES).optional(),
          page: z.coerce.number().int().min(1).max(100_000).default(1),
          per_page: z.coerce.number().int().min(1).max(250).default(50),
        }),
      },
      responses: {
        200: {
          description: "A page of integrations",
          content: { "application/json": { schema: okEnvelope({ integrations: z.array(HealthSchema), total: z.number().int(), page: z.number().int(), per_page: z.number().int() }) } },
        },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(ok(await integrationHealth(c.env, q)), 200);
    },
  );

  admin.openapi(
    createRoute({
      method: "post",
      path: "/integrations/{shop}/{provider}/check",
      summary: "Check one shop's integration now (up to 3 calls to the provider) and answer its health",
      middleware: [requirePermission("integrations.recheck")],
      request: { params: z.object({ shop: ShopDomain, provider: z.enum(MESSAGING_PROVIDERS) }) },
      responses: {
        200: { description: "Checked", content: { "application/json": { schema: okEnvelope({ outcome: z.enum(["ok", "failing", "stale"]), integration: HealthSchema }) } } },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const actor = c.get("admin");
      const { shop, provider } = c.req.valid("param");
      const before = await integrationView(c.env, shop, provider);
      if (!before) throw new ApiError(404, "integration_not_found", `${provider} is not connected in ${shop}`);
      if (!before.enabled) throw new ApiError(409, "integration_disabled", `${provider} is turned off in ${shop}; the merchant turns it on`);
      await markCheckRequested(c.env, shop, provider);
      const outcome = await runIntegrationCheck(c.env, shop, provider, before.revision);
      const after = (await integrationView(c.env, shop, provider))!;
      const health = (view: typeof before) => ({ status: view.status, checked_at: view.checked_at, failing_since: view.failing_since, last_error: view.last_error, revision: view.revision });
      recordAudit(c, { action: "integration.recheck", subject: { type: "integration", id: provider }, before: health(before), after: { ...health(after), outcome }, actor: { type: "admin", id: actor.id }, shop });
      const { settings: _s, secrets_set: _n, updated_by: _u, ...view } = after;
      return c.json(ok({ outcome, integration: { shop, ...view } }), 200);
    },
  );
}
