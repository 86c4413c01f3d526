// The durable webhook inbox: deliveries that could not be applied at once (refunds whose
// order is unknown here, shop-level topics). Rows stay until processed; the sweeper re-drives.
import { and, eq, inArray, lte, sql } from "drizzle-orm";
import { d1 } from "./client";
import { orderIndex, webhookInbox } from "./schema";

export type InboxRow = typeof webhookInbox.$inferSelect;

/** The order index's customer for orders placed without an account. */
export const GUEST = "";

/** A refund whose order is still unknown after this long is given up (status rejected). */
export const PARKED_GIVE_UP_MS = 7 * 24 * 60 * 60_000;

/** Parked refunds are retried on this schedule until their order is seen (capped). */
export function nextAttemptDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.min(attempts, 6), 60 * 60_000);
}

/** Records a delivery; a repeated delivery (same shop + id) returns the existing row's id. */
export async function recordInbox(
  env: Env,
  entry: { shop: string; topic: string; deliveryId: string; body: string; orderGid: string | null },
  now = Date.now(),
): Promise<{ id: number; fresh: boolean }> {
  const inserted = await d1(env)
    .insert(webhookInbox)
    .values({ ...entry, status: "pending", attempts: 0, receivedAt: now, nextAttemptAt: now + 60_000 })
    .onConflictDoNothing()
    .returning({ id: webhookInbox.id })
    .get();
  if (inserted) return { id: inserted.id, fresh: true };
  const existing = await d1(env)
    .select({ id: webhookInbox.id })
    .from(webhookInbox)
    .where(and(eq(webhookInbox.shop, entry.shop), eq(webhookInbox.deliveryId, entry.deliveryId)))
    .get();
  return { id: existing!.id, fresh: false };
}

export async function getInbox(env: Env, id: number): Promise<InboxRow | undefined> {
  return d1(env).select().from(webhookInbox).where(eq(webhookInbox.id, id)).get();
}

export async function markProcessed(env: Env, id: number, now = Date.now()): Promise<void> {
  await d1(env)
    .update(webhookInbox)
    .set({ status: "processed", processedAt: now, lastError: null })
    .where(eq(webhookInbox.id, id))
    .run();
}

export async function markRejected(env: Env, id: number, reason: string, now = Date.now()): Promise<void> {
  await d1(env)
    .update(webhookInbox)
    .set({ status: "rejected", processedAt: now, lastError: reason.slice(0, 500) })
    .where(eq(webhookInbox.id, id))
    .run();
}

export async function markParked(env: Env, row: InboxRow, reason: string, now = Date.now()): Promise<"parked" | "rejected"> {
  if (now - row.receivedAt > PARKED_GIVE_UP_MS) {
    await markRejected(env, row.id, `${reason}: given up after 7 days`, now);
    return "rejected";
  }
  await d1(env)
    .update(webhookInbox)
    .set({
      status: "parked",
      attempts: row.attempts + 1,
      nextAttemptAt: now + nextAttemptDelayMs(row.attempts + 1),
      lastError: reason.slice(0, 500),
    })
    .where(eq(webhookInbox.id, row.id))
    .run();
  return "parked";
}

/** Unprocessed rows whose time has come; claimed by pushing their next attempt forward. */
export async function claimDue(env: Env, limit: number, now = Date.now()): Promise<number[]> {
  const rows = await d1(env)
    .update(webhookInbox)
    .set({ nextAttemptAt: now + 60_000 })
    .where(
      and(
        inArray(webhookInbox.status, ["pending", "parked"]),
        lte(webhookInbox.nextAttemptAt, now),
        sql`${webhookInbox.id} IN (SELECT id FROM webhook_inbox WHERE status IN ('pending','parked') AND next_attempt_at <= ${now} ORDER BY next_attempt_at LIMIT ${limit})`,
      ),
    )
    .returning({ id: webhookInbox.id })
    .all();
  return rows.map((r) => r.id);
}

/** Inbox entries (refunds) waiting for any of these just-indexed orders: one query per shop and 90 orders. */
export async function waitingForOrders(env: Env, orders: { shop: string; orderGid: string }[]): Promise<number[]> {
  const byShop = new Map<string, string[]>();
  for (const { shop, orderGid } of orders) byShop.set(shop, [...(byShop.get(shop) ?? []), orderGid]);
  const ids: number[] = [];
  for (const [shop, gids] of byShop) {
    for (let i = 0; i < gids.length; i += 90) {
      const rows = await d1(env)
        .select({ id: webhookInbox.id })
        .from(webhookInbox)
        .where(
          and(
            eq(webhookInbox.shop, shop),
            inArray(webhookInbox.orderGid, gids.slice(i, i + 90)),
            inArray(webhookInbox.status, ["pending", "parked"]),
          ),
        )
        .all();
      ids.push(...rows.map((r) => r.id));
    }
  }
  return ids;
}

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

/** Refunds that arrived before these orders were indexed go (back) to ingest now. */
export async function redriveWaitingFor(env: Env, orders: { shop: string; orderGid: string }[]): Promise<number> {
  if (orders.length === 0) return 0;
  const ids = await waitingForOrders(env, orders);
  await sendToIngest(env, ids);
  return ids.length;
}

/** Hands inbox entries to the ingest queue; the inbox row stays the durable copy. */
export async function sendToIngest(env: Pick<Env, "INGEST">, ids: number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 100) {
    await env.INGEST.sendBatch(ids.slice(i, i + 100).map((inbox_id) => ({ body: { inbox_id } })));
  }
}
