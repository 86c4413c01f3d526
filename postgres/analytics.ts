// The merchant's analytics over a window of whole UTC days, read from the reporting projection
// (the ledger as points_transactions, customers, tier_changes, referrals). Every query is scoped
// by the verified shop and runs one after the other on one connection (postgres/customers.ts
// says why). What each figure counts is stated in workers/merchant/analytics.ts's schema.
//
// Speed at 50,000 customers and 1,000,000 ledger rows (bench/README.md has the figures): the
// daily series, the points totals and the outstanding-points correction read points_daily, the
// ledger summed per day and kind (postgres/points-daily.ts), not the ledger; the repeat
// purchase reads customer_orders (each customer's order days); the members'
// figures are one pass over the shop's 50,000 customers (an index carrying points_balance
// would cost every balance update its HOT update, for no measurable gain).
import type { LedgerKind } from "../core/ledger-events";
import type { AnalyticsFacts, AnalyticsWindow, DailyFigures, RepeatGroup } from "../core/analytics-wire";
import type { PointValue } from "../core/referral-roi";
import type { Sql } from "./client";
import { dailyPoints, dayOf, pointsMovedSince } from "./points-daily";
import { referralRoi } from "./referrals";

export type { AnalyticsFacts, AnalyticsWindow, DailyFigures, RepeatGroup };

/** Every ledger kind (core/ledger-events.ts), for `kind IN (…)`. */
const ALL_KINDS = [
  "earn",
  "reversal",
  "signup",
  "newsletter",
  "review",
  "birthday",
  "social_follow",
  "goal_spend",
  "redemption",
  "release",
  "expiry",
  "adjustment",
  "campaign",
  "referral",
] as const satisfies readonly LedgerKind[];
// Fails to compile when LedgerKind gains a kind this list lacks.
const _everyKind: Record<LedgerKind, true> = Object.fromEntries(ALL_KINDS.map((k) => [k, true])) as Record<(typeof ALL_KINDS)[number], true>;
void _everyKind;

/** A GDPR-redacted customer's anonymous row keeps the shop's totals, not a place among members (postgres/gdpr.ts). */
const NOT_REDACTED = "customer_id NOT LIKE 'redacted-%'";

const DAY_MS = 86_400_000;

