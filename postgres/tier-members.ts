// Customers holding a tier, as their objects last recorded it (tier_changes), in customer id
// order: the pages of the publish_tier_members job (queues/jobs.ts).
import type { Sql } from "./client";

/** Up to `limit` customers after `after`: those holding a tier, and where the next page starts (null: none). */
export async function tierMembersAfter(sql: Sql, shop: string, after: string | null, limit: number): Promise<{ members: string[]; next: string | null }> {
  const rows = await sql<{ customer_id: string; to_tier: string | null }[]>`
    SELECT DISTINCT ON (customer_id) customer_id, to_tier FROM tier_changes
    WHERE shop = ${shop} AND customer_id > ${after ?? ""}
    ORDER BY customer_id, seq DESC
    LIMIT ${limit}`;
  return {
    members: rows.filter((r) => r.to_tier !== null).map((r) => r.customer_id),
    next: rows.length === limit ? rows.at(-1)!.customer_id : null,
  };
}
