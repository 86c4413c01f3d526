// The order → customer index: which customer's account an order belongs to, for the topics
// whose payload names only the order (refunds). Filled from each account's outbox.
import { and, eq } from "drizzle-orm";
import { d1 } from "./client";
import { orderIndex } from "./schema";

/** The order index's customer for orders placed without an account. */
export const GUEST = "";

export async function customerForOrder(env: Env, shop: string, orderGid: string): Promise<string | null> {
  const row = await d1(env)
    .select({ customerId: orderIndex.customerId })
    .from(orderIndex)
    .where(and(eq(orderIndex.shop, shop), eq(orderIndex.orderGid, orderGid)))
    .get();
  return row?.customerId ?? null;
}

/** Idempotent; returns the orders that were new to the index. */
export async function indexOrders(
  env: Env,
  entries: { shop: string; orderGid: string; customerId: string }[],
  now = Date.now(),
): Promise<{ shop: string; orderGid: string }[]> {
  if (entries.length === 0) return [];
  const insert = env.DB.prepare(
    `INSERT INTO order_index (shop, order_gid, customer_id, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT DO NOTHING RETURNING shop, order_gid`,
  );
  const results = await env.DB.batch<{ shop: string; order_gid: string }>(
    entries.map((e) => insert.bind(e.shop, e.orderGid, e.customerId, now)),
  );
  return results.flatMap((r) => r.results.map((row) => ({ shop: row.shop, orderGid: row.order_gid })));
}
