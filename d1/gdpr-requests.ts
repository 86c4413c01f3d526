// gdpr_requests: one row per GDPR request, its status and its timestamps (d1/schema.ts). The
// row is the durable copy of the request: the webhook answers once it is written, the jobs
// queue runs it, and the sweeper sends it again if it is still open after OPEN_REDRIVE_MS.
import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { GdprRequestType, GdprStatus } from "../core/gdpr";
import { d1 } from "./client";
import { gdprRequests } from "./schema";

export type GdprRequestRow = typeof gdprRequests.$inferSelect;

/** An open request untouched this long is sent to the jobs queue again by the sweeper. */
export const OPEN_REDRIVE_MS = 2 * 60_000;
/** A data bundle is kept this long after it is ready, then deleted from R2 by the sweeper. */
export const BUNDLE_RETENTION_MS = 30 * 24 * 60 * 60_000;

/** A request that failed this many times ends `failed` with its last reason. */
export const MAX_ATTEMPTS = 8;

export interface NewGdprRequest {
  shop: string;
  type: GdprRequestType;
  requestedBy: string;
  sourceId: string;
  customerId: string | null;
  customerHash: string | null;
  orders: string[];
  shopifyRequestId: string | null;
}

/** Idempotent on (shop, sourceId): a repeated delivery returns the first row. */
export async function recordGdprRequest(env: Pick<Env, "DB">, input: NewGdprRequest, now = Date.now()): Promise<{ row: GdprRequestRow; fresh: boolean }> {
  const inserted = await d1(env)
    .insert(gdprRequests)
    .values({
      id: crypto.randomUUID(),
      shop: input.shop,
      type: input.type,
      status: "received",
      requestedBy: input.requestedBy,
      sourceId: input.sourceId,
      customerId: input.customerId,
      customerHash: input.customerHash,
      orders: input.orders.length ? JSON.stringify(input.orders) : null,
      shopifyRequestId: input.shopifyRequestId,
      receivedAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning()
    .get();
  if (inserted) return { row: inserted, fresh: true };
  const existing = await d1(env)
    .select()
    .from(gdprRequests)
    .where(and(eq(gdprRequests.shop, input.shop), eq(gdprRequests.sourceId, input.sourceId)))
    .get();
  return { row: existing!, fresh: false };
}

export function getGdprRequest(env: Pick<Env, "DB">, id: string): Promise<GdprRequestRow | undefined> {
  return d1(env).select().from(gdprRequests).where(eq(gdprRequests.id, id)).get();
}

/** This shop's requests, newest first. */
export async function listGdprRequests(env: Pick<Env, "DB">, shop: string, page: number, perPage: number): Promise<{ rows: GdprRequestRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    d1(env)
      .select()
      .from(gdprRequests)
      .where(eq(gdprRequests.shop, shop))
      .orderBy(desc(gdprRequests.receivedAt), desc(gdprRequests.id))
      .limit(perPage)
      .offset((page - 1) * perPage)
      .all(),
    d1(env).select({ n: sql<number>`count(*)` }).from(gdprRequests).where(eq(gdprRequests.shop, shop)).get(),
  ]);
  return { rows, total: count?.n ?? 0 };
}

/** received|processing → processing (a retry re-claims its own row); null when already ended. */
export async function claimGdprRequest(env: Pick<Env, "DB">, id: string, now = Date.now()): Promise<GdprRequestRow | null> {
  const row = await d1(env)
    .update(gdprRequests)
    .set({ status: "processing", startedAt: sql`coalesce(${gdprRequests.startedAt}, ${now})`, attempts: sql`${gdprRequests.attempts} + 1`, updatedAt: now })
    .where(and(eq(gdprRequests.id, id), inArray(gdprRequests.status, ["received", "processing"])))
    .returning()
    .get();
  return row ?? null;
}

