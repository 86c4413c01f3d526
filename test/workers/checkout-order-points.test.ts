// The thank-you page's API: GET /checkout/v1/api/order-points, authenticated by the checkout UI
// extension's session token (shop = dest, customer = sub), with CORS for Shopify's checkout.
import { beforeAll, describe, expect, it } from "vitest";
import { call, eventually, install, json, merchantApi } from "../helpers/app";
import { checkoutClaims, checkoutSessionToken, orderBody, refundBody, signJwt, uniqueShop, webhookRequest } from "../helpers/shopify";

const shop = uniqueShop("thank-you");
const otherShop = uniqueShop("thank-you-other");
const ORDER = "7301";
const REFUNDED_ORDER = "7302";

function checkoutToken(dest: string, customerId: string | null, overrides: Record<string, unknown> = {}, secret?: string) {
  return checkoutSessionToken(dest, customerId, overrides, { secret });
}

async function orderPoints(token: string | null, query: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await call(
    new Request(`https://loyalnest.test/checkout/v1/api/order-points?${new URLSearchParams(query)}`, {
      headers: { ...headers, ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    }),
  );
  return { status: response.status, headers: response.headers, body: await json(response) };
}

beforeAll(async () => {
  await install(shop);
  await install(otherShop);
  await call(await webhookRequest("orders/paid", shop, orderBody({ id: ORDER, customerId: "801", subtotal: "30.00" })));
  await call(await webhookRequest("orders/paid", shop, orderBody({ id: REFUNDED_ORDER, customerId: "802", subtotal: "40.00" })));
  await call(await webhookRequest("refunds/create", shop, refundBody({ id: "9302", orderId: REFUNDED_ORDER, lineSubtotals: ["10.00"] })));
});

describe("GET /checkout/v1/api/order-points", () => {
  it("answers what a signed-in customer's paid order earned, in the shop's words", async () => {
    const response = await orderPoints(await checkoutToken(shop, "801"), { order_id: `gid://shopify/OrderIdentity/${ORDER}` });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      status: "ok",
      shown: true,
      language: "en",
      title: null,
      order: { state: "earned", points: 300, estimated: false },
      signup_points: 200,
      points_name: { singular: "point", plural: "points" },
      error: null,
    });
  });

  it("answers an order's points net of its refunds", async () => {
    // 40.00 earned 400; refunding 10.00 of its lines takes back a quarter (a refund may land a moment later).
    const body = await eventually(
      async () => (await orderPoints(await checkoutToken(shop, "802"), { order_id: REFUNDED_ORDER })).body,
      (b) => b.order?.points === 300,
    );
    expect(body.order).toEqual({ state: "earned", points: 300, estimated: false });
  });

  it("forecasts an order whose payment has not reached the account from the subtotal the page shows", async () => {
    const response = await orderPoints(await checkoutToken(shop, "801"), { order_id: "gid://shopify/OrderIdentity/7399", subtotal: "25.99" });
    expect(response.status).toBe(200);
    expect(response.body.order).toEqual({ state: "pending", points: 259, estimated: true });
  });

  it("forecasts by the rules the account will apply: a running double-points campaign doubles it, and the paid order agrees", async () => {
    const doubled = uniqueShop("thank-you-double");
    await install(doubled);
    const created = await merchantApi(doubled, "POST", "/campaigns", {
      kind: "multiplier",
      translations: { en: { name: "Double points", description: "2x today" } },
      starts_at: new Date(Date.now() - 3_600_000).toISOString(),
      ends_at: null,
      multiplier: 2,
      stackable: false,
    });
    expect(created.status).toBe(201);
    const forecast = await orderPoints(await checkoutToken(doubled, "811"), { order_id: "7311", subtotal: "12.34" });
    expect(forecast.body.order).toEqual({ state: "pending", points: 246, estimated: true });
    const guest = await orderPoints(await checkoutToken(doubled, null), { order_id: "7311", subtotal: "12.34" });
    expect(guest.body.order).toEqual({ state: "guest", points: 246, estimated: true });
    await call(await webhookRequest("orders/paid", doubled, orderBody({ id: "7311", customerId: "811", subtotal: "12.34" })));
    const earned = await orderPoints(await checkoutToken(doubled, "811"), { order_id: "7311", subtotal: "12.34" });
    expect(earned.body.order).toEqual({ state: "earned", points: 246, estimated: false });
  });

  it("answers nothing to count for a pending order sent without a subtotal", async () => {
    const response = await orderPoints(await checkoutToken(shop, "801"), { order_id: "7399" });
    expect(response.body.order).toEqual({ state: "pending", points: null, estimated: false });
  });

  it("tells a guest what the order would have earned and what joining earns, never reading any account", async () => {
    // The guest names another customer's paid order: without a `sub` no account is read.
    const response = await orderPoints(await checkoutToken(shop, null), { order_id: ORDER, subtotal: "30.00" });
    expect(response.status).toBe(200);
    expect(response.body.order).toEqual({ state: "guest", points: 300, estimated: true });
    expect(response.body.signup_points).toBe(200);
  });

  it("never shows a customer another customer's order", async () => {
    const response = await orderPoints(await checkoutToken(shop, "803"), { order_id: ORDER });
    expect(response.status).toBe(200);
    expect(response.body.order).toEqual({ state: "pending", points: null, estimated: false });
  });

  it("never shows one shop's order to a token of another shop", async () => {
    const response = await orderPoints(await checkoutToken(otherShop, "801"), { order_id: ORDER });
    expect(response.status).toBe(200);
    expect(response.body.order).toEqual({ state: "pending", points: null, estimated: false });
  });

  it("answers in the checkout's language among the shop's, with the merchant's heading", async () => {
    const saved = await merchantApi(shop, "PUT", "/settings", {
      languages: ["en", "es"],
      storefront: { copy: { es: { post_purchase_title: "¡Gracias por tu compra!" } } },
    });
    expect(saved.status, JSON.stringify(await saved.clone().json())).toBe(200);
    const spanish = await orderPoints(await checkoutToken(shop, "801"), { order_id: ORDER, locale: "es-MX" });
    expect(spanish.body).toMatchObject({ language: "es", title: "¡Gracias por tu compra!", points_name: { singular: "punto", plural: "puntos" } });
    const german = await orderPoints(await checkoutToken(shop, "801"), { order_id: ORDER, locale: "de" });
    expect(german.body).toMatchObject({ language: "en", title: null });
  });

  it("says not to show the prompt once the merchant turns the post-purchase surface off", async () => {
    const quiet = uniqueShop("thank-you-off");
    await install(quiet);
    const saved = await merchantApi(quiet, "PUT", "/settings", { storefront: { surfaces: { post_purchase: false } } });
    expect(saved.status).toBe(200);
    const response = await orderPoints(await checkoutToken(quiet, null), { order_id: ORDER });
    expect(response.status).toBe(200);
    expect(response.body.shown).toBe(false);
  });
});

