// The widget's API behind the App Proxy: signature, clock skew, identity from the signature only.
import { beforeAll, describe, expect, it } from "vitest";
import { call, install, json } from "../helpers/app";
import { orderBody, proxyUrl, uniqueShop, webhookRequest } from "../helpers/shopify";

const shop = uniqueShop("storefront");

beforeAll(async () => {
  await install(shop);
  await call(await webhookRequest("orders/paid", shop, orderBody({ id: "9100", customerId: "501", subtotal: "123.45" })));
});

describe("GET /proxy/v1/api/customer", () => {
  it("answers the signed-in shopper's balance and tier", async () => {
    const response = await call(await proxyUrl("/customer", { shop, customerId: "501" }));
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      status: "ok",
      customer: {
        id: "501",
        points_balance: 1234,
        total_points_earned: 1234,
        total_points_redeemed: 0,
        total_points_reversed: 0,
        vip_tier: "Silver",
        vip_tier_id: "tier_silver",
        next_tier: { name: "Gold", points_needed: 3766 },
      },
      error: null,
    });
  });

  it("answers zeros for a shopper who has not earned yet", async () => {
    const body = await json(await call(await proxyUrl("/customer", { shop, customerId: "502" })));
    expect(body.customer).toMatchObject({ id: "502", points_balance: 0, vip_tier: "Bronze" });
  });

  it("asks a signed-out shopper to sign in", async () => {
    const response = await call(await proxyUrl("/customer", { shop, customerId: null }));
    expect(response.status).toBe(401);
    expect((await json(response)).error.code).toBe("not_logged_in");
  });

  it("takes the customer from the signature, never from the body or an extra parameter", async () => {
    const url = new URL(await proxyUrl("/customer", { shop, customerId: "502" }));
    url.searchParams.set("logged_in_customer_id", "501");
    const forged = await call(url.toString());
    expect(forged.status).toBe(401);
    expect((await json(forged)).error.code).toBe("invalid_signature");
  });

  // The timestamp is taken when the test runs, not when it is collected. The exact ±90 s edge is
  // proven on the pure check with a fixed clock (core.test.ts); through the route the margin is
  // 10 s, as a loaded machine took more than a second between signing and checking.
  it.each([
    ["a stale timestamp (100 s old)", -100, "stale_timestamp"],
    ["a future timestamp (100 s ahead)", 100, "stale_timestamp"],
  ])("refuses %s", async (_name, offsetSeconds, code) => {
    const timestamp = Math.floor(Date.now() / 1000) + offsetSeconds;
    const response = await call(await proxyUrl("/customer", { shop, customerId: "501", timestamp }));
    expect(response.status).toBe(401);
    expect((await json(response)).error.code).toBe(code);
  });

  it("refuses a signature made with another secret", async () => {
    const response = await call(await proxyUrl("/customer", { shop, customerId: "501" }, "not-our-secret"));
    expect((await json(response)).error.code).toBe("invalid_signature");
  });

  it("refuses a request with no signature", async () => {
    const url = new URL(await proxyUrl("/customer", { shop, customerId: "501" }));
    url.searchParams.delete("signature");
    expect((await json(await call(url.toString()))).error).toMatchObject({ code: "missing_signature" });
  });

  it("refuses a validly signed request for a shop that has not installed the app", async () => {
    const response = await call(await proxyUrl("/customer", { shop: "stranger.myshopify.com", customerId: "501" }));
    expect(response.status).toBe(403);
  });
});

describe("GET /proxy/v1/api/widget/config", () => {
  it("serves the rewards catalog and English strings by default", async () => {
    const body = await json(await call(await proxyUrl("/widget/config", { shop, customerId: null })));
    expect(body).toMatchObject({ status: "ok", language: "en", error: null });
    expect(body.translations.title).toBe("Rewards");
    expect(body.rewards.map((r: { type: string; points_cost: number }) => [r.type, r.points_cost])).toEqual([
      ["fixed_amount", 500],
      ["free_shipping", 1000],
      // The default free product waits, disabled, for the merchant to choose its variant.
    ]);
    expect(body.rewards[0]).toMatchObject({ reward_id: expect.any(String), value: "5.00", title: "$5 off your order", code_expiry_days: 30 });
  });

  it("speaks the shopper's language and falls back to English for unknown ones", async () => {
    const french = await json(await call(await proxyUrl("/widget/config", { shop, extra: { locale: "fr-CA" } })));
    expect(french.language).toBe("fr");
    expect(french.translations.redeem).toBe("Utiliser");
    const klingon = await json(await call(await proxyUrl("/widget/config", { shop, extra: { locale: "tlh" } })));
    expect(klingon.language).toBe("en");
  });
});
