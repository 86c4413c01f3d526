// ingest: inbox entries (refunds whose order was unknown, shop-level topics, topics for a shop
// not installed). The inbox row in D1 is the durable copy; a message only names it.
import { queueRetryDelaySeconds } from "../core/backoff";
import { parseJsonLossless } from "../core/json";
import { getInbox, markParked, openInboxBody, markProcessed, markRejected, recordFailure } from "../d1/inbox";
import { applyTopic, isTopic, parsePayload } from "../topics";
import { log } from "../core/log";

export interface IngestMessage {
  inbox_id: number;
}

export async function handleIngest(batch: MessageBatch<IngestMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    try {
      await processInboxEntry(env, message.body.inbox_id);
      message.ack();
    } catch (error) {
      log.warn("ingest: retrying", message.body.inbox_id, String(error));
      await recordFailure(env, message.body.inbox_id, String(error)).catch(() => {});
      message.retry({ delaySeconds: queueRetryDelaySeconds(message.attempts) });
    }
  }
}

export async function processInboxEntry(env: Env, inboxId: number): Promise<"processed" | "parked" | "rejected" | "gone"> {
  const row = await getInbox(env, inboxId);
  if (!row || row.status === "processed" || row.status === "rejected") return "gone";
  if (!isTopic(row.topic)) {
    await markRejected(env, row.id, `unknown topic ${row.topic}`);
    return "rejected";
  }
  const parsed = parsePayload(row.topic, parseJsonLossless(await openInboxBody(env, row)));
  if (!parsed.ok) {
    await markRejected(env, row.id, parsed.message);
    return "rejected";
  }
  const outcome = await applyTopic(
    row.topic,
    {
      env,
      shop: row.shop,
      delivery: { id: row.deliveryId, topic: row.topic },
      fromInbox: true,
      triggeredAt: row.triggeredAt ?? row.receivedAt,
    },
    parsed.payload,
  );
  if (outcome.outcome === "deferred") return markParked(env, row, outcome.reason);
  await markProcessed(env, row.id);
  return "processed";
}
