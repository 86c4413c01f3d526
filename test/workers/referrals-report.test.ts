// Referral reports: the projection of referral records (highest revision wins, repeats change
// nothing) and the merchant's list (filters, pages, one shop only).
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReferralRecord } from "../../core/ledger-events";
import { connectReporting } from "../../postgres/client";
import { projectEvents } from "../../postgres/projection";
import { projectReferrals, type ReferralEvent } from "../../postgres/referrals";
import { call, install, json, merchantApi } from "../helpers/app";
import { uniqueShop } from "../helpers/shopify";

const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

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
