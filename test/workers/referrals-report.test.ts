// Referral reports: the projection of referral records (highest revision wins, repeats change
// nothing), the merchant's list (filters, pages, one shop only) and the referral ROI (the pure
// arithmetic, then the route over hand-made rows).
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerEvent, ReferralRecord } from "../../core/ledger-events";
import {
  bestPointValue,
  computeReferralRoi,
  discountFaceMills,
  friendOrders,
  pointsCostMills,
  type FriendLedgerEntry,
  type RoiReferral,
} from "../../core/referral-roi";
import { connectReporting } from "../../postgres/client";
import { deleteShop } from "../../postgres/gdpr";
import { projectEvents } from "../../postgres/projection";
import { projectReferrals, type ReferralEvent } from "../../postgres/referrals";
import { call, install, json, merchantApi } from "../helpers/app";
import { uniqueShop } from "../helpers/shopify";

const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

const POINTS_50 = { reward: { type: "points" as const, points: 50 }, points: 50, redemption_id: null };

function record(overrides: Partial<ReferralRecord> & Pick<ReferralRecord, "friend_id">): ReferralRecord {
  return {
    id: overrides.friend_id,
    code: "K7QM4TZP",
    advocate_id: "100",
    status: "pending",
    score: 0,
    reasons: [],
    bound_via: "endpoint",
    program_version: 1,
    advocate: { reward: { type: "points", points: 50 }, points: 0, redemption_id: null },
    friend: { reward: { type: "points", points: 50 }, points: 0, redemption_id: null },
    order_gid: null,
    order_subtotal: null,
    decided_by: null,
    bound_at: "2026-11-01T00:00:00.000Z",
    expires_at: "2026-12-01T00:00:00.000Z",
    completed_at: null,
    updated_at: "2026-11-01T00:00:00.000Z",
    revision: 1,
    ...overrides,
  };
}

function referralEvent(shop: string, referral: ReferralRecord): ReferralEvent {
  return { type: "referral", shop, customer_id: referral.friend_id, outbox_seq: referral.revision, referral };
}

function withoutRevision({ revision: _revision, ...view }: ReferralRecord) {
  return view;
}

async function stored(shop: string, id: string) {
  const rows = await sql<{ status: string; revision: number; reasons: unknown; updated_at: Date }[]>`
    SELECT status, revision, reasons, updated_at FROM referrals WHERE shop = ${shop} AND referral_id = ${id}`;
  return rows[0] ?? null;
}

describe("the referral projection", () => {
  const shop = uniqueShop("ref-projection");

  it("keeps the highest revision whatever order they arrive in, through projectEvents", async () => {
    const completed = record({ friend_id: "201", status: "completed", completed_at: "2026-11-03T00:00:00.000Z", revision: 3 });
    await projectEvents(sql, [referralEvent(shop, completed)]);
    await projectEvents(sql, [referralEvent(shop, record({ friend_id: "201", status: "pending", revision: 1 }))]);
    expect(await stored(shop, "201")).toMatchObject({ status: "completed", revision: 3 });
    // Within one batch too: 4 wins over 2, whichever comes first.
    const reversed = record({ friend_id: "201", status: "reversed", completed_at: "2026-11-03T00:00:00.000Z", revision: 4 });
    await projectReferrals(sql, [referralEvent(shop, reversed), referralEvent(shop, record({ friend_id: "201", status: "held", revision: 2 }))]);
    expect(await stored(shop, "201")).toMatchObject({ status: "reversed", revision: 4 });
  });

  it("changes nothing on a repeat, even one carrying other data under the same revision", async () => {
    const held = record({
      friend_id: "202",
      status: "held",
      score: 100,
      reasons: [{ code: "same_email", score: 100, detail: "the friend's email is the advocate's" }],
      revision: 2,
      updated_at: "2026-11-02T00:00:00.000Z",
    });
    await projectReferrals(sql, [referralEvent(shop, held)]);
    await projectReferrals(sql, [referralEvent(shop, held), referralEvent(shop, { ...held, status: "rejected", updated_at: "2026-11-09T00:00:00.000Z" })]);
    const row = await stored(shop, "202");
    expect(row).toMatchObject({ status: "held", revision: 2, reasons: held.reasons });
    expect(row!.updated_at.toISOString()).toBe("2026-11-02T00:00:00.000Z");
    const [count] = await sql<{ n: string }[]>`SELECT count(*)::text AS n FROM referrals WHERE shop = ${shop} AND referral_id = '202'`;
    expect(count!.n).toBe("1");
  });

  it("answers the stored record in the list exactly as it was published, without its revision", async () => {
    await install(shop);
    const full = record({
      friend_id: "203",
      advocate_id: "103",
      status: "completed",
      score: 40,
      reasons: [{ code: "ip_velocity", score: 40, detail: "3 other referrals from this network this week" }],
      bound_via: "order",
      program_version: 7,
      advocate: { reward: { type: "points", points: 75 }, points: 75, redemption_id: null },
      friend: {
        reward: { type: "discount", discount: "percentage", value: "10", min_order_subtotal: null, code_expiry_days: 30 },
        points: 0,
        redemption_id: "5f0e7a52-7d0b-4a39-9f7e-1d8c2f0b9a11",
      },
      order_gid: "gid://shopify/Order/9203",
      order_subtotal: "120.00",
      decided_by: "score",
      bound_at: "2026-11-02T10:11:12.345Z",
      expires_at: "2026-12-02T10:11:12.345Z",
      completed_at: "2026-11-04T08:00:00.000Z",
      updated_at: "2026-11-04T08:00:00.001Z",
      revision: 5,
    });
    await projectReferrals(sql, [referralEvent(shop, full)]);
    const body = await json(await merchantApi(shop, "GET", "/referrals?friend_id=203"));
    expect(body).toEqual({ status: "ok", referrals: [withoutRevision(full)], total: 1, page: 1, per_page: 25, error: null });
  });
});

