// ledger-events: each customer's outbox → two independent sinks, then back to the account to
// confirm what each sink now holds:
// - D1: the order → customer index, and the refunds waiting for those orders (order_seen);
// - Postgres: the reporting projection (ledger entries and profiles; idempotent upserts);
// - D1: the shop's plan usage (order_usage → d1/plans.ts recordOrderUsage), which also tells
//   the merchant at 80% and 100% of the month's limit.
// Neither waits on the other: with Postgres down, orders are still indexed and their refunds
// released, and the events Postgres must hold stay in their accounts' outboxes only.
// While Postgres is unreachable its events are acknowledged unconfirmed, not retried: each
// account's alarm resends them (OUTBOX_RESEND, at most a minute apart), so the queue stays
// light for what can still be done. Retried here instead, every event of an outage circled
// in the queue and held the order index up behind it: in the fault suite a refund waiting
// for its order took over 120 s to apply (issue 8's note).
// Events that tell the customer something (points earned, a reward issued, a tier reached,
// points expiring) queue their notifications first (queues/notification-producer.ts), and
// their email_events `queued` rows are written with the projection.
// A referral event (a friend's referral changed) first updates the advocate's account
// (queues/referral-advocates.ts): their side's reward is given or taken back there.
// A tier_changed event also queues a publish_customer_tier job (queues/jobs.ts) before it is
// projected: the outbox delivers every event at least once, so the customer's tier metafield
// follows every change without a second delivery path; repeats are harmless, since the job
// publishes the tier held when it runs, not the one in the event.
import { queueRetryDelaySeconds } from "../core/backoff";
import type { LedgerEvent } from "../core/ledger-events";
import { redriveWaitingFor } from "../d1/inbox";
import { indexOrders } from "../d1/order-index";
import { recordOrderUsage } from "../d1/plans";
import { customerAccount } from "../durable-objects/stubs";
import { withReporting, type Sql } from "../postgres/client";
import { insertQueuedNotifications, projectEvents, type QueuedNotification } from "../postgres/projection";
import { refileRedacted } from "../postgres/gdpr";
import { customerKeyedHash, dataKeys } from "../core/crypto";
import { redactedCustomerHashes } from "../d1/gdpr-requests";
import { parkMessage } from "./dead-letters";
import { customerTiersPublished, sendJobs } from "./jobs";
import { withNotificationsQueued } from "./notification-producer";
import { withAdvocatesUpdated } from "./referral-advocates";
import { log } from "../core/log";

type LedgerMessage = Message<LedgerEvent>;

/** An event Postgres refuses as bad data this many times is parked instead of retried. */
export const POISON_AFTER_ATTEMPTS = 3;

export async function handleLedgerEvents(batch: MessageBatch<LedgerEvent>, env: Env): Promise<void> {
  const orders = batch.messages.filter((m) => m.body.type === "order_seen");
  const usage = batch.messages.filter((m) => m.body.type === "order_usage");
  const others = batch.messages.filter((m) => m.body.type !== "order_seen" && m.body.type !== "order_usage");
  // The order index (and the refunds it releases) waits on nothing else: not Postgres, not the jobs queue.
  const [indexed, counted, projected] = await Promise.all([
    indexAndRelease(env, orders),
    countUsage(env, usage),
    withAdvocatesUpdated(env, others, retry)
      .then((applied) => withTierPublishesQueued(env, applied))
      .then((reporting) => withNotificationsQueued(env, reporting, retry))
      .then(({ messages, queued }) => project(env, messages, queued)),
  ]);
  const done = [...indexed, ...counted, ...projected];
  try {
    await confirmDelivered(env, done.map((m) => m.body));
  } catch (error) {
    log.warn("ledger-events: confirmation failed, retrying", String(error));
    retry(done);
    return;
  }
  for (const message of done) message.ack();
}

/**
 * Queues one publish_customer_tier job per customer whose tier changed in these messages.
 * Returns the messages to go on with; if the send failed, the tier_changed ones are retried
 * instead (and projected when they come back).
 */
async function withTierPublishesQueued(env: Env, messages: LedgerMessage[]): Promise<LedgerMessage[]> {
  const tierChanges = messages.filter((m) => m.body.type === "tier_changed");
  if (tierChanges.length === 0) return messages;
  const customers = new Map(tierChanges.map((m) => [`${m.body.shop}:${m.body.customer_id}`, { shop: m.body.shop, customerId: m.body.customer_id }]));
  try {
    // Only shops whose discount Function reads customers' tiers (a job per change otherwise
    // writes a metafield nothing reads); one that starts to reads them all (publish_tier_members).
    const shops = [...new Set([...customers.values()].map((c) => c.shop))];
    const published = new Set((await Promise.all(shops.map(async (shop) => ((await customerTiersPublished(env, shop)) ? shop : null)))).filter(Boolean));
    for (const [key, c] of customers) if (!published.has(c.shop)) customers.delete(key);
    await sendJobs(env, [...customers.values()].map((c) => ({ type: "publish_customer_tier" as const, ...c })));
    return messages;
  } catch (error) {
    log.warn(`ledger-events: could not queue ${customers.size} tier publishes, retrying their events`, String(error));
    retry(tierChanges);
    return messages.filter((m) => m.body.type !== "tier_changed");
  }
}

