// Plans and fair limits: usage counted on net paid orders, the merchant told at 80% and 100%,
// awards kept through the grace and held past it (with their payment-time snapshot), released
// once on an upgrade or at the month's roll; refunds of held orders; repeats and races.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { GRACE_MS, orderCounts, thresholdsReached, usageMonth, usageState } from "../../core/plans";
import { merchantNoticesFor } from "../../d1/merchant-notices";
import { changePlan, forgetPlans, forgetPlanUsage, recordOrderUsage, shopPlanUsage } from "../../d1/plans";
import { customerForOrder } from "../../d1/order-index";
import { customerAccount } from "../../durable-objects/stubs";
import { handleJobs, type JobMessage } from "../../queues/jobs";
import { shopsToRelease } from "../../queues/sweeper";
import { accountState, call, eventually, install, json, merchantApi } from "../helpers/app";
import { orderBody, refundBody, uniqueShop, webhookRequest } from "../helpers/shopify";

let orderSeq = 0;
const orderId = () => String(7_100_000_000 + Date.now() % 1_000_000 * 100 + ++orderSeq);

async function paid(shop: string, id: string, customerId: string, subtotal = "10.00"): Promise<Response> {
  const response = await call(await webhookRequest("orders/paid", shop, orderBody({ id, customerId, subtotal })));
  expect(response.status).toBe(200);
  return response;
}

async function refunded(shop: string, refundId: string, orderId: string, lineSubtotals: string[]): Promise<void> {
  const response = await call(await webhookRequest("refunds/create", shop, refundBody({ id: refundId, orderId, lineSubtotals })));
  expect(response.status).toBe(200);
}

async function cancelled(shop: string, id: string, customerId: string, subtotal = "10.00"): Promise<void> {
  const response = await call(await webhookRequest("orders/cancelled", shop, orderBody({ id, customerId, subtotal, cancelled: true })));
  expect(response.status).toBe(200);
}

/** A plan with a small limit, so a test reaches it in a few orders. */
async function tinyPlan(limit: number): Promise<string> {
  const id = `tiny-${crypto.randomUUID().slice(0, 8)}`;
  await env.DB.prepare(`INSERT INTO plans (id, name, price, monthly_order_limit, sort) VALUES (?, ?, '5.00', ?, 99)`).bind(id, `Tiny ${id}`, limit).run();
  forgetPlans();
  return id;
}

const planView = async (shop: string) => json(await merchantApi(shop, "GET", "/plan"));

/** The limit was reached more than the grace ago: the shop is past it. */
async function pastTheGrace(shop: string): Promise<void> {
  await env.DB.prepare(`UPDATE plan_usage SET limit_reached_at = ? WHERE shop = ? AND month = ?`).bind(Date.now() - GRACE_MS - 60_000, shop, usageMonth(Date.now())).run();
  forgetPlanUsage(shop);
}

async function heldOrders(shop: string, customerId: string): Promise<{ order_gid: string; hold: string | null; earned: number; snapshot: string }[]> {
  const { runInDurableObject } = await import("cloudflare:test");
  return runInDurableObject(customerAccount(env, shop, customerId), (_i, state) =>
    state.storage.sql.exec(`SELECT order_gid, hold, earned, snapshot FROM orders ORDER BY paid_at, rowid`).toArray() as never,
  );
}

/** The order index knows the order (its refunds can be routed). */
async function indexed(shop: string, id: string): Promise<void> {
  expect(await eventually(() => customerForOrder(env, shop, `gid://shopify/Order/${id}`), (c) => c !== null)).not.toBeNull();
}

async function runRelease(shop: string, copies = 1): Promise<void> {
  const body: JobMessage = { type: "release_held_awards", shop, after: null };
  const batch = createMessageBatch<JobMessage>("jobs", Array.from({ length: copies }, (_, i) => ({ id: `r${i}`, timestamp: new Date(), attempts: 1, body })));
  const ctx = createExecutionContext();
  await handleJobs(batch, env);
  const result = await getQueueResult(batch, ctx);
  expect(result.retryMessages).toEqual([]);
}

