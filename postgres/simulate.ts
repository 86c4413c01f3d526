// The projection's reads for the simulate dry run: customers grouped by the tier they hold and
// their lifetime points, and the shop's recent paid orders grouped by earn base and customer.
// Grouped in Postgres so the answer stays one small result whatever the shop's size; every rule
// is applied afterwards, in core/.
import type { HeldValue, RecentOrders } from "../core/simulate";
import type { Sql } from "./client";

/** The tier each customer's object last recorded (tier_changes), as a lateral lookup. */
const heldTier = (sql: Sql) => sql`
  LEFT JOIN LATERAL (
    SELECT tc.to_tier FROM tier_changes tc WHERE tc.shop = c.shop AND tc.customer_id = c.customer_id ORDER BY tc.seq DESC LIMIT 1
  ) held ON true`;

/** Customers by tier held and lifetime points (earned less reversed), as the object counts them for tiers. */
export async function customersByTier(sql: Sql, shop: string): Promise<(HeldValue & { customers: number })[]> {
  const rows = await sql<{ held: string | null; lifetime: string; customers: string }[]>`
    SELECT held.to_tier AS held, (c.total_points_earned - c.total_points_reversed)::text AS lifetime, count(*)::text AS customers
    FROM customers c ${heldTier(sql)}
    WHERE c.shop = ${shop} GROUP BY 1, 2`;
  return rows.map((r) => ({ held: r.held, value: Number(r.lifetime), customers: Number(r.customers) }));
}

/**
 * Orders paid (their `earn` entries, whose snapshots hold the earn base) since `since`, grouped
 * by earn base and the customer's tier and lifetime points now. Orders that earned nothing have
 * no entry and are not counted.
 */
export async function recentOrders(sql: Sql, shop: string, since: Date): Promise<RecentOrders[]> {
  // The projection stores each snapshot as a JSON string inside the jsonb (insertEntries passes
  // JSON text); `#>> '{}'` unwraps it, and objects stored as objects read the same.
  const rows = await sql<{ base_mills: string; held: string | null; lifetime: string; orders: string }[]>`
    SELECT (CASE WHEN jsonb_typeof(t.snapshot) = 'string' THEN (t.snapshot #>> '{}')::jsonb ELSE t.snapshot END ->> 'base_mills') AS base_mills,
           held.to_tier AS held,
           (c.total_points_earned - c.total_points_reversed)::text AS lifetime,
           count(*)::text AS orders
    FROM points_transactions t
    JOIN customers c ON c.shop = t.shop AND c.customer_id = t.customer_id
    ${heldTier(sql)}
    WHERE t.shop = ${shop} AND t.kind = 'earn' AND t.source_type = 'order' AND t.created_at >= ${since}
      AND t.snapshot IS NOT NULL
    GROUP BY 1, 2, 3`;
  // Entries of other shapes (no earn base) are left out.
  return rows
    .filter((r) => r.base_mills !== null)
    .map((r) => ({ baseMills: Number(r.base_mills), held: r.held, value: Number(r.lifetime), orders: Number(r.orders) }));
}
