// Signed Shopify fixtures: webhooks, App Proxy requests, session tokens. Signed here with
// WebCrypto directly, written from Shopify's description of each signature and never with the
// code under test (core/crypto, core/shopify-auth), so a mistake there cannot sign its own
// fixtures into passing. test/workers/shopify-signatures.test.ts checks these against
// Shopify's published vectors and Shopify's library.
import { TEST_SECRETS } from "./secrets";

const encoder = new TextEncoder();

async function hmacSha256(secret: string, message: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Webhooks: base64 of HMAC-SHA256 over the raw body, keyed with the app's secret. */
export async function webhookHmac(secret: string, body: string): Promise<string> {
  return base64(await hmacSha256(secret, body));
}

/**
 * App Proxy: every query parameter but `signature` as `key=value` (a repeated key's values
 * joined with commas), sorted by key, concatenated without separators; hex HMAC-SHA256.
 */
export async function appProxySignature(secret: string, params: URLSearchParams): Promise<string> {
  const values = new Map<string, string[]>();
  for (const [key, value] of params) {
    if (key !== "signature") values.set(key, [...(values.get(key) ?? []), value]);
  }
  const message = [...values.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => `${key}=${values.get(key)!.join(",")}`)
    .join("");
  return [...(await hmacSha256(secret, message))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

let SECRET: string = TEST_SECRETS.SHOPIFY_API_SECRET;
let API_KEY: string = TEST_SECRETS.SHOPIFY_API_KEY;
let deliveries = 0;
let ORIGIN = "https://loyalnest.test";

/** The end-to-end tests sign with the dev secrets and call a real `wrangler dev`. */
export function useCredentials(options: { apiKey: string; apiSecret: string; origin: string }): void {
  API_KEY = options.apiKey;
  SECRET = options.apiSecret;
  ORIGIN = options.origin;
}

export function uniqueShop(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}.myshopify.com`;
}

export async function webhookHeaders(
  topic: string,
  shop: string,
  body: string,
  overrides: Record<string, string | null> = {},
): Promise<Headers> {
  const headers: Record<string, string | null> = {
    "content-type": "application/json",
    "x-shopify-hmac-sha256": await webhookHmac(SECRET, body),
    "x-shopify-topic": topic,
    "x-shopify-shop-domain": shop,
    "x-shopify-webhook-id": `wh-${++deliveries}-${crypto.randomUUID()}`,
    "x-shopify-api-version": "2026-10",
    ...overrides,
  };
  const out = new Headers();
  for (const [key, value] of Object.entries(headers)) if (value !== null) out.set(key, value);
  return out;
}

export async function webhookRequest(
  topic: string,
  shop: string,
  body: string,
  overrides: Record<string, string | null> = {},
): Promise<Request> {
  return new Request(`${ORIGIN}/v1/api/shopify/webhook`, {
    method: "POST",
    headers: await webhookHeaders(topic, shop, body, overrides),
    body,
  });
}

/** Raw JSON text, so ids above 2^53 stay exactly as Shopify writes them. */
export function orderBody(order: { id: string; customerId?: string | null; subtotal: string; cancelled?: boolean }): string {
  const customer =
    order.customerId == null
      ? "null"
      : `{"id":${order.customerId},"admin_graphql_api_id":"gid://shopify/Customer/${order.customerId}","email":"c${order.customerId}@example.com"}`;
  return `{"id":${order.id},"admin_graphql_api_id":"gid://shopify/Order/${order.id}","name":"#${order.id.slice(-4)}","currency":"USD","subtotal_price":"${order.subtotal}","total_price":"${order.subtotal}","financial_status":"paid","cancelled_at":${order.cancelled ? '"2026-11-20T10:00:00Z"' : "null"},"customer":${customer},"line_items":[]}`;
}

export function refundBody(refund: { id: string; orderId: string; lineSubtotals?: string[]; transactionAmount?: string }): string {
  const lines = (refund.lineSubtotals ?? []).map(
    (s, i) => `{"id":${i + 1},"line_item_id":${i + 1},"quantity":1,"subtotal":"${s}","total_tax":"0.00"}`,
  );
  const transactions = refund.transactionAmount
    ? `[{"id":1,"order_id":${refund.orderId},"kind":"refund","status":"success","amount":"${refund.transactionAmount}","currency":"USD"}]`
    : "[]";
  return `{"id":${refund.id},"admin_graphql_api_id":"gid://shopify/Refund/${refund.id}","order_id":${refund.orderId},"refund_line_items":[${lines.join(",")}],"transactions":${transactions}}`;
}

export function customerBody(customer: { id: string; email?: string | null; firstName?: string; lastName?: string }): string {
  return JSON.stringify({
    admin_graphql_api_id: `gid://shopify/Customer/${customer.id}`,
    email: customer.email ?? null,
    first_name: customer.firstName ?? null,
    last_name: customer.lastName ?? null,
    created_at: "2026-11-20T10:00:00Z",
  }).replace(/^\{/, `{"id":${customer.id},`);
}

export async function proxyUrl(
  path: string,
  params: { shop: string; customerId?: string | null; timestamp?: number; extra?: Record<string, string> },
  secret?: string,
): Promise<string> {
  const search = new URLSearchParams({
    shop: params.shop,
    logged_in_customer_id: params.customerId ?? "",
    path_prefix: "/apps/loyalnest",
    timestamp: String(params.timestamp ?? Math.floor(Date.now() / 1000)),
    ...params.extra,
  });
  search.set("signature", await appProxySignature(secret ?? SECRET, search));
  return `${ORIGIN}/proxy/v1/api${path}?${search}`;
}

export function base64Url(data: string | Uint8Array): string {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return base64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A JWT with any header and payload (objects or raw text), HS256-signed with `secret`, or unsigned. */
export async function signJwt(header: unknown, payload: unknown, secret: string | null): Promise<string> {
  const h = base64Url(typeof header === "string" ? header : JSON.stringify(header));
  const p = base64Url(typeof payload === "string" ? payload : JSON.stringify(payload));
  if (secret === null) return `${h}.${p}.`;
  return `${h}.${p}.${base64Url(await hmacSha256(secret, `${h}.${p}`))}`;
}

/** The claims App Bridge puts in a session token for `shop`. */
export function sessionClaims(shop: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: `https://${shop}/admin`,
    dest: `https://${shop}`,
    aud: API_KEY,
    sub: "42",
    exp: now + 60,
    nbf: now - 5,
    iat: now - 5,
    jti: crypto.randomUUID(),
    sid: "session-1",
    ...overrides,
  };
}

export function sessionToken(
  shop: string,
  overrides: Record<string, unknown> = {},
  options: { secret?: string; alg?: string } = {},
): Promise<string> {
  return signJwt({ alg: options.alg ?? "HS256", typ: "JWT" }, sessionClaims(shop, overrides), options.secret ?? SECRET);
}

/** The claims a checkout UI extension's `shopify.sessionToken.get()` carries: a bare `dest`, no `iss`, `sub` only for a signed-in customer. */
export function checkoutClaims(shop: string, customerId: string | null, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    dest: shop,
    aud: API_KEY,
    exp: now + 300,
    nbf: now - 5,
    iat: now - 5,
    jti: crypto.randomUUID(),
    ...(customerId === null ? {} : { sub: `gid://shopify/Customer/${customerId}` }),
    ...overrides,
  };
}

export function checkoutSessionToken(
  shop: string,
  customerId: string | null,
  overrides: Record<string, unknown> = {},
  options: { secret?: string } = {},
): Promise<string> {
  return signJwt({ alg: "HS256", typ: "JWT" }, checkoutClaims(shop, customerId, overrides), options.secret ?? SECRET);
}
