// SendGrid's Event Webhook: POST /v1/api/integrations/sendgrid/events?shop=…
// Signature first (the shop's verification key, core/sendgrid-events.ts), then each event that
// names one of our notifications (its loyalnest_reference) and says something we keep: bounced
// or unsubscribed, recorded by the customer's object (which stops writing to a suppressed
// address) and projected to email_events. Repeats change nothing; events of other mail the
// merchant sends through the same SendGrid account are ignored.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { parseJsonLossless } from "../../core/json";
import { feedbackOf, parseReference, SendgridEventsSchema, verifySendgridSignature } from "../../core/sendgrid-events";
import { SHOP_DOMAIN } from "../../core/shopify-auth";
import { integrationsFor } from "../../d1/integrations";
import { isInstalled } from "../../d1/shops";
import { customerAccount } from "../../durable-objects/stubs";
import { readBodyWithin } from "../http/body-limit";
import type { App } from "../http/context";
import { ApiError, errorResponses, ok, okEnvelope } from "../http/envelope";

/** SendGrid batches events; a batch is well under this. */
export const MAX_SENDGRID_EVENTS_BYTES = 1024 * 1024;

const route = createRoute({
  method: "post",
  path: "/v1/api/integrations/sendgrid/events",
  summary: "SendGrid Event Webhook (signed): bounces, unsubscribes and spam reports of LoyalNest's emails",
  description:
    "Turn on the Signed Event Webhook in SendGrid's Mail Settings, point it here with `?shop=`, and save its verification key as " +
    "`event_webhook_public_key` of the shop's SendGrid integration. Events for mail LoyalNest did not send are ignored.",
  request: { query: z.object({ shop: z.string() }), body: { content: { "application/json": { schema: z.array(z.object({}).passthrough()) } }, required: true } },
  responses: {
    200: { description: "Handled", content: { "application/json": { schema: okEnvelope({ recorded: z.number().int(), ignored: z.number().int() }) } } },
    ...errorResponses(400, 401, 413),
  },
});

export function registerSendgridEvents(surface: OpenAPIHono<App>): void {
  // Registered for the OpenAPI document only; the handler reads the raw body itself.
  surface.openAPIRegistry.registerPath(route);
  surface.post(route.path, async (c) => {
    const shop = new URL(c.req.url).searchParams.get("shop") ?? "";
    if (!SHOP_DOMAIN.test(shop)) throw new ApiError(400, "invalid_shop", "the shop query parameter must be a *.myshopify.com domain");
    const raw = await readBodyWithin(c.req.raw, MAX_SENDGRID_EVENTS_BYTES);
    if (!raw) throw new ApiError(413, "payload_too_large", "event batch exceeds 1 MiB");
    // Unknown shop, no key: refused like a bad signature, so the answer tells nothing.
    const key = (await isInstalled(c.env, shop)) ? (await integrationsFor(c.env, shop)).sendgrid?.event_webhook_public_key : null;
    if (!key) throw new ApiError(401, "invalid_signature", "event webhook signature verification failed");
    const verified = await verifySendgridSignature(key, raw, c.req.raw.headers);
    if (!verified.valid) throw new ApiError(401, verified.reason, "event webhook signature verification failed");
    c.set("verifiedShop", shop);

    let body: unknown;
    try {
      body = parseJsonLossless(new TextDecoder().decode(raw));
    } catch {
      throw new ApiError(400, "invalid_json", "event batch is not valid JSON");
    }
    const parsed = SendgridEventsSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(400, "invalid_payload", `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
    }
    let recorded = 0;
    let ignored = 0;
    for (const event of parsed.data) {
      const reference = parseReference(event.loyalnest_reference);
      const feedback = feedbackOf(event);
      // Another shop's reference under this shop's signature changes nothing.
      if (!reference || reference.shop !== shop || !feedback) {
        ignored++;
        continue;
      }
      const type = typeof event.loyalnest_type === "string" ? event.loyalnest_type : "unknown";
      const changed = await customerAccount(c.env, shop, reference.customerId).notificationFeedback({
        shop,
        customerId: reference.customerId,
        key: reference.key,
        channel: reference.channel,
        type,
        ...feedback,
      });
      if (changed) recorded++;
      else ignored++;
    }
    return c.json(ok({ recorded, ignored }), 200);
  });
}
