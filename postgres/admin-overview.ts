// The admin console's numbers across every shop (GET /admin/overview, GET /admin/merchants/:id),
// from the reporting projection: members, points issued and redeemed in a period with a daily
// series, the points liability (every balance outstanding), and referrals completed.
import { ACTION_KINDS } from "../core/ledger-events";
import type { Sql } from "./client";

export interface PlatformTotals {
  members: number;
  liability: number;
  issued: number;
  redeemed: number;
  /** Referral ROI's parts: referrals completed in the period, their qualifying orders' earn base (shops' own currencies, summed as numbers), the points both sides were given. */
  referrals_completed: number;
  referred_revenue: number;
  referral_points: number;
  daily: { day: string; issued: number; redeemed: number }[];
}

/** `shop`: one shop's numbers; omitted: every shop's. Issued: positive entries that count as earned; redeemed: redemptions (as points). */
export async function platformTotals(sql: Sql, from: Date, to: Date, shop?: string): Promise<PlatformTotals> {
  const scope = shop === undefined ? sql`TRUE` : sql`shop = ${shop}`;
  const earnedKinds = ["earn", "adjustment", "campaign", "referral", ...ACTION_KINDS];
  const [[members], [flows], [referrals], daily] = await Promise.all([
    sql<{ members: string; liability: string }[]>`
      SELECT count(*) AS members, COALESCE(sum(points_balance), 0) AS liability FROM customers WHERE ${scope}`,
    sql<{ issued: string; redeemed: string }[]>`
      SELECT COALESCE(sum(points) FILTER (WHERE points > 0 AND kind IN ${sql(earnedKinds)}), 0) AS issued,
             COALESCE(-sum(points) FILTER (WHERE kind = 'redemption'), 0) AS redeemed
      FROM points_transactions WHERE ${scope} AND created_at >= ${from} AND created_at < ${to}`,
    sql<{ completed: string; revenue: string; points: string }[]>`
      SELECT (SELECT count(*) FROM referrals WHERE ${scope} AND completed_at >= ${from} AND completed_at < ${to}) AS completed,
             (SELECT COALESCE(sum(NULLIF(order_subtotal, '')::numeric), 0) FROM referrals
                WHERE ${scope} AND completed_at >= ${from} AND completed_at < ${to}) AS revenue,
             (SELECT COALESCE(sum(points), 0) FROM points_transactions
                WHERE ${scope} AND kind = 'referral' AND created_at >= ${from} AND created_at < ${to}) AS points`,
    sql<{ day: string; issued: string; redeemed: string }[]>`
      SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
             COALESCE(sum(points) FILTER (WHERE points > 0 AND kind IN ${sql(earnedKinds)}), 0) AS issued,
             COALESCE(-sum(points) FILTER (WHERE kind = 'redemption'), 0) AS redeemed
      FROM points_transactions WHERE ${scope} AND created_at >= ${from} AND created_at < ${to}
      GROUP BY 1 ORDER BY 1`,
  ]);
  return {
    members: Number(members!.members),
    liability: Number(members!.liability),
    issued: Number(flows!.issued),
    redeemed: Number(flows!.redeemed),
    referrals_completed: Number(referrals!.completed),
    referred_revenue: Number(referrals!.revenue),
    referral_points: Number(referrals!.points),
    daily: daily.map((d) => ({ day: d.day, issued: Number(d.issued), redeemed: Number(d.redeemed) })),
  };
}
