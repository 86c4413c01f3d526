// points_daily (postgres/migrations/0011_points_daily.sql), the ledger summed per shop, day and
// kind that the analytics read: filled through the projection's own writer (projectEvents), it
// equals the ledger's sums after every kind of entry, a redelivered batch, a GDPR redaction and
// shop deletion; and the analytics read from it answer as the ledger does. Writers only append
// their changes (0014); the fold carries them into points_daily without changing any read.
import { env } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import type { LedgerEvent } from "../../core/ledger-events";
import { shopAnalytics } from "../../postgres/analytics";
import { connectReporting } from "../../postgres/client";
import { anonymiseCustomer, deleteShop } from "../../postgres/gdpr";
import { foldPointsDaily, rollupMismatches } from "../../postgres/points-daily";
import { projectEvents } from "../../postgres/projection";
import { Ledger } from "../helpers/ledger-builder";
import { uniqueShop } from "../helpers/shopify";

const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

/** Shuffled, in small batches: the projection is order-independent, so the rollup must be too. */
async function project(events: LedgerEvent[]): Promise<void> {
  const shuffled = [...events].sort(() => Math.random() - 0.5);
  for (let i = 0; i < shuffled.length; i += 3) await projectEvents(sql, shuffled.slice(i, i + 3));
}

/** The rollup as its readers see it: points_daily's rows and the changes appended since, added up. */
async function rollup(shop: string) {
  return sql<{ day: string; kind: string; gained: string; spent: string; entries: string }[]>`
    SELECT day::text AS day, kind, sum(gained)::text AS gained, sum(spent)::text AS spent, sum(entries)::text AS entries
    FROM points_daily_now WHERE shop = ${shop}
    GROUP BY day, kind HAVING sum(gained) <> 0 OR sum(spent) <> 0 OR sum(entries) <> 0 ORDER BY day, kind`;
}

/** points_daily's own rows (what the fold has carried in). */
async function foldedRows(shop: string) {
  return sql<{ day: string; kind: string; gained: string; spent: string; entries: string }[]>`
    SELECT day::text AS day, kind, gained::text, spent::text, entries::text FROM points_daily WHERE shop = ${shop} ORDER BY day, kind`;
}

const pendingRows = async (shop: string) => Number((await sql<{ n: string }[]>`SELECT count(*)::text AS n FROM points_daily_pending WHERE shop = ${shop}`)[0]!.n);

/** What unredacted customers held at `end`, summed from their ledger rows (the builder keeps balances equal to them). */
async function heldFromLedger(shop: string, end: string): Promise<number> {
  const [row] = await sql<{ held: string }[]>`
    SELECT COALESCE(sum(points), 0)::text AS held FROM points_transactions
    WHERE shop = ${shop} AND created_at < ${end} AND customer_id NOT LIKE 'redacted-%'`;
  return Number(row!.held);
}

function everyKind(shop: string): Ledger {
  return (
    new Ledger(shop)
      .customer("1", "2026-10-01T00:00:00.000Z")
      .entry("1", "2026-11-01T00:00:00.000Z", "earn", 400, "gid://shopify/Order/1")
      .entry("1", "2026-11-01T23:59:59.999Z", "earn", 100, "gid://shopify/Order/2")
      .entry("1", "2026-11-02T10:00:00.000Z", "redemption", -300, "r-1")
      .entry("1", "2026-11-03T10:00:00.000Z", "release", 300, "r-1")
      .entry("1", "2026-11-03T11:00:00.000Z", "reversal", -40, "gid://shopify/Refund/2")
      .customer("2", "2026-11-02T00:00:00.000Z")
      .entry("2", "2026-11-02T00:00:00.000Z", "signup", 200)
      .entry("2", "2026-11-02T05:00:00.000Z", "adjustment", 75)
      .entry("2", "2026-11-02T06:00:00.000Z", "adjustment", -25)
      .entry("2", "2026-11-04T00:00:00.000Z", "expiry", -150)
      .entry("2", "2026-11-05T00:00:00.000Z", "earn", 60, "gid://shopify/Order/3")
      // After the window below: moves the balance back to the window's end.
      .customer("3", "2026-10-01T00:00:00.000Z")
      .entry("3", "2026-10-20T00:00:00.000Z", "earn", 500, "gid://shopify/Order/4")
      .entry("3", "2026-11-09T00:00:00.000Z", "redemption", -500, "r-3")
  );
}

