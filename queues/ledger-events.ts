// ledger-events: each customer's outbox → two independent sinks, then back to the account to
// confirm what each sink now holds:
// - D1: the order → customer index, and the refunds waiting for those orders (order_seen);
// - Postgres: the reporting projection (ledger entries and profiles; idempotent upserts).
// Neither waits on the other: with Postgres down, orders are still indexed and their refunds
// released, and only the events Postgres must hold stay in the queue and the outbox.
import { queueRetryDelaySeconds } from "../core/backoff";
import type { LedgerEvent } from "../core/ledger-events";
import { redriveWaitingFor } from "../d1/inbox";
import { indexOrders } from "../d1/order-index";
import { customerAccount } from "../durable-objects/stubs";
import { withReporting, type Sql } from "../postgres/client";
import { projectEvents } from "../postgres/projection";
import { parkMessage } from "./dead-letters";

type LedgerMessage = Message<LedgerEvent>;

/** An event Postgres refuses as bad data this many times is parked instead of retried. */
export const POISON_AFTER_ATTEMPTS = 3;

export async function handleLedgerEvents(batch: MessageBatch<LedgerEvent>, env: Env): Promise<void> {
  const orders = batch.messages.filter((m) => m.body.type === "order_seen");
  const reporting = batch.messages.filter((m) => m.body.type !== "order_seen");
  const [indexed, projected] = await Promise.all([indexAndRelease(env, orders), project(env, reporting)]);
  const done = [...indexed, ...projected];
  try {
    await confirmDelivered(env, done.map((m) => m.body));
  } catch (error) {
    console.warn("ledger-events: confirmation failed, retrying", String(error));
    retry(done);
    return;
  }
  for (const message of done) message.ack();
}

/** order_seen → D1. Returns the messages done; the rest are retried. */
async function indexAndRelease(env: Env, messages: LedgerMessage[]): Promise<LedgerMessage[]> {
  if (messages.length === 0) return [];
  try {
    const orders = messages.map((m) => m.body as Extract<LedgerEvent, { type: "order_seen" }>);
    const entries = orders.map((e) => ({ shop: e.shop, orderGid: e.order_gid, customerId: e.customer_id }));
    await indexOrders(env, entries);
    // Every order of the batch, not only newly indexed ones: a retried batch finds its orders
    // already indexed, and the refunds waiting for them must not wait for the sweeper.
    await redriveWaitingFor(env, entries);
    return messages;
  } catch (error) {
    console.warn(`ledger-events: order index failed for ${messages.length} events, retrying`, String(error));
    retry(messages);
    return [];
  }
}

/** Ledger entries and profiles → Postgres. Returns the messages done; the rest are retried. */
async function project(env: Env, messages: LedgerMessage[]): Promise<LedgerMessage[]> {
  if (messages.length === 0) return [];
  try {
    return await withReporting(env, null, (sql) => projectIsolatingFailures(env, sql, messages));
  } catch (error) {
    console.warn(`ledger-events: Postgres unavailable for ${messages.length} events, retrying`, String(error));
    retry(messages);
    return [];
  }
}

/**
 * The whole batch in one transaction; if that fails, event by event, so one event Postgres
 * refuses is retried alone instead of holding back the rest, and parked once it has been
 * refused as bad data POISON_AFTER_ATTEMPTS times. A failure to reach Postgres at all
 * propagates: then every message is retried.
 */
async function projectIsolatingFailures(env: Env, sql: Sql, messages: readonly LedgerMessage[]): Promise<LedgerMessage[]> {
  try {
    await projectEvents(sql, messages.map((m) => m.body));
    return [...messages];
  } catch (error) {
    if (isConnectionFailure(error)) throw error;
  }
  const done: LedgerMessage[] = [];
  for (const message of messages) {
    try {
      await projectEvents(sql, [message.body]);
      done.push(message);
    } catch (error) {
      if (isConnectionFailure(error)) throw error;
      if (isBadData(error) && message.attempts >= POISON_AFTER_ATTEMPTS) {
        // Final: recorded with its reason for an operator; the account may drop it from its outbox.
        await parkMessage(env, "ledger-events", message.body, message.attempts, `Postgres refused it: ${String(error)}`);
        done.push(message);
        continue;
      }
      console.error("ledger-events: Postgres refused an event, retrying it alone", message.id, String(error));
      retry([message]);
    }
  }
  return done;
}

function sqlState(error: unknown): string | null {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" ? code : null;
}

function isConnectionFailure(error: unknown): boolean {
  const code = sqlState(error);
  // Postgres SQLSTATE classes 08 (connection) and 57P (shutdown), and socket-level failures.
  if (code && (/^08/.test(code) || /^57P/.test(code))) return true;
  return /connect|socket|closed|ECONNREFUSED|timeout|terminat/i.test(String((error as Error)?.message ?? error));
}

/** SQLSTATE 22 (data exception) and 23 (integrity): the same event will be refused every time. */
function isBadData(error: unknown): boolean {
  const code = sqlState(error);
  return code !== null && /^2[23]/.test(code);
}

function retry(messages: readonly LedgerMessage[]): void {
  for (const message of messages) message.retry({ delaySeconds: queueRetryDelaySeconds(message.attempts) });
}

/** Each account drops the outbox rows its sinks now hold. */
async function confirmDelivered(env: Env, events: LedgerEvent[]): Promise<void> {
  const byAccount = new Map<string, { shop: string; customerId: string; seqs: number[] }>();
  for (const e of events) {
    const key = `${e.shop}:${e.customer_id}`;
    const group = byAccount.get(key) ?? { shop: e.shop, customerId: e.customer_id, seqs: [] };
    group.seqs.push(e.outbox_seq);
    byAccount.set(key, group);
  }
  await Promise.all(
    [...byAccount.values()].map((g) => customerAccount(env, g.shop, g.customerId).outboxDelivered(g.seqs)),
  );
}
