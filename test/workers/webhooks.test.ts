// The webhook surface end to end inside workerd: signatures, bad input, and the money rules
// under repeats, races and every order of arrival.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { hmacBase64 } from "../../core/crypto";
import { accountState, call, eventually, install, json } from "../helpers/app";
import { customerBody, orderBody, refundBody, uniqueShop, webhookRequest } from "../helpers/shopify";
import { TEST_SECRETS } from "../helpers/secrets";

const shop = uniqueShop("webhooks");
let nextId = 5_000_000_000_000_000_000n;
const newId = () => String(nextId++);

beforeAll(() => install(shop));

async function deliver(topic: string, body: string, overrides: Record<string, string | null> = {}, toShop = shop) {
  const response = await call(await webhookRequest(topic, toShop, body, overrides));
  return { status: response.status, body: await json(response) };
}

async function inboxCount(): Promise<number> {
  return (await env.DB.prepare(`SELECT COUNT(*) AS n FROM webhook_inbox`).first<{ n: number }>())!.n;
}

describe("authentication", () => {
  const body = orderBody({ id: "1001", customerId: "77", subtotal: "10.00" });

  it.each<[string, Record<string, string | null>, number, string]>([
    ["missing HMAC", { "x-shopify-hmac-sha256": null }, 401, "missing_hmac"],
    ["HMAC of another body", { "x-shopify-hmac-sha256": "QNSQrqj9duVb51o17wBAE7Y8vjTOP3dL4fSzPUdNx2U=" }, 401, "invalid_hmac"],
    ["HMAC that is not base64", { "x-shopify-hmac-sha256": "!!!not-base64!!!" }, 401, "invalid_hmac"],
    ["missing topic", { "x-shopify-topic": null }, 400, "missing_topic"],
    ["missing shop domain", { "x-shopify-shop-domain": null }, 400, "missing_shop_domain"],
    ["shop domain that is not a shop", { "x-shopify-shop-domain": "evil.example.com" }, 400, "invalid_shop_domain"],
    ["missing webhook id", { "x-shopify-webhook-id": null }, 400, "missing_webhook_id"],
    ["missing API version", { "x-shopify-api-version": null }, 400, "missing_api_version"],
    ["unknown topic", { "x-shopify-topic": "products/create" }, 400, "unknown_topic"],
  ])("%s is refused, nothing recorded", async (_name, overrides, status, code) => {
    const before = await inboxCount();
    const response = await deliver("orders/paid", body, overrides);
    expect(response).toEqual({ status, body: { status: "error", error: { code, message: expect.any(String) } } });
    expect(await inboxCount()).toBe(before);
    expect((await accountState(shop, "77")).ledger).toEqual([]);
  });

  it("rejects a body signed with another secret", async () => {
    const hmac = await hmacBase64("someone-else", body);
    expect((await deliver("orders/paid", body, { "x-shopify-hmac-sha256": hmac })).status).toBe(401);
  });

  it("rejects an empty body as unsigned", async () => {
    const response = await call(
      new Request("https://loyalnest.test/v1/api/shopify/webhook", {
        method: "POST",
        headers: { "x-shopify-hmac-sha256": await hmacBase64(TEST_SECRETS.SHOPIFY_API_SECRET, "") },
      }),
    );
    expect(response.status).toBe(401);
  });
});