describe("plan rules (core/plans.ts)", () => {
  it("states ok, warned at 80%, grace from the limit for 7 days, then over; unlimited is always ok", () => {
    const now = Date.UTC(2026, 11, 10);
    expect(usageState(300, 239, null, now)).toEqual({ state: "ok", percent: 79, grace_ends_at: null });
    expect(usageState(300, 240, null, now)).toEqual({ state: "warned", percent: 80, grace_ends_at: null });
    expect(usageState(300, 300, now - 1000, now)).toEqual({ state: "grace", percent: 100, grace_ends_at: now - 1000 + GRACE_MS });
    expect(usageState(300, 301, now - GRACE_MS, now).state).toBe("over");
    expect(usageState(null, 1_000_000, null, now)).toEqual({ state: "ok", percent: null, grace_ends_at: null });
    expect(thresholdsReached(5, 4)).toEqual({ warning: true, limit: false });
    expect(usageMonth(Date.UTC(2026, 11, 31, 23, 59, 59))).toBe("2026-12");
    expect(usageMonth(Date.UTC(2027, 0, 1))).toBe("2027-01");
  });

  it("counts a paid order until it is fully refunded or cancelled; a partial refund still counts", () => {
    const order = { paid: true, cancelled: false, baseMills: 10_000, refundedMills: 0 };
    expect(orderCounts(order)).toBe(true);
    expect(orderCounts({ ...order, refundedMills: 9_999 })).toBe(true);
    expect(orderCounts({ ...order, refundedMills: 10_000 })).toBe(false);
    expect(orderCounts({ ...order, cancelled: true })).toBe(false);
    expect(orderCounts({ ...order, paid: false })).toBe(false);
    expect(orderCounts({ ...order, baseMills: 0 })).toBe(true);
  });
});

describe("usage on net paid orders", () => {
  it("counts each paid order once, gives the count back for full refunds and cancellations, keeps partial refunds", async () => {
    const shop = uniqueShop("plans-usage");
    await install(shop);
    const [o1, o2, o3, o4] = [orderId(), orderId(), orderId(), orderId()];
    await paid(shop, o1, "501");
    await paid(shop, o1, "501"); // a repeat delivery
    await paid(shop, o2, "501");
    await paid(shop, o3, "502");
    await paid(shop, o4, "503");
    expect((await eventually(() => planView(shop), (v) => v.usage === 4)).usage).toBe(4);

    await refunded(shop, orderId(), o2, ["4.00"]); // partial: still counts
    await refunded(shop, orderId(), o3, ["10.00"]); // full: given back
    await cancelled(shop, o4, "503");
    const view = await eventually(() => planView(shop), (v) => v.usage === 2);
    expect(view).toMatchObject({ plan: { id: "free", monthly_order_limit: 300 }, usage: 2, limit: 300, percent: 0, state: "ok", grace_ends_at: null, held_awards: { count: 0, points: 0 } });
    expect(view.plans.map((p: { id: string }) => p.id).slice(0, 4)).toEqual(["free", "growth", "pro", "plus"]);
  });

  it("keeps the newest report of an order whatever order the reports arrive in, and repeats change nothing", async () => {
    const shop = uniqueShop("plans-revision");
    await install(shop);
    const month = usageMonth(Date.now());
    const report = (outbox_seq: number, counts: boolean) => ({ shop, customer_id: "9", outbox_seq, order_gid: "gid://shopify/Order/1", month, counts, held_points: 0 });
    await recordOrderUsage(env, [report(7, false)]); // refunded (newer) first
    await recordOrderUsage(env, [report(3, true), report(3, true)]); // the payment's report, late and twice
    expect((await shopPlanUsage(env, shop)).usage).toBe(0);
    await recordOrderUsage(env, [report(9, true)]);
    expect((await shopPlanUsage(env, shop)).usage).toBe(1);
  });
});