describe("the checkout session token", () => {
  const now = () => Math.floor(Date.now() / 1000);
  it.each([
    ["no token", async () => null, "missing_session_token"],
    ["an expired token", () => checkoutToken(shop, "801", { exp: now() - 11 }), "expired"],
    ["a token without an expiry", () => checkoutToken(shop, "801", { exp: undefined }), "expired"],
    ["a token not valid yet", () => checkoutToken(shop, "801", { nbf: now() + 60 }), "not_yet_valid"],
    ["a token signed with another app's secret", () => checkoutToken(shop, "801", {}, "another-apps-secret"), "invalid_signature"],
    ["another app's audience", () => checkoutToken(shop, "801", { aud: "another-app" }), "wrong_audience"],
    ["alg none", () => signJwt({ alg: "none" }, checkoutClaims(shop, "801"), null), "unsupported_algorithm"],
    ["a destination that is not a shop", () => checkoutToken("evil.example.com", "801"), "invalid_destination"],
    ["a subject that is not a customer gid", () => checkoutToken(shop, null, { sub: "801" }), "invalid_subject"],
  ])("refuses %s", async (_name, make, code) => {
    const response = await orderPoints(await make(), { order_id: ORDER });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ status: "error", error: { code, message: expect.any(String) } });
  });

  it("refuses a valid token of a shop that has not installed the app", async () => {
    const response = await orderPoints(await checkoutToken(uniqueShop("never-installed"), "801"), { order_id: ORDER });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("shop_not_installed");
  });

  it("takes the shop from the token's dest even when it is given as an https origin", async () => {
    const response = await orderPoints(await checkoutToken(`https://${shop}`, "801"), { order_id: ORDER });
    expect(response.body.order).toEqual({ state: "earned", points: 300, estimated: false });
  });
});

describe("bad input", () => {
  it.each([
    ["an order id that is neither a gid nor digits", { order_id: "gid://shopify/Customer/801" }, "invalid_order_id"],
    ["a subtotal that is not an amount", { order_id: ORDER, subtotal: "-3" }, "invalid_request"],
    ["no order id", {}, "invalid_request"],
  ])("refuses %s with 400", async (_name, query, code) => {
    const response = await orderPoints(await checkoutToken(shop, "801"), query as Record<string, string>);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe(code);
  });
});

describe("CORS for Shopify's checkout", () => {
  const EXTENSION_ORIGIN = "https://extensions.shopifycdn.com";

  it("answers the preflight of the extension's worker without a token", async () => {
    const response = await call(
      new Request("https://loyalnest.test/checkout/v1/api/order-points?order_id=1", {
        method: "OPTIONS",
        headers: { origin: EXTENSION_ORIGIN, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
      }),
    );
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(EXTENSION_ORIGIN);
    expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
  });

  it("lets the page read answers and refusals alike", async () => {
    const answered = await orderPoints(await checkoutToken(shop, "801"), { order_id: ORDER }, { origin: EXTENSION_ORIGIN });
    expect(answered.headers.get("access-control-allow-origin")).toBe(EXTENSION_ORIGIN);
    const refused = await orderPoints(null, { order_id: ORDER }, { origin: EXTENSION_ORIGIN });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(EXTENSION_ORIGIN);
  });

  it("names no other origin", async () => {
    const response = await orderPoints(await checkoutToken(shop, "801"), { order_id: ORDER }, { origin: "https://evil.example.com" });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });
});