describe("bad input", () => {
  it.each([
    ["not JSON", "{nope", "invalid_json"],
    ["a JSON array", "[1,2]", "invalid_json"],
    ["a JSON string", '"hello"', "invalid_json"],
    ["an order without a gid", `{"id":1,"subtotal_price":"1.00"}`, "invalid_payload"],
    ["an order with a float amount string", `{"admin_graphql_api_id":"gid://shopify/Order/1","subtotal_price":"ten"}`, "invalid_payload"],
    ["a negative amount", `{"admin_graphql_api_id":"gid://shopify/Order/1","subtotal_price":"-5.00"}`, "invalid_payload"],
    ["a customer gid of the wrong type", `{"admin_graphql_api_id":"gid://shopify/Order/1","subtotal_price":"5.00","customer":{"admin_graphql_api_id":"gid://shopify/Product/1"}}`, "invalid_payload"],
    ["deep nesting", `{"admin_graphql_api_id":"gid://shopify/Order/1","subtotal_price":"5.00","x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`, "invalid_json"],
  ])("%s (signed) → a clear answer, never a 500", async (_name, body, code) => {
    const response = await deliver("orders/paid", body);
    expect(response).toEqual({ status: 400, body: { status: "error", error: { code, message: expect.any(String) } } });
  });

  it("refuses a body over 1 MiB with 413", async () => {
    const big = `{"admin_graphql_api_id":"gid://shopify/Order/1","subtotal_price":"1.00","pad":"${"x".repeat(1024 * 1024)}"}`;
    expect((await deliver("orders/paid", big)).body).toMatchObject({ status: "error", error: { code: "payload_too_large" } });
  });

  it("keeps deliveries for a shop that has not installed the app, parked, applying none", async () => {
    const stranger = uniqueShop("stranger");
    const response = await deliver("orders/paid", orderBody({ id: newId(), customerId: "5", subtotal: "9.00" }), {}, stranger);
    expect(response).toMatchObject({ status: 200, body: { status: "ok", outcome: "queued", reason: "shop_not_installed" } });
    const row = await env.DB.prepare(`SELECT status, last_error FROM webhook_inbox WHERE shop = ?`).bind(stranger).first();
    expect(row).toEqual({ status: "parked", last_error: "shop_not_installed" });
    expect((await accountState(stranger, "5")).ledger).toEqual([]);
  });

  it.each([
    ["myshopify_domain", "app/uninstalled", (other: string) => JSON.stringify({ id: 1, myshopify_domain: other, domain: "www.example.com" })],
    ["domain", "app/uninstalled", (other: string) => JSON.stringify({ id: 1, domain: other })],
  ])("refuses a payload whose %s names another shop, recording nothing", async (_field, topic, body) => {
    const before = await inboxCount();
    const response = await deliver(topic, body("someone-else.myshopify.com"));
    expect(response).toMatchObject({ status: 400, body: { error: { code: "shop_domain_mismatch" } } });
    expect(await inboxCount()).toBe(before);
  });
});

