// The shop's review provider: the secret its webhooks are signed with (stored sealed), and the
// address to give the provider for them.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { REVIEW_PROVIDERS, reviewIntegrationProvider, saveReviewIntegration } from "../../d1/review-integrations";
import { recordAudit } from "../http/api-log";
import type { App } from "../http/context";
import { errorResponses, ok, okEnvelope } from "../http/envelope";

export function registerIntegrationRoutes(merchant: OpenAPIHono<App>): void {
  merchant.openapi(
    createRoute({
      method: "put",
      path: "/integrations/reviews",
      summary: "Connect the shop's review provider (Judge.me): its webhook secret",
      description:
        "Judge.me signs webhooks with the secret of whatever created them: the OAuth app's client secret, or the shop's private API token. " +
        "Register `webhook_url` in Judge.me for review/created and review/updated.",
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z.object({ provider: z.enum(REVIEW_PROVIDERS), secret: z.string().min(8).max(512) }).strict(),
            },
          },
        },
      },
      responses: {
        200: {
          description: "Saved (the secret is never answered back)",
          content: { "application/json": { schema: okEnvelope({ provider: z.enum(REVIEW_PROVIDERS), webhook_url: z.string(), updated_at: z.string() }) } },
        },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const { shop, userId } = c.get("session");
      const before = await reviewIntegrationProvider(c.env, shop);
      const saved = await saveReviewIntegration(c.env, shop, c.req.valid("json"), userId ?? "unknown");
      // The secret itself is never audited: only that one is set (core/logs.ts maskSecrets).
      recordAudit(c, {
        action: "integration.update",
        subject: { type: "integration", id: "reviews" },
        before: before && { provider: before, secret: "[set]" },
        after: { provider: saved.provider, secret: "[set]" },
      });
      const webhookUrl = `${new URL(c.req.url).origin}/v1/api/integrations/${saved.provider}/webhook?shop=${encodeURIComponent(shop)}`;
      return c.json(ok({ provider: saved.provider, webhook_url: webhookUrl, updated_at: saved.updated_at }), 200);
    },
  );
}
