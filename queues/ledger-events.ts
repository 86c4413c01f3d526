// ledger-events: each customer's outbox → the Postgres projection (idempotent upserts), the
// order → customer index in D1, and back to the account to confirm what is now projected.
import type { LedgerEvent } from "../durable-objects/customer-account-types";
import { customerAccount } from "../durable-objects/stubs";
import { indexOrders, parkedForOrder } from "../d1/inbox";
import { withReporting } from "../postgres/client";
import { projectEvents } from "../postgres/projection";
import { retryDelaySeconds } from "./backoff";

export async function handleLedgerEvents(batch: MessageBatch<LedgerEvent>, env: Env): Promise<void> {
  const events = batch.messages.map((m) => m.body);
  try {
    await withReporting(env, null, (sql) => projectEvents(sql, events));
    const fresh = await indexOrders(
      env,
      events.flatMap((e) => (e.type === "order_seen" ? [{ shop: e.shop, orderGid: e.order_gid, customerId: e.customer_id }] : [])),
    );
    await redriveParkedRefunds(env, fresh);
    await confirmDelivered(env, events);
  } catch (error) {
    console.warn(`ledger-events: batch of ${events.length} failed, retrying`, String(error));
    for (const message of batch.messages) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return;
  }
  batch.ackAll();
}

/** Refunds that arrived before their order was indexed go back to ingest now. */
async function redriveParkedRefunds(env: Env, orders: { shop: string; orderGid: string }[]): Promise<void> {
  for (const { shop, orderGid } of orders) {
    const ids = await parkedForOrder(env, shop, orderGid);
    if (ids.length) await env.INGEST.sendBatch(ids.map((inbox_id) => ({ body: { inbox_id } })));
  }
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
