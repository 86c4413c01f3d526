// What the customer hears about, and how a notification is tried. Pure: the ledger-events
// consumer turns outbox events into notifications here (never a webhook's or the storefront's
// request path), the notifications consumer sends them, and the customer's object decides,
// per (event key, channel), whether a send may start (durable-objects/notification-rows.ts).
import { backoffMs, withJitter, type BackoffPolicy } from "./backoff";
import { countsAsEarned, type LedgerEvent } from "./ledger-events";
import type { NotificationChannel, NotificationType } from "./notification-templates";

export { NOTIFICATION_CHANNELS, type NotificationChannel } from "./notification-templates";

/** Facts from the event itself (no personal data: the contact is read from the account at send time). */
export interface EventFacts {
  points?: number;
  points_balance?: number;
  reward_title?: string;
  expiring_points?: number;
  expires_at?: string;
  /** tier_changed: tier ids, named from the shop's tiers when sent. */
  tier_id?: string | null;
  previous_tier_id?: string | null;
  /** reward_issued: the account opens the code at send time (never on the queue). */
  redemption_id?: string;
}

/** One notification an event calls for: its type and the key that makes it happen once per channel. */
export interface NotificationIntent {
  type: NotificationType;
  /** Unique within the customer: the ledger entry, redemption, tier change or expiry it tells of. */
  key: string;
  facts: EventFacts;
  /** When the event happened (Klaviyo's event time, PostHog's timestamp). */
  at: string;
}

/** The notifications queue carries these. */
export type NotificationsMessage =
  | ({ kind: "notify"; shop: string; customer_id: string; channel: NotificationChannel } & NotificationIntent)
  | { kind: "analytics"; shop: string; customer_id: string; event: AnalyticsEvent };

/** A server-side PostHog event; `uuid` comes from our idempotency key, so PostHog keeps one of repeats. */
export interface AnalyticsEvent {
  name: string;
  key: string;
  at: string;
  properties: Record<string, string | number | null>;
}

/** The notifications a ledger event calls for (none for most). */
export function notificationsOf(event: LedgerEvent): NotificationIntent[] {
  switch (event.type) {
    case "ledger_entry": {
      const { entry, account } = event;
      if (entry.points <= 0 || !countsAsEarned(entry.kind)) return [];
      // Either side of a completed referral: its own points, told as the referral's news.
      if (entry.kind === "referral") {
        return [{ type: "referral_completed", key: `entry:${entry.id}`, facts: { points: entry.points, points_balance: account.points_balance }, at: entry.created_at }];
      }
      return [{ type: "points_earned", key: `entry:${entry.id}`, facts: { points: entry.points, points_balance: account.points_balance }, at: entry.created_at }];
    }
    case "redemption": {
      const r = event.redemption;
      // Every change of a redemption is published; only its issue is news to the customer.
      // Entry rewards (0 points) are a tier's gift: told as reward_issued too.
      if (r.status !== "issued") return [];
      return [{ type: "reward_issued", key: `redemption:${r.id}:issued`, facts: { reward_title: r.title, points: r.points, redemption_id: r.id }, at: r.updated_at }];
    }
    case "tier_changed": {
      const c = event.change;
      // Leaving every tier is not news a customer is sent.
      if (c.to === null) return [];
      return [{ type: "tier_changed", key: `tier:${c.id}`, facts: { tier_id: c.to, previous_tier_id: c.from }, at: c.at }];
    }
    case "points_expiring":
      return [
        {
          type: "points_expiring",
          key: `expiring:${event.expires_at}`,
          facts: { expiring_points: event.points, expires_at: event.expires_at },
          at: event.expires_at,
        },
      ];
    default:
      return [];
  }
}