const WINDOW = { from: "2026-11-01", to: "2026-11-07" };

describe("points_daily", () => {
  it("equals the ledger's sums after earns, redemptions and releases, reversals, adjustments and expiries", async () => {
    const shop = uniqueShop("rollup-kinds");
    await project(everyKind(shop).events);
    expect(await rollupMismatches(sql, shop)).toEqual([]);
    // By hand: a day's positive and negative entries apart, an entry at 23:59:59.999 on its own day.
    expect(await rollup(shop)).toEqual([
      { day: "2026-10-20", kind: "earn", gained: "500", spent: "0", entries: "1" },
      { day: "2026-11-01", kind: "earn", gained: "500", spent: "0", entries: "2" },
      { day: "2026-11-02", kind: "adjustment", gained: "75", spent: "-25", entries: "2" },
      { day: "2026-11-02", kind: "redemption", gained: "0", spent: "-300", entries: "1" },
      { day: "2026-11-02", kind: "signup", gained: "200", spent: "0", entries: "1" },
      { day: "2026-11-03", kind: "release", gained: "300", spent: "0", entries: "1" },
      { day: "2026-11-03", kind: "reversal", gained: "0", spent: "-40", entries: "1" },
      { day: "2026-11-04", kind: "expiry", gained: "0", spent: "-150", entries: "1" },
      { day: "2026-11-05", kind: "earn", gained: "60", spent: "0", entries: "1" },
      { day: "2026-11-09", kind: "redemption", gained: "0", spent: "-500", entries: "1" },
    ]);
    const facts = await shopAnalytics(sql, shop, WINDOW, null);
    expect(facts.points).toEqual({ issued: 835, redeemed: 0, expired: 150, reversed: 65 });
    expect(facts.daily.map((d) => [d.date, d.issued, d.redeemed, d.expired, d.reversed])).toEqual([
      ["2026-11-01", 500, 0, 0, 0],
      ["2026-11-02", 275, 300, 0, 25],
      ["2026-11-03", 0, -300, 0, 40],
      ["2026-11-04", 0, 0, 150, 0],
      ["2026-11-05", 60, 0, 0, 0],
      ["2026-11-06", 0, 0, 0, 0],
      ["2026-11-07", 0, 0, 0, 0],
    ]);
    // c1 460, c2 160, c3 500 (its redemption on 11-09 is after the window).
    expect(facts.outstanding_points).toBe(1120);
    // Orders in the window: c1 two, and it redeemed on 11-02; c2 one, never redeemed; c3's is before it.
    expect(facts.repeat_purchase).toEqual({ members: { customers: 1, repeat_customers: 1, rate: 1 }, non_members: { customers: 1, repeat_customers: 0, rate: 0 } });
    // c3 redeemed after the window: not a member in it; its order is outside it.
    const wider = await shopAnalytics(sql, shop, { from: "2026-10-20", to: "2026-11-08" }, null);
    expect(wider.repeat_purchase).toEqual({ members: { customers: 1, repeat_customers: 1, rate: 1 }, non_members: { customers: 2, repeat_customers: 0, rate: 0 } });
    const last = await shopAnalytics(sql, shop, { from: "2026-10-20", to: "2026-11-09" }, null);
    expect(last.repeat_purchase).toEqual({ members: { customers: 2, repeat_customers: 1, rate: 0.5 }, non_members: { customers: 1, repeat_customers: 0, rate: 0 } });
    expect(facts.outstanding_points).toBe(await heldFromLedger(shop, "2026-11-08T00:00:00.000Z"));
  });

  it("counts a redelivered entry once, whether alone, in a batch with new ones, or the whole ledger again", async () => {
    const shop = uniqueShop("rollup-redelivery");
    const ledger = everyKind(shop);
    await project(ledger.events);
    const once = await rollup(shop);
    const entries = ledger.events.filter((e) => e.type === "ledger_entry");
    await projectEvents(sql, [entries[0]!]);
    await project(ledger.events);
    const more = new Ledger(shop).entry("4", "2026-11-02T12:00:00.000Z", "earn", 9, "gid://shopify/Order/9").events;
    await projectEvents(sql, [...entries.slice(0, 3), ...more]);
    expect(await rollupMismatches(sql, shop)).toEqual([]);
    const after = await rollup(shop);
    expect(after.find((r) => r.day === "2026-11-02" && r.kind === "earn")).toEqual({ day: "2026-11-02", kind: "earn", gained: "9", spent: "0", entries: "1" });
    expect(after.filter((r) => !(r.day === "2026-11-02" && r.kind === "earn"))).toEqual(once);
  });

  it("keeps the shop's totals through a GDPR redaction, and the outstanding points leave the redacted customer out", async () => {
    const shop = uniqueShop("rollup-gdpr");
    await project(everyKind(shop).events);
    const before = await shopAnalytics(sql, shop, WINDOW, null);
    const rowsBefore = await rollup(shop);

    // c3 redacted: its rows re-filed under an anonymous id, its 0 balance forfeited (an entry of 0).
    // c1 redacted: its 460 points forfeited today.
    await anonymiseCustomer(sql, shop, "3", `redacted-${crypto.randomUUID()}`, crypto.randomUUID());
    await anonymiseCustomer(sql, shop, "1", `redacted-${crypto.randomUUID()}`, crypto.randomUUID());
    expect(await rollupMismatches(sql, shop)).toEqual([]);
    const rowsAfter = await rollup(shop);
    // The only new rows are today's forfeitures; every other figure stayed.
    expect(rowsAfter.filter((r) => r.kind !== "forfeiture")).toEqual(rowsBefore);
    expect(rowsAfter.filter((r) => r.kind === "forfeiture").reduce((n, r) => n + Number(r.spent), 0)).toBe(-460);

    const after = await shopAnalytics(sql, shop, WINDOW, null);
    expect(after.points).toEqual(before.points);
    expect(after.daily.map(({ new_members: _, ...d }) => d)).toEqual(before.daily.map(({ new_members: _, ...d }) => d));
    // c1's orders are no longer anyone's: only c2 buys in the window.
    expect(after.repeat_purchase).toEqual({ members: { customers: 0, repeat_customers: 0, rate: null }, non_members: { customers: 1, repeat_customers: 0, rate: 0 } });
    // Only c2's 160 remain: c3's redemption after the window is a redacted customer's movement.
    expect(after.outstanding_points).toBe(160);
    // Nothing under the redacted customers' own ids is left in the rollups.
    expect(await sql`SELECT customer_id FROM customer_orders WHERE shop = ${shop} AND customer_id IN ('1', '3')`).toHaveLength(0);
    expect(after.outstanding_points).toBe(await heldFromLedger(shop, "2026-11-08T00:00:00.000Z"));
  });

  it("leaves nothing of a deleted shop, and nothing of another shop changes", async () => {
    const shop = uniqueShop("rollup-deleted");
    const other = uniqueShop("rollup-kept");
    await project([...everyKind(shop).events, ...everyKind(other).events]);
    const kept = await rollup(other);
    expect(kept.length).toBeGreaterThan(0);
    const ordersOf = (s: string) => sql`SELECT customer_id FROM customer_orders WHERE shop = ${s} ORDER BY customer_id`;
    expect((await ordersOf(shop)).map((r) => r.customer_id)).toEqual(["1", "2", "3"]);
    await deleteShop(sql, shop);
    expect(await rollup(shop)).toEqual([]);
    expect(await ordersOf(shop)).toHaveLength(0);
    expect((await ordersOf(other)).map((r) => r.customer_id)).toEqual(["1", "2", "3"]);
    expect(await rollup(other)).toEqual(kept);
    expect(await rollupMismatches(sql, other)).toEqual([]);
  });

  it("reports a day where the rollup and the ledger disagree", async () => {
    const shop = uniqueShop("rollup-mismatch");
    await project(everyKind(shop).events);
    while ((await foldPointsDaily(sql)) > 0); // into points_daily's own rows, which this test spoils
    await sql`UPDATE points_daily SET gained = gained + 1 WHERE shop = ${shop} AND day = '2026-11-05' AND kind = 'earn'`;
    await sql`DELETE FROM points_daily WHERE shop = ${shop} AND day = '2026-11-04'`;
    // Only the daily rollup was touched so far.
    expect(await rollupMismatches(sql, shop)).toEqual([
      { table: "points_daily", day: "2026-11-04", kind: "expiry", rollup: null, ledger: { gained: 0, spent: -150, entries: 1 } },
      { table: "points_daily", day: "2026-11-05", kind: "earn", rollup: { gained: 61, spent: 0, entries: 1 }, ledger: { gained: 60, spent: 0, entries: 1 } },
    ]);
    await sql`UPDATE points_daily SET gained = gained - 1 WHERE shop = ${shop} AND day = '2026-11-05' AND kind = 'earn'`;
    await sql`DELETE FROM customer_orders WHERE shop = ${shop} AND customer_id = '3'`;
    await sql`UPDATE customer_orders SET order_days = '{2026-11-01}' WHERE shop = ${shop} AND customer_id = '1'`;
    const found = await rollupMismatches(sql, shop);
    expect(found.filter((m) => m.table === "customer_orders")).toEqual([
      { table: "customer_orders", customer_id: "1", rollup: { order_days: "{2026-11-01}", first_redeemed_at: expect.any(String) }, ledger: { order_days: "{2026-11-01,2026-11-01}", first_redeemed_at: expect.any(String) } },
      { table: "customer_orders", customer_id: "3", rollup: null, ledger: { order_days: "{2026-10-20}", first_redeemed_at: expect.any(String) } },
    ]);
  });

  it("appends writers' changes, which the fold carries into points_daily without changing a read, and drops rows left empty", async () => {
    const shop = uniqueShop("rollup-fold");
    await project(everyKind(shop).events);
    const before = await rollup(shop);
    const analyticsBefore = await shopAnalytics(sql, shop, WINDOW, null);
    expect(await pendingRows(shop)).toBeGreaterThan(0);

    while ((await foldPointsDaily(sql)) > 0);
    expect(await pendingRows(shop)).toBe(0);
    expect(await foldedRows(shop)).toEqual(before);
    expect(await rollup(shop)).toEqual(before);
    expect(await shopAnalytics(sql, shop, WINDOW, null)).toEqual(analyticsBefore);
    expect(await rollupMismatches(sql, shop)).toEqual([]);

    // The 11-09 redemption's row taken out of the ledger: appended as its opposite, and once
    // folded, the day's redemption row is gone rather than left at zero.
    await sql`DELETE FROM points_transactions WHERE shop = ${shop} AND kind = 'redemption' AND created_at = '2026-11-09T00:00:00.000Z'`;
    expect((await rollup(shop)).some((r) => r.day === "2026-11-09")).toBe(false);
    while ((await foldPointsDaily(sql)) > 0);
    expect((await foldedRows(shop)).some((r) => r.day === "2026-11-09")).toBe(false);
    expect(await rollupMismatches(sql, shop)).toEqual([]);
  });
});
