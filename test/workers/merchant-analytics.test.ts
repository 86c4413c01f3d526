// GET /v1/api/analytics over a ledger built here and projected through the projection's own
// writer (projectEvents): every figure checked against numbers worked out by hand below, the
// window's edges (an entry at 00:00 of the first day is in, one at 00:00 after the last day is
// out), one shop's data never in another's answer, and every bad window a 400 with its code.
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectReporting } from "../../postgres/client";
import { projectEvents } from "../../postgres/projection";
import { projectReferrals } from "../../postgres/referrals";
import { install, json, merchantApi } from "../helpers/app";
import { Ledger } from "../helpers/ledger-builder";
import { uniqueShop } from "../helpers/shopify";

const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

/** The builder's events, shuffled and in small batches: the projection is order-independent, so the figures must be too. */
async function project(ledger: Ledger): Promise<void> {
  const events = [...ledger.events].sort(() => Math.random() - 0.5);
  for (let i = 0; i < events.length; i += 4) await projectEvents(sql, events.slice(i, i + 4));
}

const WINDOW = "from=2026-11-01&to=2026-11-07";

async function analytics(shop: string, query = WINDOW) {
  const response = await merchantApi(shop, "GET", `/analytics?${query}`);
  return { status: response.status, body: await json(response) };
}

