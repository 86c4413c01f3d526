// The durable webhook inbox: deliveries that could not be applied at once (refunds whose
// order is unknown here, shop-level topics, loyalty topics for a shop not installed). A row is
//   pending   recorded and handed to ingest; the sweeper re-drives it if that message is lost
//   parked    waiting (for its order, or for the shop to install); retried with backoff
//   processed applied; its body is cleared at once
// A body is stored minimised (only the fields its topic's schema reads: no addresses, no
// order customer's email or phone) and sealed (core/crypto, inboxBodyContext): D1's files never
// hold a webhook's personal data in the clear, so the bytes a deleted row leaves in SQLite's
// free pages or WAL are ciphertext. Rows written before sealing are read as they are.
//   rejected  final: invalid, or given up after PARKED_GIVE_UP_MS, with the reason
// and rows are purged INBOX_RETENTION_MS after they end (purgeInbox, run by the sweeper).
import { and, eq, inArray, lte, sql } from "drizzle-orm";
import { backoffMs, type BackoffPolicy } from "../core/backoff";
import { dataKeys, decryptText, encryptText, inboxBodyContext, keyring } from "../core/crypto";
import { d1 } from "./client";
import { webhookInbox } from "./schema";

export type InboxRow = typeof webhookInbox.$inferSelect;

/** A row that still cannot apply after this long is given up (status rejected). */
export const PARKED_GIVE_UP_MS = 7 * 24 * 60 * 60_000;

/** Processed and rejected rows are deleted this long after they ended. */
export const INBOX_RETENTION_MS = 14 * 24 * 60 * 60_000;

/** Parked entries are retried every minute, doubling to hourly, until they can apply. */
export const PARKED_RETRY: BackoffPolicy = { baseMs: 60_000, maxMs: 60 * 60_000 };

/** A pending row's ingest message gets this long before the sweeper sends it again. */
const PENDING_GRACE_MS = 60_000;

export interface InboxEntry {
  shop: string;
  topic: string;
  deliveryId: string;
  body: string;
  orderGid: string | null;
  triggeredAt: number | null;
}

/**
 * Records a delivery; a repeated delivery (same shop + id) returns the existing row's id.
 * `parked` rows wait for their retry schedule instead of going to ingest now.
 */
export async function recordInbox(
  env: Env,
  entry: InboxEntry & { parkedBecause?: string },
  now = Date.now(),
): Promise<{ id: number; fresh: boolean }> {
  const { parkedBecause, ...row } = entry;
  const inserted = await d1(env)
    .insert(webhookInbox)
    .values({
      ...row,
      status: parkedBecause ? "parked" : "pending",
      lastError: parkedBecause ?? null,
      attempts: 0,
      receivedAt: now,
      nextAttemptAt: now + (parkedBecause ? PARKED_RETRY.baseMs : PENDING_GRACE_MS),
    })
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

/** Done: the body is no longer needed, and it may hold personal data, so it goes now. */
export async function markProcessed(env: Env, id: number, now = Date.now()): Promise<void> {
  await d1(env)
    .update(webhookInbox)
    .set({ status: "processed", processedAt: now, lastError: null, body: "" })
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

/** Not applicable yet: waits on the backoff schedule, or ends rejected once too old. */
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
      nextAttemptAt: now + backoffMs(PARKED_RETRY, row.attempts + 1),
      lastError: reason.slice(0, 500),
    })
    .where(eq(webhookInbox.id, row.id))
    .run();
  return "parked";
}

/** A failed try (the consumer threw): the reason is kept for whoever looks, and the row ages out. */
export async function recordFailure(env: Env, id: number, reason: string): Promise<void> {
  await d1(env)
    .update(webhookInbox)
    .set({ attempts: sql`${webhookInbox.attempts} + 1`, lastError: reason.slice(0, 500) })
    .where(eq(webhookInbox.id, id))
    .run();
}

/** Unprocessed rows whose time has come; claimed by pushing their next attempt forward. */
export async function claimDue(env: Env, limit: number, now = Date.now()): Promise<number[]> {
  const rows = await d1(env)
    .update(webhookInbox)
    .set({ nextAttemptAt: now + PENDING_GRACE_MS })
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

/**
 * Rows that never applied within PARKED_GIVE_UP_MS end rejected with their last error (a
 * pending row whose every try failed would otherwise be re-driven forever).
 */
export async function giveUpStale(env: Env, now = Date.now()): Promise<number> {
  const rows = await d1(env)
    .update(webhookInbox)
    .set({
      status: "rejected",
      processedAt: now,
      lastError: sql`substr('given up after 7 days: ' || coalesce(${webhookInbox.lastError}, 'never applied'), 1, 500)`,
    })
    .where(and(inArray(webhookInbox.status, ["pending", "parked"]), lte(webhookInbox.receivedAt, now - PARKED_GIVE_UP_MS)))
    .returning({ id: webhookInbox.id })
    .all();
  return rows.length;
}

/** Deletes ended rows past their retention. */
export async function purgeInbox(env: Env, now = Date.now()): Promise<number> {
  const rows = await d1(env)
    .delete(webhookInbox)
    .where(and(inArray(webhookInbox.status, ["processed", "rejected"]), lte(webhookInbox.processedAt, now - INBOX_RETENTION_MS)))
    .returning({ id: webhookInbox.id })
    .all();
  return rows.length;
}

/** Inbox entries (refunds) waiting for any of these orders: one query per shop and 90 orders. */
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

/** Refunds that arrived before these orders were indexed go (back) to ingest now. */
export async function redriveWaitingFor(env: Env, orders: { shop: string; orderGid: string }[]): Promise<number> {
  if (orders.length === 0) return 0;
  const ids = await waitingForOrders(env, orders);
  await sendToIngest(env, ids);
  return ids.length;
}

/** Everything a shop has parked goes again now (it has just installed, or reinstalled). */
export async function redriveParked(env: Env, shop: string, now = Date.now()): Promise<number> {
  const rows = await d1(env)
    .update(webhookInbox)
    .set({ nextAttemptAt: now + PENDING_GRACE_MS })
    .where(and(eq(webhookInbox.shop, shop), inArray(webhookInbox.status, ["pending", "parked"])))
    .returning({ id: webhookInbox.id })
    .all();
  await sendToIngest(env, rows.map((r) => r.id));
  return rows.length;
}

/** Hands inbox entries to the ingest queue; the inbox row stays the durable copy. */
export async function sendToIngest(env: Pick<Env, "INGEST">, ids: number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 100) {
    await env.INGEST.sendBatch(ids.slice(i, i + 100).map((inbox_id) => ({ body: { inbox_id } })));
  }
}

/** The body to store: `minimised` (JSON text) sealed under the shop's inbox context. */
export async function sealInboxBody(env: Pick<Env, "ENCRYPTION_KEY">, shop: string, minimised: string): Promise<string> {
  return encryptText(await dataKeys(env.ENCRYPTION_KEY), minimised, inboxBodyContext(shop));
}

/** The stored body's JSON text (sealed bodies opened; plain ones, written before sealing, as they are). */
export async function openInboxBody(env: Pick<Env, "ENCRYPTION_KEY">, row: Pick<InboxRow, "shop" | "body">): Promise<string> {
  if (!row.body.startsWith("v2.")) return row.body;
  return decryptText(await keyring(env), row.body, inboxBodyContext(row.shop));
}
