// Pure domain code, with Shopify's published test vectors.
import { describe, expect, it } from "vitest";
import { dataKeys, emailBlindIndex, hmacBase64 } from "../../core/crypto";
import { parseJsonLossless } from "../../core/json";
import { parseAmountToMills } from "../../core/money";
import { computeOrderEarn, DEFAULT_PROGRAM, ProgramSettingsSchema, reversalTarget } from "../../core/program";
import { appProxyMessage, signAppProxy, verifyAppProxy, verifyWebhook } from "../../core/shopify-auth";
import { applyBasisPoints, combineBasisPoints, toBasisPoints } from "../../core/multiplier";
import { DEFAULT_TIERS, VipTierInputSchema, tierFromInput, tierMultiplier } from "../../core/tiers";
import {
  OrderPayloadSchema,
  parseTriggeredAt,
  RefundPayloadSchema,
  shopDomainsNamedIn,
  toOrderEvent,
  toRefundEvent,
} from "../../core/webhook-payloads";
import { paidOrder, refund } from "../fixtures/shopify";
import { TEST_SECRETS } from "../helpers/secrets";

describe("webhook HMAC", () => {
  const body = `{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508"}`;

  it("matches Shopify's test vector", async () => {
    expect(await hmacBase64("hush", body)).toBe("QNSQrqj9duVb51o17wBAE7Y8vjTOP3dL4fSzPUdNx2U=");
  });

  it("accepts the vector and rejects a one-byte change", async () => {
    const headers = new Headers({
      "x-shopify-hmac-sha256": "QNSQrqj9duVb51o17wBAE7Y8vjTOP3dL4fSzPUdNx2U=",
      "x-shopify-topic": "orders/paid",
      "x-shopify-shop-domain": "shop.myshopify.com",
      "x-shopify-webhook-id": "w1",
      "x-shopify-api-version": "2026-10",
    });
    const ok = await verifyWebhook("hush", new TextEncoder().encode(body), headers);
    expect(ok).toMatchObject({ valid: true, topic: "orders/paid", shop: "shop.myshopify.com" });
    const tampered = await verifyWebhook("hush", new TextEncoder().encode(body.replace("508,", "509,")), headers);
    expect(tampered).toEqual({ valid: false, reason: "invalid_hmac" });
  });
});

describe("App Proxy signature", () => {
  it("builds Shopify's message and signature from the reference vector", async () => {
    const params = new URLSearchParams(
      "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555&signature=x",
    );
    expect(appProxyMessage(params)).toBe(
      "extra=1,2logged_in_customer_id=1path_prefix=/apps/awesome_reviewsshop=shop-name.myshopify.comtimestamp=1317327555",
    );
    expect(await signAppProxy("hush", params)).toBe("4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb");
  });

  it("enforces ±90 s around the timestamp", async () => {
    const params = new URLSearchParams({ shop: "a.myshopify.com", logged_in_customer_id: "7", timestamp: "1000" });
    params.set("signature", await signAppProxy("s", params));
    expect(await verifyAppProxy("s", params, 1090)).toMatchObject({ valid: true, customerId: "7" });
    expect(await verifyAppProxy("s", params, 1091)).toEqual({ valid: false, reason: "stale_timestamp" });
    expect(await verifyAppProxy("s", params, 909)).toEqual({ valid: false, reason: "stale_timestamp" });
  });
});

describe("lossless JSON", () => {
  it("keeps ids above 2^53 exact and distinct", () => {
    const a = parseJsonLossless(`{"id":820982911946154508,"order_id":820982911946154509,"amount":1.5}`) as Record<string, unknown>;
    expect(a).toEqual({ id: "820982911946154508", order_id: "820982911946154509", amount: 1.5 });
    expect(JSON.parse(`{"id":820982911946154508}`).id).toBe(JSON.parse(`{"id":820982911946154509}`).id);
  });
});

describe("money", () => {
  it.each([
    ["254.98", 254_980],
    ["0.01", 10],
    ["10", 10_000],
    ["1.234", 1_234],
    ["99999999.99", 99_999_999_990],
  ])("parses %s exactly", (text, mills) => expect(parseAmountToMills(text)).toBe(mills));

  it.each(["-1.00", "1e3", "", "abc", "1.2.3", null, {}])("rejects %j", (text) => expect(parseAmountToMills(text)).toBeNull());
});

