// Our signature checks (core/shopify-auth) against an independent signer, Shopify's library and
// its test helpers, in both directions: ours accept what the library signs, the library accepts
// what our fixtures (test/helpers/shopify) sign, and ours refuse what we chose to be stricter on.
import { getHmac, getJwt, RequestType, setUpValidRequest } from "@shopify/shopify-api/test-helpers";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { verifyAppProxy, verifySessionToken, verifyWebhook } from "../../core/shopify-auth";
import { shopify } from "../../workers/shopify/api";
import { appProxySignature, proxyUrl, sessionToken, uniqueShop, useCredentials, webhookHmac, webhookRequest } from "../helpers/shopify";
import { TEST_SECRETS } from "../helpers/secrets";

const KEY = TEST_SECRETS.SHOPIFY_API_KEY;
const SECRET = TEST_SECRETS.SHOPIFY_API_SECRET;
const utf8 = (text: string) => new TextEncoder().encode(text);
const nowSeconds = () => Math.floor(Date.now() / 1000);
const hexOfBase64 = (b64: string) => [...atob(b64)].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");

/** The library's HMAC (its test helper, node:crypto) over any message, as App Proxy hex. */
const libraryHexHmac = (message: string, secret: string = SECRET) => hexOfBase64(getHmac(message, secret));

function webhookHeaders(shop: string, hmac: string, extra: Record<string, string> = {}): Headers {
  return new Headers({
    "x-shopify-hmac-sha256": hmac,
    "x-shopify-topic": "orders/paid",
    "x-shopify-shop-domain": shop,
    "x-shopify-webhook-id": crypto.randomUUID(),
    "x-shopify-api-version": "2026-10",
    ...extra,
  });
}

describe("Shopify's published vectors", () => {
  const body = '{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508"}';
  const proxyMessage = "extra=1,2logged_in_customer_id=1path_prefix=/apps/awesome_reviewsshop=shop-name.myshopify.comtimestamp=1317327555";

  it("the library's signer, our fixtures' signer and our verifier agree on the webhook vector", async () => {
    const vector = "QNSQrqj9duVb51o17wBAE7Y8vjTOP3dL4fSzPUdNx2U=";
    expect(getHmac(body, "hush")).toBe(vector);
    expect(await webhookHmac("hush", body)).toBe(vector);
    expect(await verifyWebhook("hush", utf8(body), webhookHeaders("shop-name.myshopify.com", vector))).toMatchObject({ valid: true });
  });

  it("and on the App Proxy vector", async () => {
    const vector = "4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb";
    const params = new URLSearchParams("extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1&path_prefix=/apps/awesome_reviews&timestamp=1317327555");
    expect(libraryHexHmac(proxyMessage, "hush")).toBe(vector);
    expect(await appProxySignature("hush", params)).toBe(vector);
    params.set("signature", vector);
    expect(await verifyAppProxy("hush", params, 1317327555)).toEqual({ valid: true, shop: "shop-name.myshopify.com", customerId: "1" });
  });
});

