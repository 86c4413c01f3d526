// Server-side analytics: PostHog events from ledger events, one capture per shop per batch,
// for shops that turned PostHog on. The customer is a keyed hash (never the Shopify id) and
// each event's uuid comes from its idempotency key, so PostHog keeps one of any repeats.
import type { NotificationsMessage } from "../core/notifications";
import { customerKeyedHash, dataKeys } from "../core/crypto";
import { toHex, utf8 } from "../core/encoding";
import { notifyRetryDelaySeconds, NOTIFY_TRIES } from "../core/notifications";
import { posthogFor } from "../d1/store-settings";
import { capturePosthog, type PosthogEvent } from "../workers/providers";
import { ProviderError } from "../workers/providers/types";
import { log } from "../core/log";

type AnalyticsMessage = Message<Extract<NotificationsMessage, { kind: "analytics" }>>;

export async function sendAnalytics(env: Env, messages: AnalyticsMessage[]): Promise<void> {
  const byShop = new Map<string, AnalyticsMessage[]>();
  for (const m of messages) byShop.set(m.body.shop, [...(byShop.get(m.body.shop) ?? []), m]);
  await Promise.all([...byShop].map(([shop, batch]) => sendShop(env, shop, batch)));
}

async function sendShop(env: Env, shop: string, messages: AnalyticsMessage[]): Promise<void> {
  try {
    const config = await posthogFor(env, shop);
    // Turned off since they were queued: dropped, as the shop asked.
    if (!config) return ackAll(messages);
    const keys = await dataKeys(env.ENCRYPTION_KEY);
    const events: PosthogEvent[] = await Promise.all(
      messages.map(async ({ body }) => ({
        event: body.event.name,
        distinct_id: await customerKeyedHash(keys, body.shop, body.customer_id),
        uuid: await uuidOf(`${body.shop}\n${body.customer_id}\n${body.event.name}\n${body.event.key}`),
        timestamp: body.event.at,
        properties: { ...body.event.properties, $lib: "loyalnest-server", shop },
      })),
    );
    await capturePosthog(env, config, events);
    ackAll(messages);
  } catch (error) {
    const failure = error instanceof ProviderError ? error : null;
    for (const m of messages) {
      if ((failure && failure.kind === "permanent") || m.attempts >= NOTIFY_TRIES) {
        // Analytics are not worth a dead letter: recorded in the log and dropped.
        log.warn(`analytics: dropped ${m.body.event.name} for ${shop} after ${m.attempts} tries`, failure ? `${failure.code}: ${failure.message}` : String(error));
        m.ack();
      } else {
        m.retry({ delaySeconds: notifyRetryDelaySeconds(m.attempts, failure?.retryAfterSeconds ?? null) });
      }
    }
  }
}

function ackAll(messages: AnalyticsMessage[]): void {
  for (const m of messages) m.ack();
}

/** A UUID (version 8, name-based) from SHA-256 of `name`: the same name, the same uuid. */
async function uuidOf(name: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(name))).slice(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = toHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