describe("shop/redact", () => {
  it("deletes the shop's referrals with the rest of its projection, and no other shop's", async () => {
    const shop = uniqueShop("ref-redact");
    const other = uniqueShop("ref-redact-other");
    await projectReferrals(sql, [referralEvent(shop, record({ friend_id: "301" })), referralEvent(other, record({ friend_id: "301" }))]);
    await deleteShop(sql, shop);
    expect(await stored(shop, "301")).toBeNull();
    expect(await stored(other, "301")).not.toBeNull();
  });
});

describe("GET /v1/api/referrals", () => {
  const shop = uniqueShop("ref-list");
  const other = uniqueShop("ref-list-other");
  const day = (d: number) => `2026-11-0${d}T00:00:00.000Z`;

  beforeAll(async () => {
    await install(shop);
    await install(other);
    await projectReferrals(sql, [
      referralEvent(shop, record({ friend_id: "601", advocate_id: "600", status: "pending", bound_at: day(1) })),
      referralEvent(shop, record({ friend_id: "602", advocate_id: "600", status: "held", bound_at: day(2) })),
      referralEvent(shop, record({ friend_id: "603", advocate_id: "610", status: "completed", bound_at: day(3), completed_at: day(4) })),
      referralEvent(shop, record({ friend_id: "604", advocate_id: "610", status: "rejected", bound_at: day(4) })),
      referralEvent(shop, record({ friend_id: "605", advocate_id: "600", status: "expired", bound_at: day(5) })),
      // The same friend id in another shop: a different referral.
      referralEvent(other, record({ friend_id: "601", advocate_id: "700", status: "held", bound_at: day(6) })),
    ]);
  });

  async function ids(query: string, asShop = shop) {
    const response = await merchantApi(asShop, "GET", `/referrals${query}`);
    const body = await json(response);
    expect(response.status).toBe(200);
    return { ids: (body.referrals as { id: string }[]).map((r) => r.id), total: body.total as number };
  }

  it("lists this shop's referrals newest bound first", async () => {
    expect(await ids("")).toEqual({ ids: ["605", "604", "603", "602", "601"], total: 5 });
  });

  it.each([
    ["?status=held", ["602"]],
    ["?advocate_id=600", ["605", "602", "601"]],
    ["?advocate_id=610&status=completed", ["603"]],
    ["?friend_id=604", ["604"]],
    ["?from=2026-11-02&to=2026-11-04", ["603", "602"]],
    ["?from=2026-11-04T00:00:00Z", ["605", "604"]],
    ["?status=reversed", []],
  ])("filters %s", async (query, expected) => {
    expect(await ids(query)).toEqual({ ids: expected, total: expected.length });
  });

  it("pages, counting every match", async () => {
    expect(await ids("?per_page=2&page=2")).toEqual({ ids: ["603", "602"], total: 5 });
    expect(await ids("?per_page=2&page=3")).toEqual({ ids: ["601"], total: 5 });
    expect(await ids("?per_page=2&page=4")).toEqual({ ids: [], total: 5 });
  });

  it("shows another shop's session nothing of this shop", async () => {
    expect(await ids("", other)).toEqual({ ids: ["601"], total: 1 });
    const [theirs] = (await json(await merchantApi(other, "GET", "/referrals?friend_id=601"))).referrals;
    expect(theirs).toMatchObject({ advocate_id: "700", status: "held" });
    expect(await ids("?advocate_id=600", other)).toEqual({ ids: [], total: 0 });
  });

  it.each([
    ["?status=approved", "invalid_status"],
    ["?advocate_id=abc", "invalid_advocate_id"],
    ["?friend_id=gid://shopify/Customer/1", "invalid_friend_id"],
    ["?from=2026-02-30", "invalid_from"],
    ["?to=yesterday", "invalid_to"],
    ["?from=2026-11-05&to=2026-11-05", "invalid_range"],
    ["?per_page=101", "invalid_per_page"],
    ["?per_page=0", "invalid_per_page"],
    ["?page=0", "invalid_page"],
  ])("refuses %s with 400 %s", async (query, code) => {
    const response = await merchantApi(shop, "GET", `/referrals${query}`);
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ status: "error", error: { code } });
  });

  it("refuses a request without a session token", async () => {
    const response = await call("https://loyalnest.test/v1/api/referrals");
    expect(response.status).toBe(401);
  });
});