/** order_seen → D1. Returns the messages done; the rest are retried. */
async function indexAndRelease(env: Env, messages: LedgerMessage[]): Promise<LedgerMessage[]> {
  if (messages.length === 0) return [];
  try {
    // A redacted customer's in-flight order_seen must not index their orders again.
    const orders = await withoutRedactedCustomers(env, messages.map((m) => m.body as Extract<LedgerEvent, { type: "order_seen" }>));
    const entries = orders.map((e) => ({ shop: e.shop, orderGid: e.order_gid, customerId: e.customer_id }));
    await indexOrders(env, entries);
    // Every order of the batch, not only newly indexed ones: a retried batch finds its orders
    // already indexed, and the refunds waiting for them must not wait for the sweeper.
    await redriveWaitingFor(env, entries);
    return messages;
  } catch (error) {
    log.warn(`ledger-events: order index failed for ${messages.length} events, retrying`, String(error));
    retry(messages);
    return [];
  }
}

/** order_usage → the plan usage in D1 (idempotent per order and revision). Returns the messages done; the rest are retried. */
async function countUsage(env: Env, messages: LedgerMessage[]): Promise<LedgerMessage[]> {
  if (messages.length === 0) return [];
  try {
    await recordOrderUsage(env, messages.map((m) => m.body as Extract<LedgerEvent, { type: "order_usage" }>));
    return messages;
  } catch (error) {
    console.warn(`ledger-events: plan usage failed for ${messages.length} events, retrying`, String(error));
    retry(messages);
    return [];
  }
}

/**
 * Ledger entries and profiles → Postgres. Returns the messages done; those Postgres refused
 * are retried; if Postgres cannot be reached, all are acknowledged without being confirmed,
 * and their accounts' outboxes resend them.
 */
async function project(env: Env, messages: LedgerMessage[], queued: QueuedNotification[]): Promise<LedgerMessage[]> {
  if (messages.length === 0) return [];
  try {
    return await withReporting(env, null, async (sql) => {
      const done = await projectIsolatingFailures(env, sql, messages);
      await insertQueuedNotifications(sql, queued);
      return done;
    });
  } catch (error) {
    log.warn(`ledger-events: Postgres unavailable; ${messages.length} events left to their outboxes`, String(error));
    for (const message of messages) message.ack();
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
  const project = async (events: LedgerEvent[]) => projectEvents(sql, await refileRedacted(sql, events, await customerHasher(env)));
  try {
    await project(messages.map((m) => m.body));
    return [...messages];
  } catch (error) {
    if (isConnectionFailure(error)) throw error;
  }
  const done: LedgerMessage[] = [];
  for (const message of messages) {
    try {
      await project([message.body]);
      done.push(message);
    } catch (error) {
      if (isConnectionFailure(error)) throw error;
      if (isBadData(error) && message.attempts >= POISON_AFTER_ATTEMPTS) {
        // Final: recorded with its reason for an operator; the account may drop it from its outbox.
        await parkMessage(env, "ledger-events", message.body, message.attempts, `Postgres refused it: ${String(error)}`);
        done.push(message);
        continue;
      }
      log.error("ledger-events: Postgres refused an event, retrying it alone", message.id, String(error));
      retry([message]);
    }
  }
  return done;
}

function sqlState(error: unknown): string | null {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" ? code : null;
}

export function isConnectionFailure(error: unknown): boolean {
  const code = sqlState(error);
  // Postgres SQLSTATE classes 08 (connection) and 57P (shutdown), and socket-level failures.
  if (code && (/^08/.test(code) || /^57P/.test(code))) return true;
  return /connect|socket|closed|ECONNREFUSED|timeout|terminat/i.test(String((error as Error)?.message ?? error));
}

/** SQLSTATE 22 (data exception) and 23 (integrity): the same event will be refused every time. */
export function isBadData(error: unknown): boolean {
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

/** Events whose customer has a redaction recorded in gdpr_requests (D1) are left out. */
async function withoutRedactedCustomers<E extends LedgerEvent>(env: Env, events: E[]): Promise<E[]> {
  const hashOf = await customerHasher(env);
  const hashes = new Map<string, string>();
  for (const e of events) {
    const key = `${e.shop}\u0000${e.customer_id}`;
    if (!hashes.has(key)) hashes.set(key, await hashOf(e.shop, e.customer_id));
  }
  const redacted = await redactedCustomerHashes(env, [...hashes].map(([key, hash]) => ({ shop: key.split("\u0000")[0]!, hash })));
  if (redacted.size === 0) return events;
  return events.filter((e) => !redacted.has(`${e.shop}\u0000${hashes.get(`${e.shop}\u0000${e.customer_id}`)}`));
}

/** The keyed hash a GDPR tombstone is found by (a redacted customer's late events are re-filed: postgres/gdpr.ts). */
async function customerHasher(env: Pick<Env, "ENCRYPTION_KEY">): Promise<(shop: string, customerId: string) => Promise<string>> {
  const keys = await dataKeys(env.ENCRYPTION_KEY);
  return (shop, customerId) => customerKeyedHash(keys, shop, customerId);
}
