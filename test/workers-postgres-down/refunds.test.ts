// Postgres is unreachable for this whole file (vitest.config.ts points Hyperdrive at a closed
// port): orders are paid and then refunded through the real webhook route, objects, queues and
// consumers, and every refund applies while the reporting database is still down.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { accountState, call, eventually, install, json } from "../helpers/app";
import { orderBody, proxyUrl, refundBody, uniqueShop, webhookRequest } from "../helpers/shopify";

const shop = uniqueShop("pgdown");

async function deliver(topic: string, body: string) {
  const response = await call(await webhookRequest(topic, shop, body));
  return { status: response.status, body: await json(response) };
}

async function storefrontBalance(customerId: string): Promise<number> {
  const body = await json(await call(await proxyUrl("/customer", { shop, customerId })));
  return body.customer.points_balance;
}

describe("refunds while Postgres is down", () => {
  it("indexes the orders and applies their refunds, early and late, with the projection still waiting", async () => {
    await install(shop);
    await expect(
      (async () => {
        const { connectReporting } = await import("../../postgres/client");
        const sql = connectReporting(env);
        try {
          await sql`SELECT 1`;
        } finally {
          await sql.end({ timeout: 1 }).catch(() => {});
        }
      })(),
    ).rejects.toThrow();

    const customers = ["8101", "8102", "8103"];
    for (const [i, customerId] of customers.entries()) {
      const orderId = `81${i}000`;
      // One refund before its order (it waits in the inbox), one after.
      expect((await deliver("refunds/create", refundBody({ id: `91${i}001`, orderId, lineSubtotals: ["10.00"] }))).body).toMatchObject({ outcome: "queued" });
      expect((await deliver("orders/paid", orderBody({ id: orderId, customerId, subtotal: "40.00" }))).body).toMatchObject({ points: 400 });
    }
    for (const customerId of customers) {
      expect(await eventually(() => storefrontBalance(customerId), (b) => b === 300, 20_000)).toBe(300);
    }
    // A refund for an order now in the index goes straight to the account.
    const late = await eventually(
      () => deliver("refunds/create", refundBody({ id: "910002", orderId: "810000", lineSubtotals: ["20.00"] })),
      (r) => r.body.outcome !== "queued",
      20_000,
    );
    expect(late.body).toMatchObject({ outcome: "applied", points: -200 });
    expect(await storefrontBalance("8101")).toBe(100);

    // The projection's events are still in each account's outbox, waiting for Postgres.
    const state = await accountState(shop, "8101");
    expect(state.ledger.map((e) => e.points)).toEqual([400, -100, -200]);
    expect(state.outbox).toBeGreaterThanOrEqual(3);
  });
});
