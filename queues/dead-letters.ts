// Every dead-letter queue lands here: the message is kept in D1 (nothing vanishes) and the
// sweeper re-drives it to its queue later.
import { and, asc, inArray, isNull, lte } from "drizzle-orm";
import { d1 } from "../d1/client";
import { deadLetters } from "../d1/schema";

export const DEAD_LETTER_QUEUES: Record<string, keyof Pick<Env, "INGEST" | "LEDGER_EVENTS" | "NOTIFICATIONS" | "JOBS">> = {
  "ingest-dlq": "INGEST",
  "ledger-events-dlq": "LEDGER_EVENTS",
  "notifications-dlq": "NOTIFICATIONS",
  "jobs-dlq": "JOBS",
};

export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = d1(env);
  const rows = batch.messages.map((m) => ({ queue: batch.queue, body: JSON.stringify(m.body), attempts: m.attempts }));
  // D1 caps bound parameters at 100 per statement: 3 columns → 30 rows per insert.
  for (let i = 0; i < rows.length; i += 30) await db.insert(deadLetters).values(rows.slice(i, i + 30)).run();
  batch.ackAll();
}

/** Sends dead letters older than `minAgeMs` back to their queue, once each sweep. */
export async function redriveDeadLetters(env: Env, minAgeMs: number, limit = 100, now = Date.now()): Promise<number> {
  const db = d1(env);
  const due = await db
    .select()
    .from(deadLetters)
    .where(and(isNull(deadLetters.redrivenAt), lte(deadLetters.createdAt, now - minAgeMs)))
    .orderBy(asc(deadLetters.createdAt))
    .limit(limit)
    .all();
  for (const row of due) {
    const target = DEAD_LETTER_QUEUES[row.queue];
    if (!target) continue;
    await env[target].send(JSON.parse(row.body), { contentType: "json" });
  }
  if (due.length) {
    await db.update(deadLetters).set({ redrivenAt: now }).where(inArray(deadLetters.id, due.map((r) => r.id))).run();
  }
  return due.length;
}