describe("earning and reversing", () => {
  it("reads a program version saved before earning rules had limits as the same rules", () => {
    const stored = { ...DEFAULT_PROGRAM, earning: undefined, points_per_currency_unit: 7, signup_points: 300, newsletter_points: 0, review_points: 20, birthday_points: 10 };
    delete (stored as Record<string, unknown>).earning;
    const program = ProgramSettingsSchema.parse(stored);
    expect(program.earning.purchase.points_per_currency_unit).toBe(7);
    expect(program.earning.signup).toEqual({ enabled: true, points: 300, limit: { count: 1, period: "lifetime" } });
    expect(program.earning.newsletter.points).toBe(0);
    expect(program.earning.review.points).toBe(20);
    expect(program.earning.birthday).toMatchObject({ points: 10, limit: { count: 1, period: "year" } });
    expect(computeOrderEarn(program, parseAmountToMills("10.00")!, []).points).toBe(70);
  });

  it("earns nothing while the program is off", () => {
    expect(computeOrderEarn({ ...DEFAULT_PROGRAM, enabled: false }, parseAmountToMills("10.00")!, []).points).toBe(0);
  });

  it("earns 10 points per $1 of subtotal, rounded down, with the rule snapshot", () => {
    const bronze = tierFromInput(DEFAULT_TIERS[0]!.id, DEFAULT_TIERS[0]!);
    const { points, snapshot } = computeOrderEarn(DEFAULT_PROGRAM, parseAmountToMills("25.99")!, tierMultiplier(bronze));
    expect(points).toBe(259);
    expect(snapshot).toMatchObject({ program_version: 1, points_per_currency_unit: 10, tier: "Bronze", base_mills: 25_990 });
  });

  it("reverses the refunded share, cumulative and capped at what was earned", () => {
    expect(reversalTarget(259, 25_990, 12_995, false)).toBe(129);
    expect(reversalTarget(259, 25_990, 25_990, false)).toBe(259);
    expect(reversalTarget(259, 25_990, 99_000, false)).toBe(259);
    expect(reversalTarget(259, 25_990, 0, true)).toBe(259);
    expect(reversalTarget(1_000_000_000, 9_000_000_000_000, 4_500_000_000_000, false)).toBe(500_000_000);
  });

  it("counts refunded line subtotals (bare strings when no set is sent)", () => {
    const lines = RefundPayloadSchema.parse(
      parseJsonLossless(`{"admin_graphql_api_id":"gid://shopify/Refund/1","order_id":5,"refund_line_items":[{"subtotal":"3.00"},{"subtotal":"2.50"}],"transactions":[{"kind":"refund","status":"success","amount":"9.99"}]}`),
    );
    expect(toRefundEvent(lines)).toEqual({ refundGid: "gid://shopify/Refund/1", orderGid: "gid://shopify/Order/5", refundedMills: 5_500 });
  });

  it("applies tier multipliers in integers: 100 points × 2.3 is 230", () => {
    const gold = tierFromInput("tier_gold", VipTierInputSchema.parse({ translations: { en: { name: "Gold" } }, threshold: 0, earn_multiplier: 2.3 }));
    const { points, snapshot } = computeOrderEarn(DEFAULT_PROGRAM, parseAmountToMills("10.00")!, tierMultiplier(gold));
    expect(points).toBe(230);
    expect(snapshot).toMatchObject({ tier: "Gold", tier_multiplier: 2.3, tier_multiplier_bp: 23_000 });
    expect(snapshot.multipliers).toEqual([{ source: "tier", id: "tier_gold", name: "Gold", multiplier: 2.3, bp: 23_000 }]);
    expect(Math.floor(100 * 2.3)).toBe(229); // what float arithmetic gave
    expect(applyBasisPoints(1_001, toBasisPoints(1.15))).toBe(1_151);
    expect(applyBasisPoints(9_007_199_254_740, toBasisPoints(9.9999))).toBe(90_071_091_827_474);
  });

  it("multiplies every applicable multiplier and rounds once", () => {
    expect(combineBasisPoints([])).toBe(10_000);
    expect(combineBasisPoints([20_000, 15_000])).toBe(30_000);
    expect(combineBasisPoints([23_000, 10_000])).toBe(23_000);
    const { points, snapshot } = computeOrderEarn(DEFAULT_PROGRAM, parseAmountToMills("10.00")!, [
      { source: "tier", id: "t", name: "Gold", multiplier: 1.5, bp: 15_000 },
      { source: "campaign", id: "c", name: "Double points", multiplier: 2, bp: 20_000 },
    ]);
    expect(points).toBe(300);
    expect(snapshot).toMatchObject({ tier: "Gold", tier_multiplier_bp: 15_000, multiplier_bp: 30_000 });
  });

  it("refuses a multiplier it cannot hold exactly in basis points", () => {
    const tier = (earn_multiplier: number) => VipTierInputSchema.safeParse({ translations: { en: { name: "X" } }, threshold: 0, earn_multiplier });
    expect(tier(1.23456).success).toBe(false);
    expect(tier(1.2345).success).toBe(true);
  });

});