describe("at the limit nothing is lost", () => {
  it("warns at 80% and 100% once, awards through the grace, holds past it at the payment-time rate, drops a refunded hold, releases once on upgrade", async () => {
    const shop = uniqueShop("plans-hold");
    await install(shop);
    const tiny = await tinyPlan(5);
    await changePlan(env, shop, tiny, { changedBy: "test" });
    const orders = Array.from({ length: 5 }, orderId);
    for (const id of orders.slice(0, 4)) await paid(shop, id, "601");
    await eventually(() => planView(shop), (v) => v.usage === 4);
    const usageNotices = async () => (await merchantNoticesFor(env, shop)).map((n) => n.kind).filter((k) => k !== "plan_changed").sort();
    expect(await eventually(usageNotices, (n) => n.length === 1)).toEqual(["plan_usage_warning"]);

    await paid(shop, orders[4]!, "601");
    await paid(shop, orders[4]!, "601");
    const atLimit = await eventually(() => planView(shop), (v) => v.usage === 5 && v.state === "grace");
    expect(atLimit.grace_ends_at).not.toBeNull();
    expect(await eventually(usageNotices, (n) => n.length === 2)).toEqual(["plan_limit_reached", "plan_usage_warning"]);
    expect((await accountState(shop, "601")).balance).toBe(500); // all five awarded (the grace)

    await pastTheGrace(shop);
    expect((await planView(shop)).state).toBe("over");
    const [held1, held2] = [orderId(), orderId()];
    await paid(shop, held1, "601");
    await paid(shop, held1, "601"); // repeat: held once
    await paid(shop, held2, "602", "20.00");
    expect((await accountState(shop, "601")).balance).toBe(500);
    expect((await accountState(shop, "602")).balance).toBe(0);
    const holding = await eventually(() => planView(shop), (v) => v.held_awards.count === 2);
    expect(holding.held_awards).toEqual({ count: 2, points: 300 });
    expect(holding.usage).toBe(7);
    // Told once per month and plan, however often the count moves past the thresholds.
    expect(await usageNotices()).toHaveLength(2);

    // The rules change after payment: the held award keeps the rate it was paid under.
    expect((await merchantApi(shop, "PUT", "/points-program", { config: { purchase: 50 } })).status).toBe(200);
    // A held order fully refunded: un-held, nothing to reverse.
    await indexed(shop, held2);
    await refunded(shop, orderId(), held2, ["20.00"]);
    expect((await heldOrders(shop, "602"))[0]!.hold).toBe("dropped");
    await eventually(() => planView(shop), (v) => v.held_awards.count === 1 && v.usage === 6);

    await changePlan(env, shop, "plus", { changedBy: "test" });
    const a = await eventually(() => accountState(shop, "601"), (s) => s.balance === 600);
    expect(a.balance).toBe(600);
    const earns = a.ledger.filter((e) => e.source_id === `gid://shopify/Order/${held1}`);
    expect(earns).toEqual([expect.objectContaining({ kind: "earn", points: 100, idempotency_key: `gid://shopify/Order/${held1}:earn` })]);
    const releasedEntry = (await customerAccount(env, shop, "601").ledger(50)).find((e) => e.source_id === `gid://shopify/Order/${held1}`)!;
    expect(releasedEntry.snapshot).toMatchObject({ program_version: 1, points_per_currency_unit: 10 });
    const b = await accountState(shop, "602");
    expect(b.ledger).toEqual([]);
    expect(b.balance).toBe(0);

    // The release job again, twice at once: nothing more.
    await runRelease(shop, 2);
    await runRelease(shop);
    const after = await accountState(shop, "601");
    expect(after.balance).toBe(600);
    expect(after.ledgerSum).toBe(after.balance);
    await eventually(() => planView(shop), (v) => v.held_awards.count === 0);
    expect((await merchantNoticesFor(env, shop)).map((n) => n.kind)).toContain("plan_changed");
  });

  it("releases at the month's roll, not before; a partial refund received while held is reversed at release", async () => {
    const shop = uniqueShop("plans-roll");
    await install(shop);
    const tiny = await tinyPlan(1);
    await changePlan(env, shop, tiny, { changedBy: "test" });
    await paid(shop, orderId(), "701");
    await eventually(() => planView(shop), (v) => v.usage === 1);
    await pastTheGrace(shop);
    const [first, second] = [orderId(), orderId()];
    await paid(shop, first, "701", "10.00");
    await paid(shop, second, "701", "30.00");
    await indexed(shop, second);
    await refunded(shop, orderId(), second, ["15.00"]); // half of the second's earn base
    await eventually(() => planView(shop), (v) => v.held_awards.count === 2);

    // Still this month and past the grace: neither the sweeper nor a release job gives anything.
    expect(await shopsToRelease(env, Date.now())).not.toContain(shop);
    await runRelease(shop);
    expect((await accountState(shop, "701")).balance).toBe(100);

    // The month rolls over: this month's count starts from nothing (simulated: the usage moves to a past month).
    await env.DB.prepare(`UPDATE plan_usage SET month = '2000-01' WHERE shop = ?`).bind(shop).run();
    forgetPlanUsage(shop);
    expect(await shopsToRelease(env, Date.now())).toContain(shop);
    await runRelease(shop);
    const state = await accountState(shop, "701");
    // 100 (before) + 100 (first) + 300 (second) − 150 (the refunded half), in payment order.
    expect(state.balance).toBe(350);
    expect(state.ledger.slice(-3).map((e) => [e.kind, e.points])).toEqual([["earn", 100], ["earn", 300], ["reversal", -150]]);
    expect((await heldOrders(shop, "701")).map((o) => o.hold)).toEqual([null, "released", "released"]);
    await eventually(() => planView(shop), (v) => v.held_awards.count === 0);
  });

  it("races: releases, a refund of a held order and repeated payments at once give each award at most once", async () => {
    const shop = uniqueShop("plans-race");
    await install(shop);
    const tiny = await tinyPlan(1);
    await changePlan(env, shop, tiny, { changedBy: "test" });
    await paid(shop, orderId(), "801");
    await eventually(() => planView(shop), (v) => v.usage === 1);
    await pastTheGrace(shop);
    const [kept, refundedOrder] = [orderId(), orderId()];
    await paid(shop, kept, "801");
    await paid(shop, refundedOrder, "801");
    await eventually(() => planView(shop), (v) => v.held_awards.count === 2);
    await indexed(shop, refundedOrder);

    await env.DB.prepare(`UPDATE shops SET plan = 'plus' WHERE domain = ?`).bind(shop).run(); // upgraded (unlogged: the race is the point)
    const stub = customerAccount(env, shop, "801");
    const refundId = orderId();
    await Promise.all([
      runRelease(shop, 2),
      stub.releaseHeldAwards({ shop, customerId: "801" }),
      refunded(shop, refundId, refundedOrder, ["10.00"]),
      paid(shop, kept, "801"),
      stub.releaseHeldAwards({ shop, customerId: "801" }),
    ]);
    const state = await accountState(shop, "801");
    expect(state.ledgerSum).toBe(state.balance);
    const net = (...gids: string[]) => state.ledger.filter((e) => gids.includes(e.source_id)).reduce((sum, e) => sum + e.points, 0);
    expect(state.ledger.filter((e) => e.idempotency_key === `gid://shopify/Order/${kept}:earn`)).toHaveLength(1);
    expect(net(`gid://shopify/Order/${kept}`)).toBe(100);
    // Released before the refund (earned, then reversed) or dropped by it (nothing): never kept.
    expect(net(`gid://shopify/Order/${refundedOrder}`, `gid://shopify/Refund/${refundId}`)).toBe(0);
    expect(state.balance).toBe(200);
    expect((await heldOrders(shop, "801")).every((o) => o.hold !== "held")).toBe(true);
  });
});