describe("orders/paid", () => {
  it("awards 10 points per $1 of subtotal, with the rule snapshot", async () => {
    const customerId = "1001";
    const response = await deliver("orders/paid", orderBody({ id: newId(), customerId, subtotal: "25.99" }));
    expect(response).toEqual({ status: 200, body: { status: "ok", outcome: "applied", points: 259, error: null } });
    const state = await accountState(shop, customerId);
    expect(state.balance).toBe(259);
    expect(state.ledger).toMatchObject([{ kind: "earn", points: 259, balance_after: 259 }]);
  });

  it("treats a guest order as nothing to do, not an error", async () => {
    const response = await deliver("orders/paid", orderBody({ id: newId(), customerId: null, subtotal: "99.00" }));
    expect(response).toMatchObject({ status: 200, body: { outcome: "ignored", reason: "guest_order" } });
  });

  it("awards once when the same order arrives 10 times at once with different webhook ids", async () => {
    const customerId = "1002";
    const body = orderBody({ id: newId(), customerId, subtotal: "50.00" });
    const responses = await Promise.all(Array.from({ length: 10 }, () => deliver("orders/paid", body)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(responses.filter((r) => r.body.outcome === "applied")).toHaveLength(1);
    expect(responses.filter((r) => r.body.outcome === "duplicate")).toHaveLength(9);
    const state = await accountState(shop, customerId);
    expect(state.balance).toBe(500);
    expect(state.ledger).toHaveLength(1);
  });

  it("awards once when the same delivery is repeated sequentially", async () => {
    const customerId = "1003";
    const body = orderBody({ id: newId(), customerId, subtotal: "5.00" });
    const headers = { "x-shopify-webhook-id": "same-delivery" };
    for (let i = 0; i < 5; i++) expect((await deliver("orders/paid", body, headers)).status).toBe(200);
    expect((await accountState(shop, customerId)).balance).toBe(50);
  });

  it("keeps two orders whose ids round to the same JavaScript number apart", async () => {
    const customerId = "1004";
    expect(Number("820982911946154508")).toBe(Number("820982911946154509"));
    await deliver("orders/paid", orderBody({ id: "820982911946154508", customerId, subtotal: "10.00" }));
    await deliver("orders/paid", orderBody({ id: "820982911946154509", customerId, subtotal: "10.00" }));
    const state = await accountState(shop, customerId);
    expect(state.balance).toBe(200);
    expect(state.ledger.map((e) => e.source_id)).toEqual([
      "gid://shopify/Order/820982911946154508",
      "gid://shopify/Order/820982911946154509",
    ]);
  });

  it("keeps customers whose ids round to the same JavaScript number apart", async () => {
    await deliver("orders/paid", orderBody({ id: newId(), customerId: "9007199254740993", subtotal: "1.00" }));
    await deliver("orders/paid", orderBody({ id: newId(), customerId: "9007199254740992", subtotal: "2.00" }));
    expect((await accountState(shop, "9007199254740993")).balance).toBe(10);
    expect((await accountState(shop, "9007199254740992")).balance).toBe(20);
  });
});

describe("reversals in any order of arrival", () => {
  type Event = "paid" | "refund" | "cancel";
  const permutations = <T,>(items: T[]): T[][] =>
    items.length <= 1 ? [items] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));

  let customerSeq = 2000;

  async function play(order: Event[], options: { refundSubtotal: string; cancel: boolean }) {
    const customerId = String(customerSeq++);
    const orderId = newId();
    const refundId = newId();
    const bodies: Record<Event, [string, string]> = {
      paid: ["orders/paid", orderBody({ id: orderId, customerId, subtotal: "40.00" })],
      refund: ["refunds/create", refundBody({ id: refundId, orderId, lineSubtotals: [options.refundSubtotal] })],
      cancel: ["orders/cancelled", orderBody({ id: orderId, customerId, subtotal: "40.00", cancelled: true })],
    };
    for (const event of order) {
      const [topic, body] = bodies[event];
      expect((await deliver(topic, body)).status).toBe(200);
    }
    return customerId;
  }

  it.each(permutations<Event>(["paid", "refund", "cancel"]))(
    "paid + partial refund + cancellation as %s %s %s ends at zero",
    async (...order) => {
      const customerId = await play(order, { refundSubtotal: "10.00", cancel: true });
      const state = await eventually(() => accountState(shop, customerId), (s) => s.ledger.length > 0 && s.balance === 0);
      expect(state.balance).toBe(0);
      expect(state.ledgerSum).toBe(0);
      expect(state.ledger.filter((e) => e.kind === "earn")).toMatchObject([{ points: 400 }]);
      expect(state.ledger.every((e) => e.balance_after >= 0)).toBe(true);
    },
  );

  it.each(permutations<Event>(["paid", "refund"]))("paid + quarter refund as %s %s keeps 300 of 400", async (...order) => {
    const customerId = await play(order, { refundSubtotal: "10.00", cancel: false });
    const state = await eventually(() => accountState(shop, customerId), (s) => s.ledger.length === 2);
    expect(state.balance).toBe(300);
    expect(state.ledger.map((e) => e.kind).sort()).toEqual(["earn", "reversal"]);
  });

  it("never reverses more than the order earned, however much is refunded", async () => {
    const customerId = String(customerSeq++);
    const orderId = newId();
    await deliver("orders/paid", orderBody({ id: orderId, customerId, subtotal: "40.00" }));
    for (const amount of ["30.00", "30.00", "30.00"]) {
      await deliver("refunds/create", refundBody({ id: newId(), orderId, lineSubtotals: [amount] }));
    }
    // The signup bonus arrives too, so a cap bug would show as a balance below 200.
    await deliver("customers/create", customerBody({ id: customerId, email: `c${customerId}@example.com` }));
    // Refunds of a just-paid order may wait in the inbox until the order is indexed.
    const state = await eventually(() => accountState(shop, customerId), (s) => s.ledger.length === 4);
    expect(state.balance).toBe(200);
    expect(state.ledger.filter((e) => e.kind === "reversal").reduce((s, e) => s + e.points, 0)).toBe(-400);
  });

  it("reverses on the rules the order earned under, not today's", async () => {
    const customerId = String(customerSeq++);
    const orderId = newId();
    await deliver("orders/paid", orderBody({ id: orderId, customerId, subtotal: "20.00" }));
    const { DEFAULT_PROGRAM } = await import("../../core/program");
    const v2 = { ...DEFAULT_PROGRAM, version: 2, earning: { ...DEFAULT_PROGRAM.earning, purchase: { points_per_currency_unit: 50 } } };
    await env.DB.prepare(`INSERT INTO program_settings (shop, version, settings, created_at) VALUES (?, 2, ?, ?)`)
      .bind(shop, JSON.stringify(v2), Date.now())
      .run();
    await deliver("refunds/create", refundBody({ id: newId(), orderId, lineSubtotals: ["10.00"] }));
    const state = await eventually(() => accountState(shop, customerId), (s) => s.ledger.length === 2);
    expect(state.ledger.map((e) => e.points)).toEqual([200, -100]);
    await env.DB.prepare(`DELETE FROM program_settings WHERE shop = ? AND version = 2`).bind(shop).run();
  });
});

