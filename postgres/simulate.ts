// The projection's reads for the simulate dry run: customers grouped by lifetime points, and the
// shop's recent paid orders grouped by earn base and customer. Grouped in Postgres so the answer
// stays one small result whatever the shop's size; every rule is applied afterwards, in core/.
import type { RecentOrders } from "../core/simulate";
import type { Sql } from "./client";

/** Customers by lifetime points (earned less reversed), as the object counts them for tiers. */
export async function customersByLifetime(sql: Sql, shop: string): Promise<{ lifetime: number; customers: number }[]> {
  const rows = await sql<{ lifetime: string; customers: string }[]>`
    SELECT (total_points_earned - total_points_reversed)::text AS lifetime, count(*)::text AS customers
    FROM customers WHERE shop = ${shop} GROUP BY 1`;
  return rows.map((r) => ({ lifetime: Number(r.lifetime), customers: Number(r.customers) }));
}

/**
 * Orders paid (their `earn` entries, whose snapshots hold the earn base) since `since`, grouped
 * by earn base and the customer's lifetime points now. Orders that earned nothing have no entry
 * and are not counted.
 */
export async function recentOrders(sql: Sql, shop: string, since: Date): Promise<RecentOrders[]> {
  // The projection stores each snapshot as a JSON string inside the jsonb (insertEntries passes
  // JSON text); `#>> '{}'` unwraps it, and objects stored as objects read the same.
  const rows = await sql<{ base_mills: string; lifetime: string; orders: string }[]>`
    SELECT (CASE WHEN jsonb_typeof(t.snapshot) = 'string' THEN (t.snapshot #>> '{}')::jsonb ELSE t.snapshot END ->> 'base_mills') AS base_mills,
           (c.total_points_earned - c.total_points_reversed)::text AS lifetime,
           count(*)::text AS orders
    FROM points_transactions t
    JOIN customers c ON c.shop = t.shop AND c.customer_id = t.customer_id
    WHERE t.shop = ${shop} AND t.kind = 'earn' AND t.source_type = 'order' AND t.created_at >= ${since}
      AND t.snapshot IS NOT NULL
    GROUP BY 1, 2`;
  // Entries of other shapes (no earn base) are left out.
  return rows.filter((r) => r.base_mills !== null).map((r) => ({ baseMills: Number(r.base_mills), lifetime: Number(r.lifetime), orders: Number(r.orders) }));
}