describe("GET /v1/api/analytics", () => {
  const shop = uniqueShop("analytics-a");
  const other = uniqueShop("analytics-b");

  beforeAll(async () => {
    await install(shop);
    await install(other);
    // A points_to_money reward at 80 points per unit: 1.25 cents a point, better than the
    // default $5 for 500 (1 cent), so it is the rate the liability uses.
    const reward = await merchantApi(shop, "POST", "/rewards", {
      type: "points_to_money",
      points_cost: 80,
      min_points: 80,
      max_points: 8000,
      translations: { en: { title: "Points to money" } },
    });
    expect(reward.status, await reward.clone().text()).toBe(201);

    const ledger = new Ledger(shop)
      // c1: a member (redeems in the window) with two orders in it.
      .customer("1", "2026-10-15T09:00:00.000Z")
      .entry("1", "2026-10-20T10:00:00.000Z", "earn", 100, "gid://shopify/Order/1001")
      .entry("1", "2026-11-02T10:00:00.000Z", "earn", 200, "gid://shopify/Order/1002")
      .entry("1", "2026-11-05T10:00:00.000Z", "earn", 50, "gid://shopify/Order/1003")
      .entry("1", "2026-11-06T10:00:00.000Z", "redemption", -300)
      // c2: joins in the window; a referred friend; redeems, and the code's points come back the next day.
      .customer("2", "2026-11-03T08:00:00.000Z")
      .entry("2", "2026-11-03T08:00:01.000Z", "signup", 200)
      .entry("2", "2026-11-04T12:00:00.000Z", "earn", 80, "gid://shopify/Order/2001", 8000)
      .entry("2", "2026-11-04T13:00:00.000Z", "redemption", -200, "r-2")
      .entry("2", "2026-11-05T13:00:00.000Z", "release", 200, "r-2")
      // c3: never redeems; two orders in the window (one at the first instant), a refund, an expiry at the last second.
      .customer("3", "2026-10-01T00:00:00.000Z")
      .entry("3", "2026-10-10T00:00:00.000Z", "earn", 1000, "gid://shopify/Order/3001")
      .entry("3", "2026-11-01T00:00:00.000Z", "earn", 400, "gid://shopify/Order/3002")
      .entry("3", "2026-11-03T15:00:00.000Z", "earn", 120, "gid://shopify/Order/3003")
      .entry("3", "2026-11-04T15:00:00.000Z", "reversal", -60, "gid://shopify/Refund/3003")
      .entry("3", "2026-11-07T23:59:59.999Z", "expiry", -900)
      // c4: joins in the window, no orders, a negative adjustment.
      .customer("4", "2026-11-06T00:00:00.000Z")
      .entry("4", "2026-11-06T00:00:00.000Z", "signup", 200)
      .entry("4", "2026-11-07T09:00:00.000Z", "adjustment", -50)
      // c5: joins after the window; its points are not held at the window's end.
      .customer("5", "2026-11-09T00:00:00.000Z")
      .entry("5", "2026-11-09T00:00:00.000Z", "earn", 300, "gid://shopify/Order/5001")
      // c6: one order in the window; its first redemption at 00:00 after the last day is outside.
      .customer("6", "2026-10-05T00:00:00.000Z")
      .entry("6", "2026-11-02T11:00:00.000Z", "earn", 70, "gid://shopify/Order/6001")
      .entry("6", "2026-11-08T00:00:00.000Z", "redemption", -50)
      // c7: one order in the window.
      .customer("7", "2026-10-01T00:00:00.000Z")
      .entry("7", "2026-11-03T16:00:00.000Z", "earn", 30, "gid://shopify/Order/7001")
      // Tiers now: c1 silver, c3 gold (after silver), c6 lost silver; the rest none.
      .tier("1", 1, "tier_silver", "2026-10-20T10:00:00.000Z")
      .tier("3", 1, "tier_silver", "2026-10-10T00:00:00.000Z")
      .tier("3", 2, "tier_gold", "2026-11-01T00:00:00.000Z")
      .tier("6", 1, "tier_silver", "2026-10-05T00:00:00.000Z")
      .tier("6", 2, null, "2026-11-02T11:00:00.000Z");
    await project(ledger);
    await projectReferrals(sql, [
      {
        type: "referral",
        shop,
        customer_id: "2",
        outbox_seq: 1,
        referral: {
          id: "2",
          code: "K7QM4TZP",
          advocate_id: "1",
          friend_id: "2",
          status: "completed",
          score: 0,
          reasons: [],
          bound_via: "signup",
          program_version: 1,
          advocate: { reward: { type: "points", points: 50 }, points: 50, redemption_id: null },
          friend: { reward: { type: "points", points: 50 }, points: 50, redemption_id: null },
          order_gid: "gid://shopify/Order/2001",
          order_subtotal: "8.00",
          decided_by: "score",
          bound_at: "2026-11-03T08:00:00.000Z",
          expires_at: "2026-12-03T08:00:00.000Z",
          completed_at: "2026-11-04T12:00:00.000Z",
          updated_at: "2026-11-04T12:00:00.000Z",
          revision: 2,
        },
      },
    ]);

    // The other shop: the same customer ids, in the same days, other numbers.
    await project(
      new Ledger(other)
        .customer("1", "2026-10-15T09:00:00.000Z")
        .entry("1", "2026-11-02T10:00:00.000Z", "earn", 999, "gid://shopify/Order/1002")
        .entry("1", "2026-11-03T10:00:00.000Z", "earn", 1, "gid://shopify/Order/1004")
        .entry("1", "2026-11-04T10:00:00.000Z", "expiry", -7)
        .tier("1", 1, "tier_gold", "2026-11-02T10:00:00.000Z"),
    );
  });

  it("answers every figure of the window as worked out by hand", async () => {
    const { status, body } = await analytics(shop);
    expect(status, JSON.stringify(body)).toBe(200);
    const a = body.analytics;
    expect(a.from).toBe("2026-11-01");
    expect(a.to).toBe("2026-11-07");
    expect(a.members).toEqual({ total: 6, new: 2 });
    expect(a.points).toEqual({ issued: 1350, redeemed: 300, expired: 900, reversed: 110 });
    expect(a.daily).toEqual([
      { date: "2026-11-01", new_members: 0, issued: 400, redeemed: 0, expired: 0, reversed: 0 },
      { date: "2026-11-02", new_members: 0, issued: 270, redeemed: 0, expired: 0, reversed: 0 },
      { date: "2026-11-03", new_members: 1, issued: 350, redeemed: 0, expired: 0, reversed: 0 },
      { date: "2026-11-04", new_members: 0, issued: 80, redeemed: 200, expired: 0, reversed: 60 },
      { date: "2026-11-05", new_members: 0, issued: 50, redeemed: -200, expired: 0, reversed: 0 },
      { date: "2026-11-06", new_members: 1, issued: 200, redeemed: 300, expired: 0, reversed: 0 },
      { date: "2026-11-07", new_members: 0, issued: 0, redeemed: 0, expired: 900, reversed: 50 },
    ]);
    // Held at the end of 11-07: c1 50, c2 280, c3 560, c4 150, c6 70, c7 30 (c5 nothing yet).
    // 1,140 points at 1,000 mills per 80 points = 14,250 mills.
    expect(a.liability).toEqual({ outstanding_points: 1140, point_value: { amount: "1.00", points: 80 }, amount: "14.25" });
    expect(a.redemption_rate).toBe(0.2222);
    // Buyers in the window: c1 (2 orders) and c2 (1) redeemed by its end; c3 (2), c6 (1), c7 (1) never did.
    expect(a.repeat_purchase).toEqual({
      members: { customers: 2, repeat_customers: 1, rate: 0.5 },
      non_members: { customers: 3, repeat_customers: 1, rate: 0.3333 },
    });
    // Revenue: c2's qualifying order, 8.00; cost: 100 points at 1.25 cents = 1.25.
    expect(a.referral_roi).toEqual({ referrals_completed: 1, revenue: "8.00", reward_cost: "1.25", points_given: 100, discounts_given: 0, ratio: 6.4 });
    const tiers = Object.fromEntries(a.tiers.map((t: { tier_id: string | null; name: string | null; customers: number }) => [t.tier_id ?? "none", [t.name, t.customers]]));
    expect(tiers).toEqual({ tier_silver: ["Silver", 1], tier_gold: ["Gold", 1], none: [null, 5] });
  });

  it("agrees with GET /v1/api/referrals/roi over the same window", async () => {
    const roi = await json(await merchantApi(shop, "GET", "/referrals/roi?from=2026-11-01&to=2026-11-08"));
    expect((await analytics(shop)).body.analytics.referral_roi).toEqual(roi.roi);
  });

  it("counts only what falls inside a narrower window", async () => {
    const { body } = await analytics(shop, "from=2026-11-04&to=2026-11-04");
    const a = body.analytics;
    expect(a.daily).toEqual([{ date: "2026-11-04", new_members: 0, issued: 80, redeemed: 200, expired: 0, reversed: 60 }]);
    expect(a.members).toEqual({ total: 5, new: 0 });
    // End of 11-04: c1 300, c2 80, c3 1460, c6 70, c7 30.
    expect(a.liability.outstanding_points).toBe(1940);
    expect(a.repeat_purchase).toEqual({ members: { customers: 1, repeat_customers: 0, rate: 0 }, non_members: { customers: 0, repeat_customers: 0, rate: null } });
    expect(a.redemption_rate).toBe(2.5);
  });

  it("never shows one shop's ledger to another", async () => {
    const { status, body } = await analytics(other);
    expect(status).toBe(200);
    const a = body.analytics;
    expect(a.members).toEqual({ total: 1, new: 0 });
    expect(a.points).toEqual({ issued: 1000, redeemed: 0, expired: 7, reversed: 0 });
    expect(a.liability.outstanding_points).toBe(993);
    // The other shop has only the default rewards: $5 for 500 points.
    expect(a.liability.point_value).toEqual({ amount: "5.00", points: 500 });
    expect(a.liability.amount).toBe("9.93");
    expect(a.repeat_purchase.non_members).toEqual({ customers: 1, repeat_customers: 1, rate: 1 });
    expect(a.referral_roi.referrals_completed).toBe(0);
    expect(a.tiers.find((t: { tier_id: string | null }) => t.tier_id === "tier_gold").customers).toBe(1);
    expect(a.tiers.find((t: { tier_id: string | null }) => t.tier_id === "tier_silver")).toBeUndefined();
    // And the first shop's answer is unchanged by the second's rows.
    expect((await analytics(shop)).body.analytics.points).toEqual({ issued: 1350, redeemed: 300, expired: 900, reversed: 110 });
  });

  it("answers a shop with no data with zeros and nulls, never a failure", async () => {
    const empty = uniqueShop("analytics-empty");
    await install(empty);
    const { status, body } = await analytics(empty);
    expect(status).toBe(200);
    expect(body.analytics.points).toEqual({ issued: 0, redeemed: 0, expired: 0, reversed: 0 });
    expect(body.analytics.redemption_rate).toBeNull();
    expect(body.analytics.daily).toHaveLength(7);
    expect(body.analytics.liability).toMatchObject({ outstanding_points: 0, amount: "0.00" });
    expect(body.analytics.tiers).toEqual([{ tier_id: null, name: null, customers: 0 }]);
  });

  it("defaults to the 30 days ending today and takes a window of 366 days", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const byDefault = (await analytics(shop, "")).body.analytics;
    expect(byDefault.to).toBe(today);
    expect(byDefault.daily).toHaveLength(30);
    const year = await analytics(shop, "from=2025-11-07&to=2026-11-07");
    expect(year.status).toBe(200);
    expect(year.body.analytics.daily).toHaveLength(366);
    expect(year.body.analytics.points.issued).toBe(1350 + 100 + 1000);
  });

  it.each([
    ["from after to", "from=2026-11-08&to=2026-11-07", "invalid_range"],
    ["a day that does not exist", "from=2026-02-30&to=2026-03-01", "invalid_from"],
    ["not a date", "from=2026-11-01&to=11%2F07%2F2026", "invalid_to"],
    ["a date-time instead of a day", "from=2026-11-01T00:00:00Z&to=2026-11-07", "invalid_from"],
    ["a window of 367 days", "from=2025-11-06&to=2026-11-07", "range_too_long"],
  ])("refuses %s with 400 %s", async (_what, query, code) => {
    const { status, body } = await analytics(shop, query);
    expect(status).toBe(400);
    expect(body).toMatchObject({ status: "error", error: { code } });
  });
});