/** The server-side analytics events of a ledger event (PostHog), without personal data. */
export function analyticsOf(event: LedgerEvent): AnalyticsEvent[] {
  switch (event.type) {
    case "ledger_entry": {
      const { entry } = event;
      const base = { kind: entry.kind, points: entry.points, source_type: entry.source_type };
      if (entry.points > 0 && countsAsEarned(entry.kind)) return [{ name: "points_earned", key: `entry:${entry.id}`, at: entry.created_at, properties: base }];
      if (entry.kind === "redemption") return [{ name: "points_redeemed", key: `entry:${entry.id}`, at: entry.created_at, properties: { ...base, points: -entry.points } }];
      if (entry.kind === "expiry") return [{ name: "points_expired", key: `entry:${entry.id}`, at: entry.created_at, properties: { ...base, points: -entry.points } }];
      return [];
    }
    case "redemption":
      return event.redemption.status === "issued"
        ? [{ name: "reward_issued", key: `redemption:${event.redemption.id}:issued`, at: event.redemption.updated_at, properties: { reward_type: event.redemption.reward_type, points: event.redemption.points } }]
        : [];
    case "referral": {
      // Once per referral (the friend's event), whatever later revisions say.
      const r = event.referral;
      if (r.status !== "completed" || r.completed_at === null) return [];
      return [
        {
          name: "referral_completed",
          key: `referral:${r.id}:completed`,
          at: r.completed_at,
          properties: { bound_via: r.bound_via, score: r.score, advocate_reward: r.advocate.reward.type, friend_reward: r.friend.reward.type },
        },
      ];
    }
    case "tier_changed":
      return [{ name: "tier_changed", key: `tier:${event.change.id}`, at: event.change.at, properties: { from: event.change.from, to: event.change.to, reason: event.change.reason } }];
    default:
      return [];
  }
}

/** Klaviyo metric names: what a merchant's Klaviyo flows trigger on. */
export const KLAVIYO_METRICS: Record<NotificationType, string> = {
  points_earned: "LoyalNest Points Earned",
  reward_issued: "LoyalNest Reward Issued",
  tier_changed: "LoyalNest Tier Changed",
  referral_completed: "LoyalNest Referral Completed",
  points_expiring: "LoyalNest Points Expiring",
  badge_earned: "LoyalNest Badge Earned",
};

/** A notification is tried this many times (queue deliveries), then dead-lettered with its reason. */
export const NOTIFY_TRIES = 3;
/** Waits between tries: 10 s, then 20 s, each with jitter; a provider's Retry-After wins when longer. */
export const NOTIFY_RETRY: BackoffPolicy = { baseMs: 10_000, maxMs: 15 * 60_000 };

/** Seconds before try `tries + 1` (tries made so far ≥ 1). */
export function notifyRetryDelaySeconds(tries: number, retryAfterSeconds: number | null, random: () => number = Math.random): number {
  const backoff = withJitter(backoffMs(NOTIFY_RETRY, tries - 1), random) / 1000;
  const wait = Math.max(backoff, retryAfterSeconds ?? 0);
  return Math.ceil(Math.min(wait, NOTIFY_RETRY.maxMs / 1000));
}

/**
 * How long a send may hold its claim (the account refuses a second sender meanwhile). Longer
 * than an adapter's timeout, so a claim only lapses when its sender died.
 */
export const SEND_LEASE_MS = 60_000;

/** A customer's contact as the account keeps it (sealed there), merged from webhooks. */
export interface Contact {
  email: string | null;
  phone: string | null;
  first_name: string | null;
}

/** What a webhook tells the account of the customer's contact; absent fields leave what is known. */
export interface ContactUpdate extends Partial<Contact> {
  /** Shopify's `customer_locale` of an order ("fr", "en-CA"): the customer's language. */
  locale?: string | null;
  /** SMS marketing consent state, when the payload carries it. */
  sms_consent?: boolean;
}

/** Whether a channel can reach this contact. Null: yes; else the reason it cannot. */
/**
 * `emailSuppressed`: the provider told us the address unsubscribed, marked a message as spam or
 * bounced for good (SendGrid's event webhook); `sms`: the customer's SMS consent, off again when
 * they reply STOP (Twilio refuses the number).
 */
export function unreachableBy(channel: NotificationChannel, contact: Contact, consent: { sms: boolean; emailSuppressed: boolean }): string | null {
  switch (channel) {
    case "email":
      if (!contact.email) return "no_email";
      return consent.emailSuppressed ? "email_suppressed" : null;
    case "sms":
    case "whatsapp":
      if (!contact.phone) return "no_phone";
      return consent.sms ? null : "no_sms_consent";
    case "klaviyo":
      // Klaviyo keys the profile on our external id; its flows need an email or a phone to send.
      return contact.email || contact.phone ? null : "no_email_or_phone";
  }
}

/** Outcome statuses (email_events.status), in the order a later one may replace an earlier one. */
export const DELIVERY_STATUSES = ["queued", "retrying", "skipped", "sent", "failed", "bounced", "unsubscribed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