describe("referral ROI arithmetic (core/referral-roi.ts)", () => {
  const reward = (type: "fixed_amount" | "points_to_money" | "percentage" | "free_shipping", points_cost: number, value: string | null, enabled = true) => ({
    type,
    points_cost,
    value,
    enabled,
  });

  it("values a point at the catalog's best fixed rate, leaving out disabled and unfixed rewards", () => {
    expect(bestPointValue([reward("fixed_amount", 500, "5.00"), reward("points_to_money", 100, null)])).toEqual({ mills: 5000, points: 500 });
    expect(bestPointValue([reward("fixed_amount", 500, "5.00"), reward("fixed_amount", 800, "10.00")])).toEqual({ mills: 10000, points: 800 });
    expect(bestPointValue([reward("fixed_amount", 500, "5.00"), reward("points_to_money", 50, null)])).toEqual({ mills: 1000, points: 50 });
    expect(bestPointValue([reward("fixed_amount", 10, "100.00", false), reward("percentage", 10, "50"), reward("free_shipping", 1, null)])).toBeNull();
    expect(pointsCostMills(200, { mills: 10000, points: 800 })).toBe(2500);
    expect(pointsCostMills(1, { mills: 1000, points: 300 })).toBe(3); // 3.33 mills, half up
    expect(pointsCostMills(200, null)).toBe(0);
  });

  const entry = (e: Partial<FriendLedgerEntry> & Pick<FriendLedgerEntry, "kind" | "points" | "source_id">): FriendLedgerEntry => ({
    friend_id: "1",
    snapshot_key: null,
    base_mills: null,
    created_at: "2026-11-10T00:00:00.000Z",
    ...e,
  });

  it("nets each order by the share of its points reversed: a cancellation by its order id, a refund by its snapshot", () => {
    const orders = friendOrders([
      entry({ kind: "earn", points: 800, source_id: "O1", snapshot_key: "s1", base_mills: "80000" }),
      entry({ kind: "earn", points: 400, source_id: "O2", snapshot_key: "s2", base_mills: "40000" }),
      entry({ kind: "reversal", points: -200, source_id: "R1", snapshot_key: "s1" }),
      entry({ kind: "reversal", points: -400, source_id: "O2", snapshot_key: "s2" }),
      // More than the order earned is never netted past zero.
      entry({ kind: "reversal", points: -5000, source_id: "R2", snapshot_key: "s1" }),
    ]);
    expect(orders.map((o) => [o.order_gid, o.reversed])).toEqual([
      ["O1", 800],
      ["O2", 400],
    ]);
    const partly = friendOrders([
      entry({ kind: "earn", points: 800, source_id: "O1", snapshot_key: "s1", base_mills: "80000" }),
      entry({ kind: "earn", points: 800, source_id: "O3", snapshot_key: "s1", base_mills: "80000" }),
      entry({ kind: "reversal", points: -1000, source_id: "R1", snapshot_key: "s1" }),
    ]);
    // Equal snapshots: the refund's 1,000 points fill the first then the second; the total is what matters.
    expect(partly.map((o) => o.reversed)).toEqual([800, 200]);
  });

  it("prices discount codes at face value, percentages on the qualifying subtotal", () => {
    const percent = { reward: { type: "discount" as const, discount: "percentage" as const, value: "15", min_order_subtotal: null, code_expiry_days: 30 }, points: 0, redemption_id: "r1" };
    const fixed = { reward: { type: "discount" as const, discount: "fixed_amount" as const, value: "7.50", min_order_subtotal: null, code_expiry_days: 30 }, points: 0, redemption_id: "r2" };
    expect(discountFaceMills(percent, "80.00")).toBe(12000);
    expect(discountFaceMills(percent, null)).toBe(0);
    expect(discountFaceMills(fixed, "80.00")).toBe(7500);
  });

  it("counts the advocate's code of a completed referral (issued in their own account), the friend's once recorded", () => {
    const code = { reward: { type: "discount" as const, discount: "fixed_amount" as const, value: "5.00", min_order_subtotal: null, code_expiry_days: 30 }, points: 0, redemption_id: null };
    const referral: RoiReferral = { friend_id: "1", status: "completed", advocate: code, friend: code, order_gid: "O1", order_subtotal: "50.00", completed_at: "2026-11-10T00:00:00.000Z" };
    expect(computeReferralRoi([referral], [], null)).toMatchObject({ discounts_given: 1, reward_cost: "5.00" });
    expect(computeReferralRoi([{ ...referral, friend: { ...code, redemption_id: "r9" } }], [], null)).toMatchObject({ discounts_given: 2, reward_cost: "10.00" });
  });

  it("counts revenue from each completion on and the cost of both sides", () => {
    const referrals: RoiReferral[] = [
      { friend_id: "1", status: "completed", advocate: POINTS_50, friend: POINTS_50, order_gid: "O1", order_subtotal: "100.00", completed_at: "2026-11-10T00:00:00.000Z" },
    ];
    const entries = [
      // Before the completion: not the referral's doing.
      entry({ kind: "earn", points: 300, source_id: "O0", base_mills: "30000", created_at: "2026-11-01T00:00:00.000Z" }),
      // The qualifying order, recorded a moment before the completion.
      entry({ kind: "earn", points: 1000, source_id: "O1", base_mills: "100000", created_at: "2026-11-09T23:59:59.999Z" }),
      entry({ kind: "earn", points: 500, source_id: "O2", base_mills: "50000", created_at: "2026-11-20T00:00:00.000Z" }),
    ];
    expect(computeReferralRoi(referrals, entries, { mills: 5000, points: 500 })).toEqual({
      referrals_completed: 1,
      revenue: "150.00",
      reward_cost: "1.00",
      points_given: 100,
      discounts_given: 0,
      ratio: 150,
    });
    expect(computeReferralRoi([], [], null)).toEqual({ referrals_completed: 0, revenue: "0.00", reward_cost: "0.00", points_given: 0, discounts_given: 0, ratio: null });
  });
});

