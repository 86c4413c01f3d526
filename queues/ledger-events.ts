// ledger-events: each customer's outbox → the Postgres projection (idempotent upserts), the
// order → customer index in D1, and back to the account to confirm what is now projected.
import type { LedgerEvent } from "../durable-objects/customer-account-types";
import { customerAccount } from "../durable-objects/stubs";
import { indexOrders, redriveWaitingFor } from "../d1/inbox";
import { withReporting, type Sql } from "../postgres/client";
import { projectEvents } from "../postgres/projection";
import { retryDelaySeconds } from "./backoff";

type LedgerMessage = Message<LedgerEvent>;

export async function handleLedgerEvents(batch: MessageBatch<LedgerEvent>, env: Env): Promise<void> {
  let projected: LedgerMessage[];
  try {
    projected = await withReporting(env, null, (sql) => projectIsolatingFailures(sql, batch.messages));
  } catch (error) {
    console.warn(`ledger-events: Postgres unavailable for ${batch.messages.length} events, retrying`, String(error));
    retry(batch.messages);
    return;
  }
  try {
    const events = projected.map((m) => m.body);
    const orders = events.flatMap((e) => (e.type === "order_seen" ? [{ shop: e.shop, orderGid: e.order_gid, customerId: e.customer_id }] : []));
    await indexOrders(env, orders);
    // Every order of the batch, not only newly indexed ones: a retried batch finds its orders
    // already indexed, and the refunds waiting for them must not wait for the sweeper.
    await redriveWaitingFor(env, orders);
    await confirmDelivered(env, events);
  } catch (error) {
    console.warn("ledger-events: index or confirmation failed, retrying", String(error));
    retry(projected);
    return;
  }
  for (const message of projected) message.ack();
}

/**
 * The whole batch in one transaction; if that fails, event by event, so one event Postgres
 * refuses is retried (and dead-lettered) alone instead of holding back the rest. A failure
 * to reach Postgres at all propagates: then every message is retried.
 */
async function projectIsolatingFailures(sql: Sql, messages: readonly LedgerMessage[]): Promise<LedgerMessage[]> {
  try {
    await projectEvents(sql, messages.map((m) => m.body));
    return [...messages];
  } catch (error) {
    if (messages.length === 1 || isConnectionFailure(error)) throw error;
  }
  const projected: LedgerMessage[] = [];
  for (const message of messages) {
    try {
      await projectEvents(sql, [message.body]);
      projected.push(message);
    } catch (error) {
      if (isConnectionFailure(error)) throw error;
      console.error("ledger-events: Postgres refused an event, retrying it alone", message.id, String(error));
      retry([message]);
    }
  }
  return projected;
}

function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  // Postgres SQLSTATE classes 08 (connection) and 57P (shutdown), and socket-level failures.
  if (typeof code === "string" && (/^08/.test(code) || /^57P/.test(code))) return true;
  return /connect|socket|closed|ECONNREFUSED|timeout|terminat/i.test(String((error as Error)?.message ?? error));
}

function retry(messages: readonly LedgerMessage[]): void {
  for (const message of messages) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
}

/** Each account drops the outbox rows the projection now holds. */
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
