// Ledger events → the notifications queue (called by the ledger-events consumer, so only from
// an account's outbox, never from a webhook's or the storefront's request path). Each event
// becomes one message per notification and enabled channel whose provider the shop has
// configured, and one per server-side analytics event when the shop turned PostHog on.
// The outbox delivers an event at least once, so the same notification may be queued twice;
// the account's claim (queues/notifications.ts) sends it once.
import { analyticsOf, NOTIFICATION_CHANNELS, notificationsOf, type NotificationChannel, type NotificationsMessage } from "../core/notifications";
import type { NotificationType } from "../core/notification-templates";
import type { LedgerEvent } from "../core/ledger-events";
import { integrationsFor } from "../d1/integrations";
import { notificationSetup } from "../d1/notification-templates";
import { posthogFor } from "../d1/store-settings";
import type { QueuedNotification } from "../postgres/projection";
import { log } from "../core/log";

/** Queues send at most 100 messages per batch. */
const SEND_BATCH = 100;

export interface NotificationPlan {
  channelsFor(type: NotificationType): NotificationChannel[];
  analytics: boolean;
}

/** What the shop sends, and through what: the channels on for each type whose provider is configured. */
export async function notificationPlan(env: Env, shop: string): Promise<NotificationPlan> {
  const [setup, integrations, posthog] = await Promise.all([notificationSetup(env, shop), integrationsFor(env, shop), posthogFor(env, shop)]);
  const reachable: Record<NotificationChannel, boolean> = {
    email: integrations.sendgrid !== null,
    sms: Boolean(integrations.twilio?.sms_from) || integrations.postscript !== null,
    whatsapp: Boolean(integrations.twilio?.whatsapp_from),
    klaviyo: integrations.klaviyo !== null,
  };
  return {
    channelsFor: (type) => NOTIFICATION_CHANNELS.filter((channel) => reachable[channel] && setup.types[type].channels[channel]),
    analytics: posthog !== null,
  };
}

/**
 * Queues the notifications and analytics of these events. Returns the events to go on with and
 * the notifications queued (email_events `queued` rows); if the send failed, the events that
 * called for one are handed to `retry` instead.
 */
export async function withNotificationsQueued<M extends Message<LedgerEvent>>(
  env: Env,
  messages: M[],
  retry: (messages: M[]) => void,
): Promise<{ messages: M[]; queued: QueuedNotification[] }> {
  const candidates = messages.filter((m) => notificationsOf(m.body).length > 0 || analyticsOf(m.body).length > 0);
  if (candidates.length === 0) return { messages, queued: [] };
  try {
    const shops = [...new Set(candidates.map((m) => m.body.shop))];
    const plans = new Map(await Promise.all(shops.map(async (shop) => [shop, await notificationPlan(env, shop)] as const)));
    const out: NotificationsMessage[] = [];
    const queued: QueuedNotification[] = [];
    for (const { body } of candidates) {
      const plan = plans.get(body.shop)!;
      const who = { shop: body.shop, customer_id: body.customer_id };
      for (const intent of notificationsOf(body)) {
        for (const channel of plan.channelsFor(intent.type)) {
          out.push({ kind: "notify", ...who, channel, ...intent });
          queued.push({ ...who, key: intent.key, channel, type: intent.type, at: new Date().toISOString(), facts: { ...intent.facts }, event_at: intent.at });
        }
      }
      if (plan.analytics) for (const event of analyticsOf(body)) out.push({ kind: "analytics", ...who, event });
    }
    for (let i = 0; i < out.length; i += SEND_BATCH) {
      await env.NOTIFICATIONS.sendBatch(out.slice(i, i + SEND_BATCH).map((body) => ({ body, contentType: "json" as const })));
    }
    return { messages, queued };
  } catch (error) {
    log.warn(`ledger-events: could not queue the notifications of ${candidates.length} events, retrying them`, String(error));
    retry(candidates);
    const waiting = new Set(candidates);
    return { messages: messages.filter((m) => !waiting.has(m)), queued: [] };
  }
}