/** Done: the customer id and the orders are cleared; only the keyed hash stays. */
export async function finishGdprRequest(env: Pick<Env, "DB">, id: string, fields: { bundleKey?: string | null; reason?: string | null }, now = Date.now()): Promise<void> {
  await d1(env)
    .update(gdprRequests)
    .set({ status: "done", finishedAt: now, updatedAt: now, customerId: null, orders: null, reason: fields.reason ?? null, ...(fields.bundleKey !== undefined ? { bundleKey: fields.bundleKey } : {}) })
    .where(eq(gdprRequests.id, id))
    .run();
}

/** A passing failure: the reason is kept; the row stays open for the retry. */
export async function noteGdprFailure(env: Pick<Env, "DB">, id: string, reason: string, now = Date.now()): Promise<void> {
  await d1(env).update(gdprRequests).set({ reason: reason.slice(0, 500), updatedAt: now }).where(eq(gdprRequests.id, id)).run();
}

/** Final: failed with its reason (the customer id is cleared as for done). */
export async function failGdprRequest(env: Pick<Env, "DB">, id: string, reason: string, now = Date.now()): Promise<void> {
  await d1(env)
    .update(gdprRequests)
    .set({ status: "failed", reason: reason.slice(0, 500), finishedAt: now, updatedAt: now, customerId: null, orders: null })
    .where(eq(gdprRequests.id, id))
    .run();
}

/** Open requests not touched for OPEN_REDRIVE_MS, touched now (so two sweeps do not both send them). */
export async function claimStaleOpen(env: Pick<Env, "DB">, limit: number, now = Date.now()): Promise<string[]> {
  const rows = await d1(env)
    .update(gdprRequests)
    .set({ updatedAt: now })
    .where(
      and(
        inArray(gdprRequests.status, ["received", "processing"]),
        lt(gdprRequests.updatedAt, now - OPEN_REDRIVE_MS),
        sql`${gdprRequests.id} IN (SELECT id FROM gdpr_requests WHERE status IN ('received','processing') AND updated_at < ${now - OPEN_REDRIVE_MS} ORDER BY updated_at LIMIT ${limit})`,
      ),
    )
    .returning({ id: gdprRequests.id })
    .all();
  return rows.map((r) => r.id);
}

/** An open shop/redact for this shop (so two are not run at once). */
export async function requestsForShop(env: Pick<Env, "DB">, shop: string): Promise<GdprRequestRow[]> {
  return d1(env).select().from(gdprRequests).where(eq(gdprRequests.shop, shop)).all();
}

/** Data requests whose bundle is past BUNDLE_RETENTION_MS. */
export async function expiredBundles(env: Pick<Env, "DB">, limit: number, now = Date.now()): Promise<{ id: string; key: string }[]> {
  const rows = await d1(env)
    .select({ id: gdprRequests.id, key: gdprRequests.bundleKey })
    .from(gdprRequests)
    .where(and(sql`${gdprRequests.bundleKey} IS NOT NULL`, lt(gdprRequests.finishedAt, now - BUNDLE_RETENTION_MS)))
    .limit(limit)
    .all();
  return rows.map((r) => ({ id: r.id, key: r.key! }));
}

export async function forgetBundle(env: Pick<Env, "DB">, id: string): Promise<void> {
  await d1(env).update(gdprRequests).set({ bundleKey: null }).where(eq(gdprRequests.id, id)).run();
}

/** Of these (shop, customer hash) pairs, the ones with a customer redaction recorded (any status): `shop\u0000hash` keys. */
export async function redactedCustomerHashes(env: Pick<Env, "DB">, pairs: { shop: string; hash: string }[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < pairs.length; i += 45) {
    const chunk = pairs.slice(i, i + 45);
    const rows = await d1(env)
      .select({ shop: gdprRequests.shop, hash: gdprRequests.customerHash })
      .from(gdprRequests)
      .where(and(eq(gdprRequests.type, "redact"), or(...chunk.map((p) => and(eq(gdprRequests.shop, p.shop), eq(gdprRequests.customerHash, p.hash))))))
      .all();
    for (const r of rows) found.add(`${r.shop}\u0000${r.hash}`);
  }
  return found;
}
