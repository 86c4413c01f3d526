// What the bench needs to look like Shopify: signed orders/paid webhooks and signed App Proxy
// requests. Node's synchronous HMAC, so autocannon's `setupRequest` hook can sign per request.
import { createHmac, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const SHOP = "demo-shop.myshopify.com";
export const API_VERSION = "2026-10";
export const PATH_PREFIX = "/apps/loyalnest";
/** DEFAULT_PROGRAM in core/program.ts: 10 points per currency unit, no tier multiplier. */
export const POINTS_PER_UNIT = 10;

/** A dev variable: the environment, then .dev.vars, then the committed .dev.vars.example. */
export function readDevVar(root, key) {
  if (process.env[key]) return process.env[key];
  for (const name of [".dev.vars", ".dev.vars.example"]) {
    const file = join(root, name);
    if (!existsSync(file)) continue;
    const match = new RegExp(`^${key}=(.*)$`, "m").exec(readFileSync(file, "utf8"));
    if (match) return match[1].trim().replace(/^"(.*)"$/, "$1");
  }
  throw new Error(`${key} not found (environment, .dev.vars or .dev.vars.example)`);
}

export function readApiSecret(root) {
  return readDevVar(root, "SHOPIFY_API_SECRET");
}

/** "12.34" for 1234 cents. */
export function formatCents(cents) {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

/** Points the default program awards for a subtotal: floor(mills × 10 / 1000) = floor(cents / 10). */
export function pointsForCents(cents) {
  return Math.floor((cents * POINTS_PER_UNIT) / 100);
}

/**
 * An orders/paid delivery. Ids are digit strings written into the JSON as numbers (the app
 * parses losslessly), so they may exceed 2^53.
 */
export function orderPaidWebhook(secret, { orderId, customerId, cents, shop = SHOP, webhookId = randomUUID() }) {
  const body =
    `{"id":${orderId},"admin_graphql_api_id":"gid://shopify/Order/${orderId}",` +
    `"subtotal_price":"${formatCents(cents)}","currency":"USD",` +
    `"customer":{"id":${customerId},"admin_graphql_api_id":"gid://shopify/Customer/${customerId}"}}`;
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-shopify-hmac-sha256": createHmac("sha256", secret).update(body).digest("base64"),
      "x-shopify-topic": "orders/paid",
      "x-shopify-shop-domain": shop,
      "x-shopify-webhook-id": webhookId,
      "x-shopify-api-version": API_VERSION,
    },
  };
}

/**
 * Path and query of an App Proxy request as Shopify forwards it: the signature is the hex
 * HMAC of the other params as `key=value`, sorted by key, concatenated with no separator.
 */
export function appProxyPath(secret, path, { customerId, shop = SHOP, timestamp = Math.floor(Date.now() / 1000) }) {
  const params = { shop, logged_in_customer_id: String(customerId), path_prefix: PATH_PREFIX, timestamp: String(timestamp) };
  const message = Object.keys(params)
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join("");
  const signature = createHmac("sha256", secret).update(message).digest("hex");
  return `${path}?${new URLSearchParams({ ...params, signature })}`;
}

/** Deterministic PRNG (mulberry32), so a run's customer and amount sequence is reproducible. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
