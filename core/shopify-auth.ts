// Verification of everything Shopify signs: webhook HMAC, App Proxy signature, session tokens
// (the dashboard's and the checkout extensions').
// Each returns a result union (never throws) so the surface decides the HTTP answer.
//
// Why ours and not @shopify/shopify-api's (webhooks.validate, utils.validateHmac with signator
// "appProxy", session.decodeSessionToken), which the app otherwise uses: the library accepts
// requests these refuse, and each refusal below guards something we rely on. Both directions
// are tested in test/workers/shopify-signatures.test.ts, with the library as the signer.
// - Session tokens: we require `exp` (jose, under the library, lets a token without one live
//   forever); we require `dest` to be a *.myshopify.com origin and `iss` to be on that same
//   shop (the library checks neither, and `dest` is what names the shop whose data a merchant
//   reads). Both allow 10 s of clock skew and HS256 only.
// - App Proxy: the HMAC is checked before anything else is read, so an unsigned request never
//   drives further logic (the library reads and judges the timestamp first); `shop`,
//   `timestamp`, `logged_in_customer_id`, `path_prefix` and `signature` must each appear once
//   (the library allows a repeated `logged_in_customer_id` or `path_prefix`, and the first of
//   two customer ids would be an identity the shopper chose); the timestamp must be digits
//   within ±90 s (the library takes anything Number() reads as an integer, e.g. "1.7e9");
//   `shop` must be a *.myshopify.com domain.
// - Webhooks: HMAC over the raw bytes first, then the required headers (as the library does),
//   and the X-Shopify-Shop-Domain header must be a *.myshopify.com domain (the library takes
//   any value, and that header picks the shop whose ledger a webhook changes).
// All comparisons of secret-derived values are constant time (crypto.subtle.verify).
import { hmacSha256, verifyHmacSha256 } from "./crypto";
import { base64UrlToText, fromBase64, fromHex, utf8, type Bytes } from "./encoding";

export const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

export type Verified<T> = ({ valid: true } & T) | { valid: false; reason: string };

// --- Webhooks -------------------------------------------------------------------------------

export interface WebhookHeaders {
  topic: string;
  shop: string;
  webhookId: string;
  apiVersion: string;
  eventId: string | null;
  triggeredAt: string | null;
}

/** HMAC first (over the raw bytes), then the headers Shopify always sends. */
export async function verifyWebhook(
  secret: string,
  rawBody: Bytes,
  headers: Headers,
): Promise<Verified<WebhookHeaders>> {
  const hmacHeader = headers.get("x-shopify-hmac-sha256");
  if (!hmacHeader) return { valid: false, reason: "missing_hmac" };
  if (rawBody.length === 0) return { valid: false, reason: "empty_body" };
  const signature = fromBase64(hmacHeader);
  if (!signature || !(await verifyHmacSha256(secret, rawBody, signature))) {
    return { valid: false, reason: "invalid_hmac" };
  }
  const topic = headers.get("x-shopify-topic");
  const shop = headers.get("x-shopify-shop-domain");
  const webhookId = headers.get("x-shopify-webhook-id");
  const apiVersion = headers.get("x-shopify-api-version");
  if (!topic) return { valid: false, reason: "missing_topic" };
  if (!shop) return { valid: false, reason: "missing_shop_domain" };
  if (!SHOP_DOMAIN.test(shop)) return { valid: false, reason: "invalid_shop_domain" };
  if (!webhookId) return { valid: false, reason: "missing_webhook_id" };
  if (!apiVersion) return { valid: false, reason: "missing_api_version" };
  return {
    valid: true,
    topic,
    shop,
    webhookId,
    apiVersion,
    eventId: headers.get("x-shopify-event-id"),
    triggeredAt: headers.get("x-shopify-triggered-at"),
  };
}

// --- App Proxy ------------------------------------------------------------------------------

export const APP_PROXY_MAX_SKEW_SECONDS = 90;
/** Parameters Shopify adds to a proxied request: once each, or the request is refused. */
const APP_PROXY_SINGLE_PARAMS = ["shop", "timestamp", "logged_in_customer_id", "path_prefix"] as const;

export interface AppProxyIdentity {
  shop: string;
  /** Shopify's numeric customer id as a string, or null when the shopper is signed out. */
  customerId: string | null;
}

/** Shopify's message: params without `signature`, `key=v1,v2`, sorted by key, concatenated. */
export function appProxyMessage(params: URLSearchParams): string {
  const grouped = new Map<string, string[]>();
  params.forEach((value, key) => {
    if (key === "signature") return;
    const values = grouped.get(key) ?? [];
    values.push(value);
    grouped.set(key, values);
  });
  return [...grouped.keys()]
    .sort()
    .map((key) => `${key}=${grouped.get(key)!.join(",")}`)
    .join("");
}

