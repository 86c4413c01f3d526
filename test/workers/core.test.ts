// Pure domain code, with Shopify's published test vectors.
import { describe, expect, it } from "vitest";
import { dataKeys, emailBlindIndex, hmacBase64 } from "../../core/crypto";
import { parseJsonLossless } from "../../core/json";
import { parseAmountToMills } from "../../core/money";
import { computeOrderEarn, DEFAULT_PROGRAM, reversalTarget, tierFor } from "../../core/program";
import { appProxyMessage, signAppProxy, verifyAppProxy, verifyWebhook } from "../../core/shopify-auth";
import { toRefundEvent, RefundPayloadSchema } from "../../core/webhook-payloads";
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
  it("earns 10 points per $1 of subtotal, rounded down, with the rule snapshot", () => {
    const { points, snapshot } = computeOrderEarn(DEFAULT_PROGRAM, parseAmountToMills("25.99")!, 0);
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

  it("picks the highest tier reached", () => {
    expect(tierFor(DEFAULT_PROGRAM, 999)?.name).toBe("Bronze");
    expect(tierFor(DEFAULT_PROGRAM, 1_000)?.name).toBe("Silver");
    expect(tierFor(DEFAULT_PROGRAM, 50_000)?.name).toBe("Gold");
  });

  it("counts refunded line subtotals, else successful refund transactions", () => {
    const lines = RefundPayloadSchema.parse(
      parseJsonLossless(`{"admin_graphql_api_id":"gid://shopify/Refund/1","order_id":5,"refund_line_items":[{"subtotal":"3.00"},{"subtotal":"2.50"}],"transactions":[{"kind":"refund","status":"success","amount":"9.99"}]}`),
    );
    expect(toRefundEvent(lines)).toEqual({ refundGid: "gid://shopify/Refund/1", orderGid: "gid://shopify/Order/5", refundedMills: 5_500 });
    const amountOnly = RefundPayloadSchema.parse(
      parseJsonLossless(`{"admin_graphql_api_id":"gid://shopify/Refund/2","order_id":5,"transactions":[{"kind":"refund","status":"success","amount":"4.00"},{"kind":"refund","status":"failure","amount":"9.00"}]}`),
    );
    expect(toRefundEvent(amountOnly).refundedMills).toBe(4_000);
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
