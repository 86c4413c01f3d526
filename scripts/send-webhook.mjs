// Sends a Shopify-signed webhook to the local server, as Shopify would: the file's raw bytes,
// HMAC-SHA256 with the app secret from .dev.vars, and the headers Shopify always sends.
// Usage: node scripts/send-webhook.mjs <topic> <payload.json>
//          [--shop demo-shop.myshopify.com] [--url http://127.0.0.1:8787] [--event-id <id>]
//          [--triggered-at <ISO time>]   (when Shopify says the event happened; default now)
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { readDevVars } from "./dev-vars.mjs";

const API_VERSION = "2026-10";

/** `timeoutMs`: how long to wait for the answer (Shopify waits 5 s; callers that retry must not wait forever). */
export async function sendWebhook({ url, secret, topic, shop, body, eventId = randomUUID(), triggeredAt = new Date().toISOString(), timeoutMs = 30_000 }) {
  const res = await fetch(`${url}/v1/api/shopify/webhook`, {
    signal: AbortSignal.timeout(timeoutMs),
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Hmac-Sha256": createHmac("sha256", secret).update(body).digest("base64"),
      "X-Shopify-Topic": topic,
      "X-Shopify-Shop-Domain": shop,
      "X-Shopify-API-Version": API_VERSION,
      "X-Shopify-Webhook-Id": randomUUID(),
      "X-Shopify-Event-Id": eventId,
      "X-Shopify-Triggered-At": triggeredAt,
    },
    body,
  });
  return { status: res.status, body: await res.text() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [topic, file, ...rest] = process.argv.slice(2);
  if (!topic || !file) {
    console.error("usage: node scripts/send-webhook.mjs <topic> <payload.json> [--shop <domain>] [--url <base>] [--event-id <id>] [--triggered-at <ISO time>]");
    process.exit(2);
  }
  const option = (name, fallback) => (rest.includes(name) ? rest[rest.indexOf(name) + 1] : fallback);
  const { status, body } = await sendWebhook({
    url: option("--url", `http://127.0.0.1:${process.env.LOYALNEST_DEV_PORT ?? 8787}`),
    secret: process.env.SHOPIFY_API_SECRET ?? readDevVars().SHOPIFY_API_SECRET,
    topic,
    shop: option("--shop", "demo-shop.myshopify.com"),
    body: readFileSync(file),
    eventId: option("--event-id"),
    triggeredAt: option("--triggered-at"),
  });
  console.log(status, body);
  process.exitCode = status >= 200 && status < 300 ? 0 : 1;
}