describe("GET /v1/api/referrals/roi", () => {
  const shop = uniqueShop("ref-roi");
  const other = uniqueShop("ref-roi-other");
  let seq = 0;

  function earnOrReversal(friend: string, kind: "earn" | "reversal" | "referral", points: number, source: { type: "order" | "refund" | "referral"; id: string }, baseMills: number | null, at: string): LedgerEvent {
    seq += 1;
    return {
      type: "ledger_entry",
      shop,
      customer_id: friend,
      outbox_seq: seq,
      entry: {
        id: crypto.randomUUID(),
        seq,
        kind,
        points,
        balance_after: Math.max(0, points),
        source_type: source.type,
        source_id: source.id,
        snapshot:
          baseMills === null
            ? null
            : { program_version: 1, points_per_currency_unit: 10, tier: null, tier_multiplier: 1, tier_multiplier_bp: 10000, multipliers: [], multiplier_bp: 10000, base_mills: baseMills },
        note: null,
        created_at: at,
      },
      account: { points_balance: 0, total_points_earned: 0, total_points_redeemed: 0, total_points_reversed: 0 },
    };
  }

  const order = (n: number) => `gid://shopify/Order/${n}`;
  const discount = (discount: "percentage" | "fixed_amount", value: string, redemption_id: string) => ({
    reward: { type: "discount" as const, discount, value, min_order_subtotal: null, code_expiry_days: 30 },
    points: 0,
    redemption_id,
  });

  beforeAll(async () => {
    // The default catalog: $5 off for 500 points, the best fixed rate: one cent a point.
    await install(shop);
    await install(other);
    const completed = (friend_id: string, at: string, fields: Partial<ReferralRecord>) =>
      record({ friend_id, advocate_id: "500", status: "completed", bound_at: "2026-10-01T00:00:00.000Z", completed_at: at, ...fields });
    await projectReferrals(sql, [
      // 50 + 50 points; revenue: the qualifying order 120.00 and a later 80.00 refunded by a quarter.
      referralEvent(shop, completed("501", "2026-11-05T10:00:00.000Z", { advocate: POINTS_50, friend: POINTS_50, order_gid: order(1), order_subtotal: "120.00" })),
      // 50 points and a 10 % code; the qualifying order earned no points: its subtotal from the record.
      referralEvent(shop, completed("502", "2026-11-10T00:00:00.000Z", { advocate: POINTS_50, friend: discount("percentage", "10", "red-1"), order_gid: order(3), order_subtotal: "60.00" })),
      // Reversed (its order cancelled): no revenue; its code still counts as cost, its points (taken back) do not.
      referralEvent(shop, completed("503", "2026-11-12T00:00:00.000Z", { status: "reversed", advocate: POINTS_50, friend: discount("fixed_amount", "5.00", "red-2"), order_gid: order(4), order_subtotal: "40.00" })),
      // Completed before the window, pending, held: none of them count.
      referralEvent(shop, completed("504", "2026-10-15T00:00:00.000Z", { advocate: POINTS_50, friend: POINTS_50, order_gid: order(5), order_subtotal: "999.00" })),
      referralEvent(shop, record({ friend_id: "505", status: "pending" })),
      referralEvent(shop, record({ friend_id: "506", status: "held" })),
      referralEvent(other, completed("501", "2026-11-05T10:00:00.000Z", { advocate: POINTS_50, friend: POINTS_50, order_gid: order(1), order_subtotal: "5000.00" })),
    ]);
    await projectEvents(sql, [
      earnOrReversal("501", "earn", 300, { type: "order", id: order(0) }, 30000, "2026-11-01T00:00:00.000Z"),
      earnOrReversal("501", "earn", 1200, { type: "order", id: order(1) }, 120000, "2026-11-05T09:59:59.950Z"),
      earnOrReversal("501", "referral", 50, { type: "referral", id: "501" }, null, "2026-11-05T10:00:00.000Z"),
      earnOrReversal("501", "earn", 800, { type: "order", id: order(2) }, 80000, "2026-11-20T00:00:00.000Z"),
      earnOrReversal("501", "reversal", -200, { type: "refund", id: "gid://shopify/Refund/1" }, 80000, "2026-11-22T00:00:00.000Z"),
      earnOrReversal("503", "earn", 400, { type: "order", id: order(4) }, 40000, "2026-11-12T00:00:00.000Z"),
      earnOrReversal("503", "reversal", -400, { type: "order", id: order(4) }, 40000, "2026-11-13T00:00:00.000Z"),
    ]);
  });

  it("sets the friends' revenue against the rewards' cost for the referrals completed in the window", async () => {
    const response = await merchantApi(shop, "GET", "/referrals/roi?from=2026-11-01&to=2026-12-01");
    expect(response.status).toBe(200);
    // revenue: 120 + 80 × 3/4 (501) + 60 (502) + 0 (503) = 240.00
    // cost: 150 points × $0.01 (503's were taken back) + 10 % of 60.00 + 5.00 = 1.50 + 6.00 + 5.00 = 12.50
    expect(await json(response)).toEqual({
      status: "ok",
      roi: { referrals_completed: 2, revenue: "240.00", reward_cost: "12.50", points_given: 150, discounts_given: 2, ratio: 19.2 },
      error: null,
    });
  });

  it("answers zeros and no ratio for a window without completions, and takes the whole history without one", async () => {
    expect((await json(await merchantApi(shop, "GET", "/referrals/roi?from=2020-01-01&to=2020-02-01"))).roi).toEqual({
      referrals_completed: 0,
      revenue: "0.00",
      reward_cost: "0.00",
      points_given: 0,
      discounts_given: 0,
      ratio: null,
    });
    const all = (await json(await merchantApi(shop, "GET", "/referrals/roi"))).roi;
    expect(all).toMatchObject({ referrals_completed: 3, revenue: "1239.00", points_given: 250 });
  });

  it.each([
    ["?from=2026-13-01", "invalid_from"],
    ["?to=soon", "invalid_to"],
    ["?from=2026-12-01&to=2026-11-01", "invalid_range"],
  ])("refuses %s with 400 %s", async (query, code) => {
    const response = await merchantApi(shop, "GET", `/referrals/roi${query}`);
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ status: "error", error: { code } });
  });
});