/** Each day of the window, "YYYY-MM-DD". */
export function daysOf(window: AnalyticsWindow): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${window.from}T00:00:00Z`); t <= Date.parse(`${window.to}T00:00:00Z`); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

function rate(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

export async function shopAnalytics(sql: Sql, shop: string, window: AnalyticsWindow, pointValue: PointValue | null): Promise<AnalyticsFacts> {
  const start = new Date(`${window.from}T00:00:00Z`);
  const end = new Date(Date.parse(`${window.to}T00:00:00Z`) + DAY_MS);
  const kinds = [...ALL_KINDS];

  // Points by day (postgres/points-daily.ts says what each figure takes).
  const pointRows = await dailyPoints(sql, shop, kinds, { start, end });

  // A member joins when Shopify created the customer (or, unknown, when the projection first
  // saw them). One pass over the shop's customers: new members by day in the window (grouped
  // on date_trunc, a timestamp, and formatted after: cheaper than formatting every row), and
  // those who joined earlier; every group's count and balances sum to the shop's.
  const memberRows = await sql<{ day: string | null; earlier: boolean; n: string; held: string }[]>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, earlier, n::text, held::text FROM (
      SELECT CASE WHEN joined >= ${start} AND joined < ${end} THEN date_trunc('day', joined AT TIME ZONE 'UTC') END AS day,
             joined < ${start} AS earlier, count(*) AS n, COALESCE(sum(points_balance), 0) AS held
      FROM (SELECT COALESCE(shopify_created_at, created_at) AS joined, points_balance FROM customers WHERE shop = ${shop} AND ${sql.unsafe(NOT_REDACTED)}) AS c
      GROUP BY 1, 2
    ) AS days`;
  const before = memberRows.filter((r) => r.earlier).reduce((n, r) => n + Number(r.n), 0);
  const everyone = memberRows.reduce((n, r) => n + Number(r.n), 0);
  const heldNow = memberRows.reduce((n, r) => n + Number(r.held), 0);

  // What customers hold now, less what moved after the window: what they held at its end.
  const movedAfter = await pointsMovedSince(sql, shop, kinds, end);

  // Repeat purchase (workers/merchant/analytics.ts states the definition): customers with at
  // least one order in the window (an `earn` entry: one per paid order that earned), split by
  // whether they had redeemed points before the window's end. From customer_orders: each
  // customer's sorted order days, counted up to a day by width_bucket (a bisection).
  const lastDay = dayOf(new Date(end.getTime() - DAY_MS));
  const dayBefore = dayOf(new Date(start.getTime() - DAY_MS));
  const repeatRows = await sql<{ member: boolean; customers: string; repeat_customers: string }[]>`
    SELECT member, count(*) FILTER (WHERE orders >= 1)::text AS customers, count(*) FILTER (WHERE orders >= 2)::text AS repeat_customers
    FROM (
      SELECT COALESCE(first_redeemed_at < ${end}, false) AS member,
             width_bucket(${lastDay}::date, order_days) - width_bucket(${dayBefore}::date, order_days) AS orders
      FROM customer_orders WHERE shop = ${shop} AND ${sql.unsafe(NOT_REDACTED)}
    ) AS c
    GROUP BY 1`;

  // The tier each customer holds now: their newest tier change.
  const tierRows = await sql<{ tier_id: string | null; n: string }[]>`
    SELECT to_tier AS tier_id, count(*)::text AS n FROM (
      SELECT DISTINCT ON (customer_id) customer_id, to_tier FROM tier_changes
      WHERE shop = ${shop} AND ${sql.unsafe(NOT_REDACTED)}
      ORDER BY customer_id, seq DESC
    ) AS current GROUP BY 1`;

  const roi = await referralRoi(sql, shop, start, end, pointValue);

  const byDay = new Map(pointRows.map((r) => [r.day, r]));
  const joinedByDay = new Map(memberRows.filter((r) => r.day !== null).map((r) => [r.day, Number(r.n)]));
  const daily = daysOf(window).map((date): DailyFigures => {
    const p = byDay.get(date);
    return {
      date,
      new_members: joinedByDay.get(date) ?? 0,
      issued: p?.issued ?? 0,
      redeemed: p?.redeemed ?? 0,
      expired: p?.expired ?? 0,
      reversed: p?.reversed ?? 0,
    };
  });
  const sum = (field: keyof Omit<DailyFigures, "date">) => daily.reduce((total, d) => total + d[field], 0);
  const newMembers = sum("new_members");

  const group = (member: boolean): RepeatGroup => {
    const row = repeatRows.find((r) => r.member === member);
    const customers = Number(row?.customers ?? 0);
    const repeat = Number(row?.repeat_customers ?? 0);
    return { customers, repeat_customers: repeat, rate: rate(repeat, customers) };
  };

  const totalAtEnd = before + newMembers;
  const tiered = tierRows.filter((r) => r.tier_id !== null).map((r) => ({ tier_id: r.tier_id, customers: Number(r.n) }));
  const holdingTier = tiered.reduce((n, r) => n + r.customers, 0);
  return {
    members: { total: totalAtEnd, new: newMembers },
    points: { issued: sum("issued"), redeemed: sum("redeemed"), expired: sum("expired"), reversed: sum("reversed") },
    daily,
    outstanding_points: heldNow - movedAfter,
    repeat_purchase: { members: group(true), non_members: group(false) },
    tiers: [...tiered, { tier_id: null, customers: Math.max(0, everyone - holdingTier) }],
    referral_roi: roi,
  };
}