export async function signAppProxy(secret: string, params: URLSearchParams): Promise<string> {
  const mac = await hmacSha256(secret, appProxyMessage(params));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function verifyAppProxy(
  secret: string,
  params: URLSearchParams,
  nowSeconds: number,
): Promise<Verified<AppProxyIdentity>> {
  const signatures = params.getAll("signature");
  if (signatures.length !== 1) return { valid: false, reason: "missing_signature" };
  const signature = fromHex(signatures[0]!);
  if (!signature || !(await verifyHmacSha256(secret, appProxyMessage(params), signature))) {
    return { valid: false, reason: "invalid_signature" };
  }
  if (APP_PROXY_SINGLE_PARAMS.some((key) => params.getAll(key).length > 1)) return { valid: false, reason: "repeated_parameter" };
  const timestamp = params.get("timestamp");
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { valid: false, reason: "missing_timestamp" };
  if (Math.abs(nowSeconds - Number(timestamp)) > APP_PROXY_MAX_SKEW_SECONDS) {
    return { valid: false, reason: "stale_timestamp" };
  }
  const shop = params.get("shop") ?? "";
  if (!SHOP_DOMAIN.test(shop)) return { valid: false, reason: "invalid_shop" };
  const customer = params.get("logged_in_customer_id") ?? "";
  if (customer !== "" && !/^\d{1,20}$/.test(customer)) return { valid: false, reason: "invalid_customer" };
  return { valid: true, shop, customerId: customer === "" ? null : customer };
}

// --- Session tokens (embedded dashboard) ----------------------------------------------------

export const SESSION_TOKEN_LEEWAY_SECONDS = 10;

export interface SessionIdentity {
  shop: string;
  userId: string | null;
  sessionId: string | null;
}

export async function verifySessionToken(
  apiKey: string,
  secret: string,
  token: string,
  nowSeconds: number,
): Promise<Verified<SessionIdentity>> {
  const decoded = await verifiedClaims(apiKey, secret, token, nowSeconds);
  if (!decoded.valid) return decoded;
  const { claims } = decoded;
  const shop = typeof claims.dest === "string" ? hostOf(claims.dest) : null;
  if (!shop || !SHOP_DOMAIN.test(shop)) return { valid: false, reason: "invalid_destination" };
  if (typeof claims.iss !== "string" || hostOf(claims.iss) !== shop) {
    return { valid: false, reason: "issuer_mismatch" };
  }
  return {
    valid: true,
    shop,
    userId: typeof claims.sub === "string" ? claims.sub : null,
    sessionId: typeof claims.sid === "string" ? claims.sid : null,
  };
}

// --- Checkout UI extension session tokens ---------------------------------------------------

export interface CheckoutIdentity {
  shop: string;
  /** Shopify's numeric customer id (the digits of `sub`), or null for a guest checkout. */
  customerId: string | null;
}

const CUSTOMER_GID = /^gid:\/\/shopify\/Customer\/(\d{1,20})$/;

/**
 * A checkout (or thank-you page) extension's `shopify.sessionToken.get()`: HS256 with the app's
 * secret, `aud` the API key, `exp`/`nbf` as above. Unlike App Bridge's token it has no `iss`
 * and its `dest` is the bare shop domain ("store.myshopify.com"); `sub`, when present, is the
 * signed-in customer's gid (Shopify adds it only for apps allowed to read customer data).
 */
export async function verifyCheckoutSessionToken(
  apiKey: string,
  secret: string,
  token: string,
  nowSeconds: number,
): Promise<Verified<CheckoutIdentity>> {
  const decoded = await verifiedClaims(apiKey, secret, token, nowSeconds);
  if (!decoded.valid) return decoded;
  const { claims } = decoded;
  const dest = typeof claims.dest === "string" ? claims.dest : "";
  const shop = dest.startsWith("https://") ? hostOf(dest) : dest;
  if (!shop || !SHOP_DOMAIN.test(shop)) return { valid: false, reason: "invalid_destination" };
  if (claims.sub === undefined || claims.sub === null) return { valid: true, shop, customerId: null };
  const customer = typeof claims.sub === "string" ? CUSTOMER_GID.exec(claims.sub) : null;
  if (!customer) return { valid: false, reason: "invalid_subject" };
  return { valid: true, shop, customerId: customer[1]! };
}

/**
 * What both session tokens share: HS256 only, the signature checked (constant time) before the
 * claims are read, `aud` the API key, `exp` required, `nbf` honoured, 10 s of skew either way.
 */
async function verifiedClaims(
  apiKey: string,
  secret: string,
  token: string,
  nowSeconds: number,
): Promise<Verified<{ claims: Record<string, unknown> }>> {
  const parts = token.split(".");
  if (parts.length !== 3) return { valid: false, reason: "malformed_token" };
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const headerText = base64UrlToText(headerPart);
  let header: unknown;
  try {
    header = headerText ? JSON.parse(headerText) : null;
  } catch {
    header = null;
  }
  if (!header || typeof header !== "object" || (header as { alg?: unknown }).alg !== "HS256") {
    return { valid: false, reason: "unsupported_algorithm" };
  }
  const signature = fromBase64(signaturePart);
  if (!signature || !(await verifyHmacSha256(secret, utf8(`${headerPart}.${payloadPart}`), signature))) {
    return { valid: false, reason: "invalid_signature" };
  }
  let claims: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(base64UrlToText(payloadPart) ?? "");
    if (!parsed || typeof parsed !== "object") return { valid: false, reason: "malformed_claims" };
    claims = parsed as Record<string, unknown>;
  } catch {
    return { valid: false, reason: "malformed_claims" };
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(apiKey)) return { valid: false, reason: "wrong_audience" };
  if (typeof claims.exp !== "number" || nowSeconds > claims.exp + SESSION_TOKEN_LEEWAY_SECONDS) {
    return { valid: false, reason: "expired" };
  }
  if (typeof claims.nbf === "number" && nowSeconds < claims.nbf - SESSION_TOKEN_LEEWAY_SECONDS) {
    return { valid: false, reason: "not_yet_valid" };
  }
  return { valid: true, claims };
}

function hostOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" ? parsed.host : null;
  } catch {
    return null;
  }
}
