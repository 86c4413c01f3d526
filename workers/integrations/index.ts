// Webhooks from the shop's review provider (Judge.me): POST /v1/api/integrations/judgeme/webhook?shop=…
// Signature first (the shop's stored secret), then the payload; a review earns its reviewer
// points once per review id, within the shop's review limit.
import { createRoute, z } from "@hono/zod-openapi";
import { dataKeys, emailBlindIndex } from "../../core/crypto";
import { parseJsonLossless } from "../../core/json";
import { JUDGEME_REVIEW_EVENTS, JudgeMePayloadSchema, reviewNotEarning, verifyJudgeMeWebhook } from "../../core/judgeme";
import { SHOP_DOMAIN } from "../../core/shopify-auth";
import { reviewIntegration } from "../../d1/review-integrations";
import { campaignsForEarning } from "../../d1/campaigns";
import { getProgram, isInstalled } from "../../d1/shops";
import { customerAccount } from "../../durable-objects/stubs";
import { withReporting } from "../../postgres/client";
import { searchCustomers } from "../../postgres/customers";
import { readBodyWithin } from "../http/body-limit";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { createSurface } from "../http/surface";
import { registerSendgridEvents } from "./sendgrid-events";
import { log } from "../../core/log";

export const MAX_REVIEW_WEBHOOK_BYTES = 256 * 1024;

const route = createRoute({
  method: "post",
  path: "/v1/api/integrations/judgeme/webhook",
  summary: "Judge.me review webhooks (review/created, review/updated)",
  description:
    "Authenticated by JUDGEME-HMAC-SHA256 (hex HMAC-SHA256 of the raw body with the shop's secret, PUT /v1/api/integrations/reviews). " +
    "The reviewer is the Shopify customer Judge.me names (reviewer.external_id), else the shop's customer with the reviewer's email; " +
    "a reviewer who is no customer of the shop earns nothing (200, outcome ignored, reason unknown_customer).",
  request: {
    query: z.object({ shop: z.string() }),
    headers: z.object({ "judgeme-hmac-sha256": z.string().optional() }),
    body: { content: { "application/json": { schema: z.object({}).passthrough() } }, required: true },
  },
  responses: {
    200: {
      description: "Handled",
      content: {
        "application/json": {
          schema: okEnvelope({
            outcome: z.enum(["applied", "duplicate", "limit_reached", "not_offered", "ignored"]),
            points: z.number().int().optional(),
            reason: z.string().optional(),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 413, 503),
  },
});

export const integrations = createSurface();
registerSendgridEvents(integrations);

// Registered for the OpenAPI document only; the handler reads the raw body itself.
integrations.openAPIRegistry.registerPath(route);

integrations.post(route.path, async (c) => {
  const shop = new URL(c.req.url).searchParams.get("shop") ?? "";
  if (!SHOP_DOMAIN.test(shop)) throw new ApiError(400, "invalid_shop", "the shop query parameter must be a *.myshopify.com domain");
  const raw = await readBodyWithin(c.req.raw, MAX_REVIEW_WEBHOOK_BYTES);
  if (!raw) throw new ApiError(413, "payload_too_large", "webhook body exceeds 256 KiB");

  if (!c.req.header("judgeme-hmac-sha256")) throw new ApiError(401, "missing_hmac", "webhook signature verification failed");
  // Unknown shop, no provider: refused like a bad signature, so the answer tells nothing.
  const integration = (await isInstalled(c.env, shop)) ? await reviewIntegration(c.env, shop) : null;
  if (!integration || integration.provider !== "judgeme") throw new ApiError(401, "invalid_hmac", "webhook signature verification failed");
  const verified = await verifyJudgeMeWebhook(integration.secret, raw, c.req.raw.headers);
  if (!verified.valid) throw new ApiError(401, verified.reason, "webhook signature verification failed");
  c.set("verifiedShop", shop);

  let body: unknown;
  try {
    body = parseJsonLossless(new TextDecoder().decode(raw));
  } catch {
    throw new ApiError(400, "invalid_json", "webhook body is not valid JSON");
  }
  const parsed = JudgeMePayloadSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(400, "invalid_payload", `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
  }
  const payload = parsed.data;
  if (payload.shop_domain !== undefined && payload.shop_domain !== shop) {
    throw new ApiError(400, "shop_domain_mismatch", `the payload names ${payload.shop_domain}, the URL ${shop}`);
  }
  if (!JUDGEME_REVIEW_EVENTS.has(payload.event)) return c.json(ok({ outcome: "ignored" as const, reason: "unhandled_event" }), 200);
  const notEarning = reviewNotEarning(payload.review);
  if (notEarning) return c.json(ok({ outcome: "ignored" as const, reason: notEarning }), 200);

  const customerId = await reviewerCustomer(c, shop, payload.review.reviewer);
  if (!customerId) return c.json(ok({ outcome: "ignored" as const, reason: "unknown_customer" }), 200);

  const [program, campaigns] = await Promise.all([getProgram(c.env, shop), campaignsForEarning(c.env, shop)]);
  const written = payload.review.created_at ? Date.parse(payload.review.created_at) : Number.NaN;
  const result = await customerAccount(c.env, shop, customerId).reviewPublished({
    shop,
    customerId,
    reviewId: payload.review.id,
    // The limit counts the review when it was written (never later than now).
    at: Number.isNaN(written) ? Date.now() : Math.min(written, Date.now()),
    program,
    campaigns,
  });
  return c.json(ok({ outcome: result.outcome, points: result.points }), 200);
});

/** The Shopify customer id Judge.me names, else the shop's customer with the reviewer's email. */
async function reviewerCustomer(
  c: { env: Env; executionCtx: { waitUntil(p: Promise<unknown>): void } },
  shop: string,
  reviewer: { external_id?: string | null; email?: string | null },
): Promise<string | null> {
  if (reviewer.external_id && /^\d{1,20}$/.test(reviewer.external_id)) return reviewer.external_id;
  const email = reviewer.email?.trim();
  if (!email) return null;
  const blindIndex = await emailBlindIndex(await dataKeys(c.env.ENCRYPTION_KEY), shop, email);
  try {
    const { rows } = await withReporting(c.env, c.executionCtx, (sql) => searchCustomers(sql, shop, { kind: "email", blindIndex }, 1, 2));
    // Two customers with one email: ambiguous, nobody earns.
    return rows.length === 1 ? rows[0]!.customer_id : null;
  } catch (error) {
    log.warn("judge.me webhook: reporting unavailable", String(error));
    throw new ApiError(503, "temporarily_unavailable", "could not look up the reviewer; retry later");
  }
}
