// Notifications whose queue message was lost (a local queue lives in memory; a consumer that
// died mid-retry): email_events still says `queued` or `retrying` long after any try would have
// settled it. The sweeper queues them again from the row's facts; the customer's object, which
// holds the claim, keeps each to one send (a row whose send did finish is found done).
import type { EventFacts, NotificationChannel, NotificationsMessage } from "../core/notifications";
import type { NotificationType } from "../core/notification-templates";
import type { Sql } from "../postgres/client";

/** Longer than a message's tries take (10 s, 20 s, jitter): a `queued` row this old has no message left. */
export const QUEUED_STALE_MS = 3 * 60_000;
/** Longer than the longest wait between tries (a provider's Retry-After, capped at 15 minutes). */
export const RETRYING_STALE_MS = 20 * 60_000;
export const REDRIVE_BATCH = 200;

interface StuckRow {
  shop: string;
  customer_id: string;
  event_key: string;
  channel: NotificationChannel;
  notification_type: NotificationType;
  facts: EventFacts;
  event_at: Date;
}

/** Queues the stuck notifications again and marks them touched (so the next tick waits again). Returns how many. */
export async function redriveStuckNotifications(env: Env, sql: Sql, now = Date.now(), limit = REDRIVE_BATCH): Promise<number> {
  const rows = await sql<StuckRow[]>`
    UPDATE email_events e SET updated_at = ${new Date(now)}
      FROM (
        SELECT shop, customer_id, event_key, channel FROM email_events
         WHERE status IN ('queued', 'retrying') AND facts IS NOT NULL
           AND ((status = 'queued' AND updated_at < ${new Date(now - QUEUED_STALE_MS)})
             OR (status = 'retrying' AND updated_at < ${new Date(now - RETRYING_STALE_MS)}))
         ORDER BY updated_at
         LIMIT ${limit}
      ) stuck
     WHERE e.shop = stuck.shop AND e.customer_id = stuck.customer_id AND e.event_key = stuck.event_key AND e.channel = stuck.channel
     RETURNING e.shop, e.customer_id, e.event_key, e.channel, e.notification_type, e.facts, e.event_at`;
  const messages: NotificationsMessage[] = rows.map((r) => ({
    kind: "notify",
    shop: r.shop,
    customer_id: r.customer_id,
    channel: r.channel,
    type: r.notification_type,
    key: r.event_key,
    facts: typeof r.facts === "string" ? (JSON.parse(r.facts) as EventFacts) : r.facts,
    at: new Date(r.event_at).toISOString(),
  }));
  for (let i = 0; i < messages.length; i += 100) {
    await env.NOTIFICATIONS.sendBatch(messages.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
  }
  return messages.length;
}