describe("the earn base and the refunded share, from payloads shaped as Shopify sends them", () => {
  const refundOf = (r: Parameters<typeof refund>[0]) => toRefundEvent(RefundPayloadSchema.parse(parseJsonLossless(refund(r))));

  it("earns on the subtotal in shop money, not the shopper's currency", () => {
    const order = OrderPayloadSchema.parse(parseJsonLossless(paidOrder({ id: "820982911946154508", customerId: "115310627314723954", subtotal: ["200.00", "184.00"] })));
    expect(toOrderEvent(order)).toMatchObject({
      orderGid: "gid://shopify/Order/820982911946154508",
      customerId: "115310627314723954",
      baseMills: 200_000,
      placedAt: Date.parse("2026-11-30T15:00:00Z"),
    });
  });

  it("reverses by the refunded lines' subtotals in shop money (the bare subtotal is the shopper's)", () => {
    expect(refundOf({ id: "890088186047892319", orderId: "820982911946154508", lines: [["50.00", "46.00"], ["25.00", "23.00"]] })).toEqual({
      refundGid: "gid://shopify/Refund/890088186047892319",
      orderGid: "gid://shopify/Order/820982911946154508",
      refundedMills: 75_000,
    });
  });

  it("reverses nothing for a shipping-only refund, though money went back", () => {
    expect(refundOf({ id: "2", orderId: "5", shipping: ["10.00", "9.20"] }).refundedMills).toBe(0);
  });

  it("ignores shipping beside refunded lines", () => {
    expect(refundOf({ id: "3", orderId: "5", lines: [["50.00", "46.00"]], shipping: ["10.00", "9.20"] }).refundedMills).toBe(50_000);
  });

  it("counts an amount-only refund (a refund_discrepancy adjustment) by its shop-money amount", () => {
    expect(refundOf({ id: "4", orderId: "5", discrepancy: ["30.00", "27.60"] }).refundedMills).toBe(30_000);
    expect(refundOf({ id: "5", orderId: "5", discrepancy: ["30.00", "27.60"], shipping: ["10.00", "9.20"] }).refundedMills).toBe(30_000);
  });

  it("lets refunded lines decide when a discrepancy rides along", () => {
    expect(refundOf({ id: "6", orderId: "5", lines: [["50.00", "46.00"]], discrepancy: ["5.00", "4.60"] }).refundedMills).toBe(50_000);
  });
});

describe("webhook headers and payload shop names", () => {
  it.each([
    ["2026-11-30T18:00:27.877041743Z", Date.UTC(2026, 10, 30, 18, 0, 27, 877)],
    ["2026-11-30T18:00:27Z", Date.UTC(2026, 10, 30, 18, 0, 27)],
    ["2026-11-30T13:00:27-05:00", Date.UTC(2026, 10, 30, 18, 0, 27)],
    ["yesterday", null],
    [null, null],
  ])("reads X-Shopify-Triggered-At %j", (header, ms) => expect(parseTriggeredAt(header)).toBe(ms));

  it("finds the shop domains a payload names, skipping a custom domain", () => {
    expect(shopDomainsNamedIn({ myshopify_domain: "A.myshopify.com", domain: "www.example.com" })).toEqual(["a.myshopify.com"]);
    expect(shopDomainsNamedIn({ shop_domain: "b.myshopify.com", domain: "c.myshopify.com" })).toEqual(["b.myshopify.com", "c.myshopify.com"]);
    expect(shopDomainsNamedIn({ id: "1" })).toEqual([]);
  });
});

describe("encryption at rest", () => {
  it("gives a blind index that ignores case and spaces but differs per shop", async () => {
    const keys = await dataKeys(TEST_SECRETS.ENCRYPTION_KEY);
    const one = await emailBlindIndex(keys, "a.myshopify.com", " Ann@Example.com ");
    expect(one).toBe(await emailBlindIndex(keys, "a.myshopify.com", "ann@example.com"));
    expect(one).not.toBe(await emailBlindIndex(keys, "b.myshopify.com", "ann@example.com"));
    expect(one).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses a key that is not 32 bytes", async () => {
    await expect(dataKeys("c2hvcnQ=")).rejects.toThrow(/32 bytes/);
  });
});
