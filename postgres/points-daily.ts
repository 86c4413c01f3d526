// The analytics' rollups of the ledger (postgres/migrations/0011_points_daily.sql: kept by
// triggers on points_transactions, so they hold exactly what was inserted, once): points_daily,
// the ledger summed per shop, UTC day and kind, which the daily series, the points totals and
// the outstanding-points correction read instead of the ledger; customer_orders, each
// customer's order days and first redemption, which the repeat purchase reads. rollupMismatches
// checks both against the ledger. points_daily is read as points_daily_now (0014): its folded
// rows and the changes writers appended since, which the sweeper folds in (foldPointsDaily).
import type { Sql } from "./client";

/** A window's bounds: whole UTC days, start included, end excluded. */
export interface DayRange {
  start: Date;
  end: Date;
}

export interface DailyPoints {
  day: string;
  issued: number;
  redeemed: number;
  expired: number;
  reversed: number;
}

/**
 * Points by day of the shop's `kinds`. issued: every positive entry but a release (a release
 * gives back points a redemption took: it un-spends, it does not issue); redeemed: redemptions
 * net of releases; expired: expiries; reversed: the rest of what was taken (order reversals,
 * negative adjustments). issued − redeemed − expired − reversed is the change in what customers hold.
 */
export async function dailyPoints(sql: Sql, shop: string, kinds: readonly string[], range: DayRange): Promise<DailyPoints[]> {
  const rows = await sql<{ day: string; issued: string; redeemed: string; expired: string; reversed: string }[]>`
    SELECT day::text AS day,
           COALESCE(sum(gained) FILTER (WHERE kind <> 'release'), 0)::text AS issued,
           COALESCE(-sum(gained + spent) FILTER (WHERE kind IN ('redemption', 'release')), 0)::text AS redeemed,
           COALESCE(-sum(gained + spent) FILTER (WHERE kind = 'expiry'), 0)::text AS expired,
           COALESCE(-sum(spent) FILTER (WHERE kind NOT IN ('redemption', 'expiry')), 0)::text AS reversed
    FROM points_daily_now
    WHERE shop = ${shop} AND kind IN ${sql(kinds)} AND day >= ${dayOf(range.start)}::date AND day < ${dayOf(range.end)}::date
    GROUP BY day`;
  return rows.map((r) => ({ day: r.day, issued: Number(r.issued), redeemed: Number(r.redeemed), expired: Number(r.expired), reversed: Number(r.reversed) }));
}

/**
 * The net points of the shop's `kinds` entered on or after `since` (a UTC midnight) by
 * customers not redacted: the shop's whole sum from the rollup, less the redacted customers'
 * share, read from the ledger through its partial index (few rows).
 */
export async function pointsMovedSince(sql: Sql, shop: string, kinds: readonly string[], since: Date): Promise<number> {
  const [all] = await sql<{ moved: string }[]>`
    SELECT COALESCE(sum(gained + spent), 0)::text AS moved FROM points_daily_now
    WHERE shop = ${shop} AND kind IN ${sql(kinds)} AND day >= ${dayOf(since)}::date`;
  const [redacted] = await sql<{ moved: string }[]>`
    SELECT COALESCE(sum(points), 0)::text AS moved FROM points_transactions
    WHERE shop = ${shop} AND customer_id LIKE 'redacted-%' AND created_at >= ${since} AND kind IN ${sql(kinds)}`;
  return Number(all?.moved ?? 0) - Number(redacted?.moved ?? 0);
}

export type RollupMismatch =
  | {
      table: "points_daily";
      day: string;
      kind: string;
      rollup: { gained: number; spent: number; entries: number } | null;
      ledger: { gained: number; spent: number; entries: number } | null;
    }
  | {
      table: "customer_orders";
      customer_id: string;
      rollup: { order_days: string; first_redeemed_at: string | null } | null;
      ledger: { order_days: string; first_redeemed_at: string | null } | null;
    };

/**
 * Where the shop's rollups (points_daily per day and kind, customer_orders per customer) differ
 * from what its ledger rows sum to: empty when both are right. For the fault suite's oracle
 * and the tests; two scans of the shop's whole ledger.
 */
