// Postgres is unreachable for this whole file: a GDPR request is still recorded (gdpr_requests
// lives in D1) and answered 200, the customer's account closes at once, so nothing more is
// applied to them, and the request stays open with its reason until Postgres is back.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { runGdprRequest } from "../../queues/gdpr";
import { accountState, call, eventually, install, json, merchantApi } from "../helpers/app";
import { customerBody, orderBody, uniqueShop, webhookRequest } from "../helpers/shopify";

const shop = uniqueShop("pgdown-gdpr");

async function deliver(topic: string, body: string) {
  const response = await call(await webhookRequest(topic, shop, body));
  return { status: response.status, body: await json(response) };
}

describe("customers/redact while Postgres is down", () => {
  it("is recorded, closes the account, and stays open with the reason", async () => {
    await install(shop);
    const customerId = "9100000001";
    expect((await deliver("customers/create", customerBody({ id: customerId, email: "down@example.com", firstName: "Down" }))).body.outcome).toBe("applied");
    const sent = await deliver("customers/redact", JSON.stringify({ shop_domain: shop, customer: { id: Number(customerId), email: "down@example.com" }, orders_to_redact: [] }));
    expect(sent).toMatchObject({ status: 200, body: { outcome: "recorded" } });

    const listed = await eventually(
      async () => (await json(await merchantApi(shop, "GET", "/gdpr/requests"))).requests as { id: string; status: string; reason: string | null }[],
      (rows) => rows[0]?.reason !== null && rows[0]?.reason !== undefined,
      20_000,
    );
    expect(listed[0]).toMatchObject({ status: "processing" });
    expect(listed[0]!.reason).toMatch(/connect|ECONNREFUSED|closed|timeout|socket/i);
    // Run again by hand: still Postgres' failure, still open (the queue and the sweeper retry).
    await expect(runGdprRequest(env, listed[0]!.id)).rejects.toThrow();
    // The account took no more: a later order is ignored, the signup bonus is all it holds.
    expect((await deliver("orders/paid", orderBody({ id: "9100000002", customerId, subtotal: "10.00" }))).body).toMatchObject({ outcome: "ignored", reason: "customer_redacted" });
    expect((await accountState(shop, customerId)).ledger.map((e) => e.kind)).toEqual(["signup"]);
  });
});