describe("ours accept what the library signs", () => {
  it("a webhook signed by the library's getHmac", async () => {
    const body = '{"id":1,"admin_graphql_api_id":"gid://shopify/Order/1"}';
    const verified = await verifyWebhook(SECRET, utf8(body), webhookHeaders("lib-shop.myshopify.com", getHmac(body, SECRET)));
    expect(verified).toMatchObject({ valid: true, shop: "lib-shop.myshopify.com", topic: "orders/paid" });
  });

  it("an App Proxy request signed by the library's setUpValidRequest", async () => {
    const request = await setUpValidRequest(
      { type: RequestType.Public, store: "lib-shop", apiSecretKey: SECRET },
      new Request("https://loyalnest.test/proxy/v1/api/customer?logged_in_customer_id=42&path_prefix=%2Fapps%2Floyalnest"),
    );
    const params = new URL(request.url).searchParams;
    expect(params.get("signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyAppProxy(SECRET, params, nowSeconds())).toEqual({ valid: true, shop: "lib-shop.myshopify.com", customerId: "42" });
  });

  it("a session token signed by the library's getJwt (with iss as Shopify sends it)", async () => {
    const { token } = await getJwt("lib-shop", KEY, SECRET, { iss: "https://lib-shop.myshopify.com/admin", exp: nowSeconds() + 60 });
    expect(await verifySessionToken(KEY, SECRET, token, nowSeconds())).toEqual({ valid: true, shop: "lib-shop.myshopify.com", userId: "12345", sessionId: "0987654321" });
  });

  it("and refuse the library's signatures made with another secret", async () => {
    const body = '{"id":1}';
    expect(await verifyWebhook(SECRET, utf8(body), webhookHeaders("lib-shop.myshopify.com", getHmac(body, "other")))).toEqual({ valid: false, reason: "invalid_hmac" });
    const { token } = await getJwt("lib-shop", KEY, "other", { iss: "https://lib-shop.myshopify.com/admin" });
    expect(await verifySessionToken(KEY, SECRET, token, nowSeconds())).toEqual({ valid: false, reason: "invalid_signature" });
  });
});

describe("the library accepts what our fixtures sign", () => {
  const library = () => shopify(env);

  it("webhooks (webhooks.validate)", async () => {
    const body = '{"id":7,"admin_graphql_api_id":"gid://shopify/Order/7"}';
    const request = await webhookRequest("orders/paid", "fixture-shop.myshopify.com", body);
    expect(await library().webhooks.validate({ rawBody: body, rawRequest: request })).toMatchObject({ valid: true, domain: "fixture-shop.myshopify.com" });
  });

  it("App Proxy requests (utils.validateHmac, signator appProxy)", async () => {
    const url = new URL(await proxyUrl("/customer", { shop: "fixture-shop.myshopify.com", customerId: "9", extra: { color: "red" } }));
    expect(await library().utils.validateHmac(url.searchParams, { signator: "appProxy" })).toBe(true);
    url.searchParams.set("color", "blue");
    expect(await library().utils.validateHmac(url.searchParams, { signator: "appProxy" })).toBe(false);
  });

  it("session tokens (session.decodeSessionToken)", async () => {
    const shop = uniqueShop("fixture");
    const payload = await library().session.decodeSessionToken(await sessionToken(shop));
    expect(payload).toMatchObject({ dest: `https://${shop}`, aud: KEY });
    await expect(library().session.decodeSessionToken(await sessionToken(shop, {}, { secret: "other" }))).rejects.toThrow();
  });

  it("with the dev credentials too (useCredentials)", async () => {
    useCredentials({ apiKey: "k", apiSecret: "hush", origin: "https://loyalnest.test" });
    try {
      const body = '{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508"}';
      const request = await webhookRequest("orders/paid", "shop-name.myshopify.com", body);
      expect(request.headers.get("x-shopify-hmac-sha256")).toBe("QNSQrqj9duVb51o17wBAE7Y8vjTOP3dL4fSzPUdNx2U=");
    } finally {
      useCredentials({ apiKey: KEY, apiSecret: SECRET, origin: "https://loyalnest.test" });
    }
  });
});

describe("where ours are stricter than the library", () => {
  const library = () => shopify(env);

  it.each([
    ["no exp (jose lets it live forever)", { iss: "https://lib-shop.myshopify.com/admin", exp: undefined }, "expired"],
    ["iss on another shop", { iss: "https://other-shop.myshopify.com/admin", exp: nowSeconds() + 60 }, "issuer_mismatch"],
    ["dest that is not a shop", { dest: "https://evil.example.com", iss: "https://evil.example.com/admin", exp: nowSeconds() + 60 }, "invalid_destination"],
    ["iss without https:// (the library's own test helper default)", { exp: nowSeconds() + 60 }, "issuer_mismatch"],
  ])("session token with %s: the library decodes it, ours refuse it", async (_label, overrides, reason) => {
    const { token } = await getJwt("lib-shop", KEY, SECRET, overrides);
    await expect(library().session.decodeSessionToken(token)).resolves.toMatchObject({ aud: KEY });
    expect(await verifySessionToken(KEY, SECRET, token, nowSeconds())).toEqual({ valid: false, reason });
  });

  it.each(["logged_in_customer_id", "path_prefix"])("App Proxy with %s twice, signed: the library accepts it, ours refuse it", async (key) => {
    const params = new URLSearchParams({ shop: "lib-shop.myshopify.com", logged_in_customer_id: "42", path_prefix: "/apps/loyalnest", timestamp: String(nowSeconds()) });
    params.append(key, key === "logged_in_customer_id" ? "7" : "/apps/other");
    // Shopify's rule for repeated keys: values joined with commas, keys sorted.
    const message = [...new Set(params.keys())].sort().map((k) => `${k}=${params.getAll(k).join(",")}`).join("");
    params.set("signature", libraryHexHmac(message));
    expect(await library().utils.validateHmac(params, { signator: "appProxy" })).toBe(true);
    expect(await verifyAppProxy(SECRET, params, nowSeconds())).toEqual({ valid: false, reason: "repeated_parameter" });
  });

  it("App Proxy timestamp that is not plain digits: the library accepts it, ours refuse it", async () => {
    const timestamp = `${nowSeconds()}.0`;
    const params = new URLSearchParams({ shop: "lib-shop.myshopify.com", logged_in_customer_id: "", path_prefix: "/apps/loyalnest", timestamp });
    const message = [...params.keys()].sort().map((k) => `${k}=${params.get(k)}`).join("");
    params.set("signature", libraryHexHmac(message));
    expect(await library().utils.validateHmac(params, { signator: "appProxy" })).toBe(true);
    expect(await verifyAppProxy(SECRET, params, nowSeconds())).toEqual({ valid: false, reason: "missing_timestamp" });
  });

  it("App Proxy: an unsigned request is refused for its signature before its timestamp is read", async () => {
    const params = new URLSearchParams({ shop: "lib-shop.myshopify.com", timestamp: "1", signature: "00".repeat(32) });
    await expect(library().utils.validateHmac(params, { signator: "appProxy" })).rejects.toThrow(/timestamp/);
    expect(await verifyAppProxy(SECRET, params, nowSeconds())).toEqual({ valid: false, reason: "invalid_signature" });
  });

  it("webhook whose shop header is not a shop: the library accepts it, ours refuse it", async () => {
    const body = '{"id":1}';
    const headers = webhookHeaders("evil.example.com", getHmac(body, SECRET));
    const request = new Request("https://loyalnest.test/v1/api/shopify/webhook", { method: "POST", headers, body });
    expect(await library().webhooks.validate({ rawBody: body, rawRequest: request })).toMatchObject({ valid: true });
    expect(await verifyWebhook(SECRET, utf8(body), headers)).toEqual({ valid: false, reason: "invalid_shop_domain" });
  });
});
