// Every dead-letter queue lands here: the message is kept in D1 (nothing vanishes) and the
// sweeper re-drives it to its queue. The same message (queue and body) dead-lettered
// MAX_DEAD_LETTERINGS times is parked: final, with its reason, for an operator to read, instead
// of circling between its queue and this table forever. Parked rows are also written directly
// by consumers for events they know can never apply (parkMessage).
// Retention: re-driven rows are deleted after 7 days, parked ones after 14 (they may hold
// personal data, e.g. a customer profile event). A profile event's names and email are sealed
// before the row is written (sealPersonalFields), so D1 never holds them in the clear; the
// rest of the body (shop, customer id, points) stays readable for an operator and for a
// redaction to find the rows naming a customer (deleteDeadLettersFor).
import { and, asc, eq, inArray, isNotNull, isNull, lte, sql } from "drizzle-orm";
import { dataKeys, deadLetterContext, decryptText, encryptText, keyring } from "../core/crypto";
import { toHex, utf8 } from "../core/encoding";
import { d1 } from "../d1/client";
import { deadLetters } from "../d1/schema";
import { log } from "../core/log";

export const DEAD_LETTER_QUEUES: Record<string, keyof Pick<Env, "INGEST" | "LEDGER_EVENTS" | "NOTIFICATIONS" | "JOBS" | "LOGS">> = {
  "ingest-dlq": "INGEST",
  "ledger-events-dlq": "LEDGER_EVENTS",
  "notifications-dlq": "NOTIFICATIONS",
  "jobs-dlq": "JOBS",
  // Only audit records land in D1 from here (queues/logs.ts handleLogsDeadLetters).
  "logs-dlq": "LOGS",
};

export const MAX_DEAD_LETTERINGS = 3;
export const REDRIVEN_RETENTION_MS = 7 * 24 * 60 * 60_000;
export const PARKED_RETENTION_MS = 14 * 24 * 60 * 60_000;

async function bodyHash(queue: string, body: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(`${queue}\n${body}`))));
}

export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    // A consumer that gave up says why (queues/notifications.ts): final, parked with its reason.
    const given = givenUp(message.body);
    if (given) await parkMessage(env, batch.queue, message.body, given.tries, given.reason);
    else await recordDeadLetter(env, batch.queue, message.body, message.attempts);
  }
  batch.ackAll();
}

export async function recordDeadLetter(env: Env, queue: string, body: unknown, attempts: number, now = Date.now()): Promise<void> {
  const text = JSON.stringify(body);
  await d1(env)
    .insert(deadLetters)
    .values({ queue, body: await sealPersonalFields(env, queue, body), attempts, bodyHash: await bodyHash(queue, text), createdAt: now })
    .onConflictDoUpdate({
      target: [deadLetters.queue, deadLetters.bodyHash],
      set: {
        deadCount: sql`${deadLetters.deadCount} + 1`,
        attempts: sql`excluded.attempts`,
        redrivenAt: null,
        status: sql`CASE WHEN ${deadLetters.status} = 'parked' OR ${deadLetters.deadCount} + 1 >= ${MAX_DEAD_LETTERINGS} THEN 'parked' ELSE 'pending' END`,
        reason: sql`CASE WHEN ${deadLetters.status} = 'parked' THEN ${deadLetters.reason} ELSE 'dead-lettered ' || (${deadLetters.deadCount} + 1) || ' times, ' || excluded.attempts || ' tries each' END`,
      },
    })
    .run();
}

function givenUp(body: unknown): { reason: string; tries: number } | null {
  const dead = typeof body === "object" && body !== null ? (body as { dead_letter?: { reason?: unknown; tries?: unknown } }).dead_letter : undefined;
  return dead && typeof dead.reason === "string" ? { reason: dead.reason, tries: Number(dead.tries) || 0 } : null;
}

/** Parks a message its consumer knows can never apply: final, with the reason, no re-drive. */
export async function parkMessage(env: Env, queue: string, body: unknown, attempts: number, reason: string, now = Date.now()): Promise<void> {
  const text = JSON.stringify(body);
  log.error(`parked a ${queue} message after ${attempts} tries: ${reason}`);
  await d1(env)
    .insert(deadLetters)
    .values({ queue, body: await sealPersonalFields(env, queue, body), attempts, bodyHash: await bodyHash(queue, text), createdAt: now, status: "parked", reason: reason.slice(0, 500) })
    .onConflictDoUpdate({
      target: [deadLetters.queue, deadLetters.bodyHash],
      set: { status: "parked", reason: reason.slice(0, 500), attempts, redrivenAt: null },
    })
    .run();
}