describe("customers/create", () => {
  it("grants the signup bonus once", async () => {
    const body = customerBody({ id: "3001", email: "ann@example.com", firstName: "Ann", lastName: "Lee" });
    const first = await deliver("customers/create", body);
    const again = await deliver("customers/create", body);
    expect(first.body).toMatchObject({ outcome: "applied", points: 200 });
    expect(again.body).toMatchObject({ outcome: "duplicate", points: 200 });
    expect((await accountState(shop, "3001")).balance).toBe(200);
  });
});

describe("app/uninstalled", () => {
  it("goes through the inbox and marks the shop uninstalled", async () => {
    const leaving = uniqueShop("leaving");
    await install(leaving);
    const response = await deliver("app/uninstalled", `{"id":1,"domain":"${leaving}"}`, {}, leaving);
    expect(response.body).toMatchObject({ status: "ok", outcome: "queued" });
    const status = await eventually(
      async () => (await env.DB.prepare(`SELECT status FROM shops WHERE domain = ?`).bind(leaving).first<{ status: string }>())?.status,
      (s) => s === "uninstalled",
    );
    expect(status).toBe("uninstalled");
  });
});

describe("guest orders and their refunds", () => {
  it("recognises a guest order's refund and ignores it instead of parking it", async () => {
    const orderId = newId();
    await deliver("orders/paid", orderBody({ id: orderId, customerId: null, subtotal: "20.00" }));
    const response = await deliver("refunds/create", refundBody({ id: newId(), orderId, lineSubtotals: ["5.00"] }));
    expect(response.body).toMatchObject({ status: "ok", outcome: "ignored", reason: "guest_order" });
  });

  it("parks a refund for an unknown order, then gives it up after seven days", async () => {
    const { processInboxEntry } = await import("../../queues/ingest");
    const refundId = newId();
    const orderId = newId();
    const response = await deliver("refunds/create", refundBody({ id: refundId, orderId, lineSubtotals: ["5.00"] }));
    expect(response.body.outcome).toBe("queued");
    // Bodies are sealed (d1/inbox.ts): the row is found by its order.
    const row = await env.DB.prepare(`SELECT id FROM webhook_inbox WHERE order_gid = ?`).bind(`gid://shopify/Order/${orderId}`).first<{ id: number }>();
    expect(await processInboxEntry(env, row!.id)).toBe("parked");
    await env.DB.prepare(`UPDATE webhook_inbox SET received_at = received_at - ? WHERE id = ?`).bind(8 * 86_400_000, row!.id).run();
    expect(await processInboxEntry(env, row!.id)).toBe("rejected");
    const after = await env.DB.prepare(`SELECT status, last_error FROM webhook_inbox WHERE id = ?`).bind(row!.id).first();
    expect(after).toMatchObject({ status: "rejected", last_error: expect.stringContaining("given up") });
  });
});

describe("a refund that arrives before its guest order", () => {
  it("is released (and ignored) as soon as the guest order arrives, not at the parked backoff", async () => {
    const orderId = newId();
    const refundId = newId();
    expect((await deliver("refunds/create", refundBody({ id: refundId, orderId, lineSubtotals: ["5.00"] }))).body.outcome).toBe("queued");
    const status = () =>
      env.DB.prepare(`SELECT status FROM webhook_inbox WHERE order_gid = ?`).bind(`gid://shopify/Order/${orderId}`).first<{ status: string }>();
    await eventually(status, (row) => row?.status === "parked");
    await deliver("orders/paid", orderBody({ id: orderId, customerId: null, subtotal: "20.00" }));
    expect((await eventually(status, (row) => row?.status === "processed", 10_000))?.status).toBe("processed");
  });
});