export async function rollupMismatches(sql: Sql, shop: string): Promise<RollupMismatch[]> {
  const daily = await sql<
    { day: string; kind: string; r_gained: string | null; r_spent: string | null; r_entries: string | null; l_gained: string | null; l_spent: string | null; l_entries: string | null }[]
  >`
    SELECT day::text AS day, kind, r.gained::text AS r_gained, r.spent::text AS r_spent, r.entries::text AS r_entries,
           l.gained::text AS l_gained, l.spent::text AS l_spent, l.entries::text AS l_entries
    FROM (
      SELECT day, kind, sum(gained) AS gained, sum(spent) AS spent, sum(entries) AS entries FROM points_daily_now WHERE shop = ${shop}
      GROUP BY day, kind HAVING sum(gained) <> 0 OR sum(spent) <> 0 OR sum(entries) <> 0
    ) AS r
    FULL JOIN (
      SELECT (created_at AT TIME ZONE 'UTC')::date AS day, kind,
             COALESCE(sum(points) FILTER (WHERE points > 0), 0) AS gained, COALESCE(sum(points) FILTER (WHERE points < 0), 0) AS spent, count(*) AS entries
      FROM points_transactions WHERE shop = ${shop} GROUP BY 1, 2
    ) AS l USING (day, kind)
    WHERE r.gained IS DISTINCT FROM l.gained OR r.spent IS DISTINCT FROM l.spent OR r.entries IS DISTINCT FROM l.entries
    ORDER BY day, kind`;
  const customers = await sql<{ customer_id: string; r_days: string | null; r_first: string | null; l_days: string | null; l_first: string | null; r_found: boolean; l_found: boolean }[]>`
    SELECT customer_id, r.order_days::text AS r_days, r.first_redeemed_at::text AS r_first, l.order_days::text AS l_days, l.first_redeemed_at::text AS l_first,
           r.customer_id IS NOT NULL AS r_found, l.customer_id IS NOT NULL AS l_found
    FROM (SELECT customer_id, order_days, first_redeemed_at FROM customer_orders WHERE shop = ${shop}) AS r
    FULL JOIN (
      SELECT customer_id,
             COALESCE(array_agg((created_at AT TIME ZONE 'UTC')::date ORDER BY created_at) FILTER (WHERE kind = 'earn'), '{}') AS order_days,
             min(created_at) FILTER (WHERE kind = 'redemption') AS first_redeemed_at
      FROM points_transactions WHERE shop = ${shop} AND kind IN ('earn', 'redemption') GROUP BY customer_id
    ) AS l USING (customer_id)
    WHERE r.order_days IS DISTINCT FROM l.order_days OR r.first_redeemed_at IS DISTINCT FROM l.first_redeemed_at
    ORDER BY customer_id`;
  const figures = (gained: string | null, spent: string | null, entries: string | null) =>
    entries === null ? null : { gained: Number(gained), spent: Number(spent), entries: Number(entries) };
  return [
    ...daily.map((r): RollupMismatch => ({ table: "points_daily", day: r.day, kind: r.kind, rollup: figures(r.r_gained, r.r_spent, r.r_entries), ledger: figures(r.l_gained, r.l_spent, r.l_entries) })),
    ...customers.map(
      (r): RollupMismatch => ({
        table: "customer_orders",
        customer_id: r.customer_id,
        rollup: r.r_found ? { order_days: r.r_days ?? "{}", first_redeemed_at: r.r_first } : null,
        ledger: r.l_found ? { order_days: r.l_days ?? "{}", first_redeemed_at: r.l_first } : null,
      }),
    ),
  ];
}

/**
 * Folds up to `maxRows` pending changes into points_daily (the sweeper, each minute); answers
 * how many it folded. Reads are exact either way: this keeps what they add up small.
 */
export async function foldPointsDaily(sql: Sql, maxRows = FOLD_ROWS): Promise<number> {
  const [row] = await sql<{ folded: number }[]>`SELECT points_daily_fold(${maxRows}::int) AS folded`;
  return row?.folded ?? 0;
}
const FOLD_ROWS = 50_000;

export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}