/** Sends pending dead letters older than `minAgeMs` back to their queue, once each. */
export async function redriveDeadLetters(env: Env, minAgeMs: number, limit = 100, now = Date.now()): Promise<number> {
  const db = d1(env);
  const due = await db
    .select()
    .from(deadLetters)
    .where(and(eq(deadLetters.status, "pending"), isNull(deadLetters.redrivenAt), lte(deadLetters.createdAt, now - minAgeMs)))
    .orderBy(asc(deadLetters.createdAt))
    .limit(limit)
    .all();
  for (const row of due) {
    const target = DEAD_LETTER_QUEUES[row.queue];
    if (target) await env[target].send(await openPersonalFields(env, row.queue, JSON.parse(row.body)), { contentType: "json" });
  }
  if (due.length) {
    await db.update(deadLetters).set({ redrivenAt: now }).where(inArray(deadLetters.id, due.map((r) => r.id))).run();
  }
  return due.length;
}

/** Deletes dead letters past their retention. */
export async function purgeDeadLetters(env: Env, now = Date.now()): Promise<number> {
  const db = d1(env);
  const redriven = await db
    .delete(deadLetters)
    .where(and(eq(deadLetters.status, "pending"), isNotNull(deadLetters.redrivenAt), lte(deadLetters.redrivenAt, now - REDRIVEN_RETENTION_MS)))
    .returning({ id: deadLetters.id })
    .all();
  const parked = await db
    .delete(deadLetters)
    .where(and(eq(deadLetters.status, "parked"), lte(deadLetters.createdAt, now - PARKED_RETENTION_MS)))
    .returning({ id: deadLetters.id })
    .all();
  return redriven.length + parked.length;
}

/** A customer_profile event's `profile` (names, email) becomes `profile_sealed`; other bodies are kept as they are. */
export async function sealPersonalFields(env: Pick<Env, "ENCRYPTION_KEY">, queue: string, body: unknown): Promise<string> {
  if (!isProfileEvent(body)) return JSON.stringify(body);
  const { profile, ...rest } = body;
  const sealed = await encryptText(await dataKeys(env.ENCRYPTION_KEY), JSON.stringify(profile), deadLetterContext(queue));
  return JSON.stringify({ ...rest, profile_sealed: sealed });
}

/** The message as it was sent (the profile opened again). */
export async function openPersonalFields(env: Pick<Env, "ENCRYPTION_KEY">, queue: string, body: unknown): Promise<unknown> {
  if (typeof body !== "object" || body === null || typeof (body as { profile_sealed?: unknown }).profile_sealed !== "string") return body;
  const { profile_sealed, ...rest } = body as { profile_sealed: string };
  return { ...rest, profile: JSON.parse(await decryptText(await keyring(env), profile_sealed, deadLetterContext(queue))) };
}

function isProfileEvent(body: unknown): body is { type: "customer_profile"; profile: unknown } {
  return typeof body === "object" && body !== null && (body as { type?: unknown }).type === "customer_profile" && "profile" in body;
}

/** Deletes every dead letter naming this customer of this shop (a redaction). */
export async function deleteDeadLettersFor(env: Pick<Env, "DB">, shop: string, customerId: string): Promise<number> {
  const rows = await d1(env)
    .delete(deadLetters)
    .where(
      and(
        sql`${deadLetters.body} LIKE ${`%${JSON.stringify(shop).slice(1, -1)}%`}`,
        sql`(${deadLetters.body} LIKE ${`%"customer_id":"${customerId}"%`} OR ${deadLetters.body} LIKE ${`%"customerId":"${customerId}"%`})`,
      ),
    )
    .returning({ id: deadLetters.id })
    .all();
  return rows.length;
}

/** Deletes every dead letter of this shop (shop/redact). */
export async function deleteDeadLettersOfShop(env: Pick<Env, "DB">, shop: string): Promise<number> {
  const rows = await d1(env)
    .delete(deadLetters)
    .where(sql`${deadLetters.body} LIKE ${`%"shop":"${shop}"%`}`)
    .returning({ id: deadLetters.id })
    .all();
  return rows.length;
}
