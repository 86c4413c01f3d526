// POST /v1/api/shopify/webhook: HMAC of the raw body first, then headers, then the topic.
// 200 only once the delivery is durable: applied in the customer's object, or in the inbox.
import { createRoute, z } from "@hono/zod-openapi";
import { parseJsonLossless } from "../../core/json";
import { verifyWebhook } from "../../core/shopify-auth";
import { parseTriggeredAt, shopDomainsNamedIn } from "../../core/webhook-payloads";
import { recordInbox, sealInboxBody, sendToIngest } from "../../d1/inbox";
import { minimiseBySchema } from "../../core/minimise";
import { readBodyWithin } from "../http/body-limit";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";
import { createSurface } from "../http/surface";
import { applyTopic, isTopic, parsePayload, TOPICS, type TopicOutcome } from "../../topics";
import { log } from "../../core/log";

export const MAX_WEBHOOK_BYTES = 1024 * 1024;

const HMAC_FAILURES = new Set(["missing_hmac", "empty_body", "invalid_hmac"]);

const route = createRoute({
  method: "post",
  path: "/v1/api/shopify/webhook",
  summary: "Shopify webhook receiver",
  description: `Topics: ${Object.keys(TOPICS).join(", ")}. Authenticated by X-Shopify-Hmac-Sha256 over the raw body.`,
  request: {
    headers: z.object({
      "x-shopify-hmac-sha256": z.string().optional(),
      "x-shopify-topic": z.string().optional(),
      "x-shopify-shop-domain": z.string().optional(),
      "x-shopify-webhook-id": z.string().optional(),
      "x-shopify-api-version": z.string().optional(),
      "x-shopify-event-id": z.string().optional(),
    }),
    body: { content: { "application/json": { schema: z.object({}).passthrough() } }, required: true },
  },
  responses: {
    200: {
      description: "Durably accepted",
      content: {
        "application/json": {
          schema: okEnvelope({
            outcome: z.enum(["applied", "duplicate", "recorded", "ignored", "queued"]),
            points: z.number().int().optional(),
            reason: z.string().optional(),
          }),
        },
      },
    },
    ...errorResponses(400, 401, 413, 503),
  },
});

export const webhooks = createSurface();

// Registered for the OpenAPI document only; the handler below reads the raw body itself.
webhooks.openAPIRegistry.registerPath(route);

webhooks.post(route.path, async (c) => {
  // Counted while streaming: a chunked body with no Content-Length stops at the limit too.
  const raw = await readBodyWithin(c.req.raw, MAX_WEBHOOK_BYTES);
  if (!raw) throw new ApiError(413, "payload_too_large", "webhook body exceeds 1 MiB");

  const verified = await verifyWebhook(c.env.SHOPIFY_API_SECRET, raw, c.req.raw.headers);
  if (!verified.valid) {
    if (HMAC_FAILURES.has(verified.reason)) throw new ApiError(401, verified.reason, "webhook HMAC verification failed");
    throw new ApiError(400, verified.reason, `webhook rejected: ${verified.reason.replaceAll("_", " ")}`);
  }
  const { topic, shop } = verified;
  c.set("verifiedShop", shop);
  if (!isTopic(topic)) throw new ApiError(400, "unknown_topic", `topic ${topic} is not handled by this app`);

  const text = new TextDecoder("utf-8", { fatal: false }).decode(raw);
  let body: unknown;
  try {
    body = parseJsonLossless(text);
  } catch {
    throw new ApiError(400, "invalid_json", "webhook body is not valid JSON");
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new ApiError(400, "invalid_json", "webhook body must be a JSON object");
  }
  const parsed = parsePayload(topic, body);
  if (!parsed.ok) throw new ApiError(400, "invalid_payload", parsed.message);
  const named = shopDomainsNamedIn(body as Record<string, unknown>).find((domain) => domain !== shop);
  if (named) throw new ApiError(400, "shop_domain_mismatch", `the payload names ${named}, the signed headers ${shop}`);

  const delivery = { id: verified.eventId ?? verified.webhookId, topic };
  const triggeredAt = parseTriggeredAt(verified.triggeredAt);
  let outcome: TopicOutcome;
  try {
    outcome = await applyTopic(topic, { env: c.env, shop, delivery, fromInbox: false, triggeredAt: triggeredAt ?? Date.now() }, parsed.payload);
  } catch (error) {
    log.error("webhook: apply failed", topic, String(error));
    throw new ApiError(503, "temporarily_unavailable", "could not record the delivery; Shopify will retry");
  }

  if (outcome.outcome === "deferred") {
    try {
      // Kept, parked, while the shop is not installed: a reinstall re-drives it (d1/shops.ts).
      const parkedBecause = outcome.reason === "shop_not_installed" ? outcome.reason : undefined;
      const { id } = await recordInbox(c.env, {
        shop,
        topic,
        deliveryId: delivery.id,
        // Only what the topic's processor reads, sealed (d1/inbox.ts).
        body: await sealInboxBody(c.env, shop, JSON.stringify(minimiseBySchema(TOPICS[topic].parkedSchema ?? TOPICS[topic].schema, body))),
        orderGid: outcome.orderGid,
        triggeredAt,
        parkedBecause,
      });
      // The inbox row is the durable copy; if this send is lost the sweeper re-drives it.
      if (!parkedBecause) await sendToIngest(c.env, [id]).catch((e) => log.warn("webhook: ingest send failed", String(e)));
    } catch (error) {
      log.error("webhook: inbox write failed", topic, String(error));
      throw new ApiError(503, "temporarily_unavailable", "could not record the delivery; Shopify will retry");
    }
    return c.json(ok({ outcome: "queued" as const, reason: outcome.reason }));
  }
  if (outcome.outcome === "ignored") return c.json(ok({ outcome: "ignored" as const, reason: outcome.reason }));
  return c.json(ok({ outcome: outcome.outcome, points: outcome.points }));
});
