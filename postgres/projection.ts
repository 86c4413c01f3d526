// The reporting projection's writes: idempotent upserts keyed on the ledger entry id (money
// rule 5), correct in any order of delivery.
import type { LedgerEvent } from "../core/ledger-events";
import type { TransactionSql } from "postgres";
import type { Sql } from "./client";
import { projectReferrals, type ReferralEvent } from "./referrals";

type EntryEvent = Extract<LedgerEvent, { type: "ledger_entry" }>;
type ProfileEvent = Extract<LedgerEvent, { type: "customer_profile" }>;
type RedemptionEvent = Extract<LedgerEvent, { type: "redemption" }>;
type AuditEvent = Extract<LedgerEvent, { type: "audit" }>;
type TierEvent = Extract<LedgerEvent, { type: "tier_changed" }>;
type NotificationEvent = Extract<LedgerEvent, { type: "notification" }>;

/** Every event type but order_seen and order_usage (D1's) comes here; points_expiring is for notifications only. */
export async function projectEvents(sql: Sql, events: LedgerEvent[]): Promise<void> {
  const entries = events.filter((e): e is EntryEvent => e.type === "ledger_entry");
  const profiles = events.filter((e): e is ProfileEvent => e.type === "customer_profile");
  const redemptions = events.filter((e): e is RedemptionEvent => e.type === "redemption");
  const audits = events.filter((e): e is AuditEvent => e.type === "audit");
  const tierChanges = events.filter((e): e is TierEvent => e.type === "tier_changed");
  const notifications = events.filter((e): e is NotificationEvent => e.type === "notification");
  const referrals = events.filter((e): e is ReferralEvent => e.type === "referral");
  if (entries.length + profiles.length + redemptions.length + audits.length + tierChanges.length + notifications.length + referrals.length === 0) return;
  await sql.begin(async (tx) => {
    if (profiles.length) await upsertProfiles(tx, profiles);
    if (entries.length) {
      await upsertBalances(tx, entries);
      await insertEntries(tx, entries);
    }
    if (redemptions.length) await upsertRedemptions(tx, redemptions);
    if (audits.length) await insertAudits(tx, audits);
    if (tierChanges.length) await insertTierChanges(tx, tierChanges);
    if (notifications.length) await upsertNotifications(tx, notifications);
    if (referrals.length) await projectReferrals(tx, referrals);
  });
}

/** A notification queued (the ledger-events consumer): a row only where none is yet. */
export interface QueuedNotification {
  shop: string;
  customer_id: string;
  key: string;
  channel: string;
  type: string;
  /** When it was queued. */
  at: string;
  facts: Record<string, unknown>;
  /** When its event happened. */
  event_at: string;
}

export async function insertQueuedNotifications(sql: Sql | TransactionSql, queued: QueuedNotification[]): Promise<void> {
  if (queued.length === 0) return;
  const rows = queued.map((q) => ({
    shop: q.shop,
    customer_id: q.customer_id,
    event_key: q.key,
    channel: q.channel,
    notification_type: q.type,
    status: "queued",
    facts: JSON.stringify(q.facts),
    event_at: q.event_at,
    queued_at: q.at,
    updated_at: q.at,
  }));
  // facts as JSON text cast in SQL: the client is configured without fetched types.
  await sql`
    INSERT INTO email_events (shop, customer_id, event_key, channel, notification_type, status, facts, event_at, queued_at, updated_at)
    SELECT r.shop, r.customer_id, r.event_key, r.channel, r.notification_type, r.status, r.facts::jsonb, r.event_at, r.queued_at, r.updated_at
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) AS r(shop text, customer_id text, event_key text, channel text,
        notification_type text, status text, facts text, event_at timestamptz, queued_at timestamptz, updated_at timestamptz)
    ON CONFLICT (shop, customer_id, event_key, channel) DO UPDATE SET facts = COALESCE(email_events.facts, EXCLUDED.facts),
      event_at = COALESCE(email_events.event_at, EXCLUDED.event_at)`;
}

/**
 * The object's newest record of each notification wins (outbox order), whatever order they
 * arrive in; a later record that does not know the provider, its message id or the tries (a
 * bounce) keeps those of the send.
 */
async function upsertNotifications(sql: TransactionSql, events: NotificationEvent[]): Promise<void> {
  const newest = new Map<string, NotificationEvent>();
  for (const e of events) {
    const key = `${e.shop}\u0000${e.customer_id}\u0000${e.notification.key}\u0000${e.notification.channel}`;
    const seen = newest.get(key);
    if (!seen || seen.outbox_seq < e.outbox_seq) newest.set(key, e);
  }
  const rows = [...newest.values()].map(({ shop, customer_id, outbox_seq, notification: n }) => ({
    shop,
    customer_id,
    event_key: n.key,
    channel: n.channel,
    notification_type: n.notification_type,
    status: n.status,
    provider: n.provider,
    tries: n.tries,
    provider_message_id: n.provider_message_id,
    error: n.error,
    recipient_encrypted: n.recipient_encrypted,
    language: n.language,
    outbox_seq,
    queued_at: n.at,
    updated_at: n.at,
  }));
  await sql`
    INSERT INTO email_events ${sql(rows, "shop", "customer_id", "event_key", "channel", "notification_type", "status", "provider", "tries", "provider_message_id", "error", "recipient_encrypted", "language", "outbox_seq", "queued_at", "updated_at")}
    ON CONFLICT (shop, customer_id, event_key, channel) DO UPDATE SET
      status = EXCLUDED.status, provider = COALESCE(EXCLUDED.provider, email_events.provider), tries = GREATEST(EXCLUDED.tries, email_events.tries),
      provider_message_id = COALESCE(EXCLUDED.provider_message_id, email_events.provider_message_id), error = EXCLUDED.error,
      recipient_encrypted = COALESCE(EXCLUDED.recipient_encrypted, email_events.recipient_encrypted),
      language = COALESCE(EXCLUDED.language, email_events.language), outbox_seq = EXCLUDED.outbox_seq, updated_at = EXCLUDED.updated_at
    WHERE email_events.outbox_seq < EXCLUDED.outbox_seq`;
}

async function insertTierChanges(sql: TransactionSql, events: TierEvent[]): Promise<void> {
  const rows = events.map(({ shop, customer_id, change: c }) => ({
    shop,
    change_id: c.id,
    customer_id,
    seq: c.seq,
    from_tier: c.from,
    to_tier: c.to,
    reason: c.reason,
    basis: c.basis,
    value: c.value,
    changed_at: c.at,
  }));
  await sql`
    INSERT INTO tier_changes ${sql(rows, "shop", "change_id", "customer_id", "seq", "from_tier", "to_tier", "reason", "basis", "value", "changed_at")}
    ON CONFLICT (shop, change_id) DO NOTHING`;
}

/** The highest revision of each redemption wins, whatever order its events arrive in. */
async function upsertRedemptions(sql: TransactionSql, events: RedemptionEvent[]): Promise<void> {
  const newest = new Map<string, RedemptionEvent>();
  for (const e of events) {
    const key = `${e.shop}\u0000${e.redemption.id}`;
    const seen = newest.get(key);
    if (!seen || seen.redemption.revision < e.redemption.revision) newest.set(key, e);
  }
  const rows = [...newest.values()].map(({ shop, customer_id, redemption: r }) => ({
    shop,
    redemption_id: r.id,
    customer_id,
    reward_id: r.reward_id,
    reward_type: r.reward_type,
    title: r.title,
    points: r.points,
    status: r.status,
    discount_gid: r.discount_gid,
    order_gid: r.order_gid,
    failure_reason: r.failure_reason,
    expires_at: r.expires_at,
    created_at: r.created_at,
    updated_at: r.updated_at,
    revision: r.revision,
  }));
  await sql`
    INSERT INTO redemptions ${sql(rows, "shop", "redemption_id", "customer_id", "reward_id", "reward_type", "title", "points", "status", "discount_gid", "order_gid", "failure_reason", "expires_at", "created_at", "updated_at", "revision")}
    ON CONFLICT (shop, redemption_id) DO UPDATE SET
      status = EXCLUDED.status,
      discount_gid = EXCLUDED.discount_gid,
      order_gid = EXCLUDED.order_gid,
      failure_reason = EXCLUDED.failure_reason,
      expires_at = EXCLUDED.expires_at,
      updated_at = EXCLUDED.updated_at,
      revision = EXCLUDED.revision
    WHERE redemptions.revision < EXCLUDED.revision`;
}

async function insertAudits(sql: TransactionSql, events: AuditEvent[]): Promise<void> {
  const rows = events.map(({ shop, customer_id, audit: a }) => ({
    id: a.id,
    shop,
    actor_type: a.actor_type,
    actor_id: a.actor_id,
    action: a.action,
    customer_id,
    details: { entry_id: a.entry_id, points: a.points, reason: a.reason },
    // The audit log's shape (postgres/migrations/0006_logs.sql): the customer is the subject,
    // the entry added (and the balance it left) is the after, the balance before is the before
    // (adjustments recorded before balances were kept have none).
    subject_type: "customer",
    subject_id: customer_id,
    before: a.balance_before === undefined ? null : { points_balance: a.balance_before },
    after: { entry_id: a.entry_id, points: a.points, reason: a.reason, ...(a.balance_after === undefined ? {} : { points_balance: a.balance_after }) },
    created_at: a.created_at,
  }));
  await sql`
    INSERT INTO audit_logs ${sql(rows, "id", "shop", "actor_type", "actor_id", "action", "customer_id", "details", "subject_type", "subject_id", "before", "after", "created_at")}
    ON CONFLICT (id) DO NOTHING`;
}

// The email ciphertext is stored as it comes, whatever its format or key: an outbox may deliver
// a profile sealed before the encryption migration (v1, or under a key since retired) after the
// row was migrated. The sweeper's re-encryption finds it and rewrites it (queues/reencrypt.ts);
// until then the dashboard shows that one email as absent.
async function upsertProfiles(sql: TransactionSql, events: ProfileEvent[]): Promise<void> {
  const rows = events.map((e) => ({
    shop: e.shop,
    customer_id: e.customer_id,
    email_encrypted: e.profile.email_encrypted,
    email_blind_index: e.profile.email_blind_index,
    first_name: e.profile.first_name,
    last_name: e.profile.last_name,
    shopify_created_at: e.profile.shopify_created_at,
  }));
  await sql`
    INSERT INTO customers ${sql(rows, "shop", "customer_id", "email_encrypted", "email_blind_index", "first_name", "last_name", "shopify_created_at")}
    ON CONFLICT (shop, customer_id) DO UPDATE SET
      email_encrypted = EXCLUDED.email_encrypted,
      email_blind_index = EXCLUDED.email_blind_index,
      first_name = EXCLUDED.first_name,
      last_name = EXCLUDED.last_name,
      shopify_created_at = EXCLUDED.shopify_created_at,
      updated_at = now()`;
}

/** The newest entry (highest seq) per customer wins, whatever order the batches arrive in. */
async function upsertBalances(sql: TransactionSql, events: EntryEvent[]): Promise<void> {
  const newest = new Map<string, EntryEvent>();
  for (const e of events) {
    const key = `${e.shop}\u0000${e.customer_id}`;
    const seen = newest.get(key);
    if (!seen || seen.entry.seq < e.entry.seq) newest.set(key, e);
  }
  const rows = [...newest.values()]
    .sort((a, b) => (a.shop + a.customer_id < b.shop + b.customer_id ? -1 : 1))
    .map((e) => ({
      shop: e.shop,
      customer_id: e.customer_id,
      points_balance: e.account.points_balance,
      total_points_earned: e.account.total_points_earned,
      total_points_redeemed: e.account.total_points_redeemed,
      total_points_reversed: e.account.total_points_reversed,
      balance_seq: e.entry.seq,
    }));
  await sql`
    INSERT INTO customers ${sql(rows, "shop", "customer_id", "points_balance", "total_points_earned", "total_points_redeemed", "total_points_reversed", "balance_seq")}
    ON CONFLICT (shop, customer_id) DO UPDATE SET
      points_balance = EXCLUDED.points_balance,
      total_points_earned = EXCLUDED.total_points_earned,
      total_points_redeemed = EXCLUDED.total_points_redeemed,
      total_points_reversed = EXCLUDED.total_points_reversed,
      balance_seq = EXCLUDED.balance_seq,
      updated_at = now()
    WHERE customers.balance_seq < EXCLUDED.balance_seq`;
}

async function insertEntries(sql: TransactionSql, events: EntryEvent[]): Promise<void> {
  const rows = events.map((e) => ({
    shop: e.shop,
    entry_id: e.entry.id,
    customer_id: e.customer_id,
    seq: e.entry.seq,
    kind: e.entry.kind,
    points: e.entry.points,
    balance_after: e.entry.balance_after,
    source_type: e.entry.source_type,
    source_id: e.entry.source_id,
    snapshot: e.entry.snapshot ? JSON.stringify(e.entry.snapshot) : null,
    note: e.entry.note,
    created_at: e.entry.created_at,
  }));
  // The analytics' rollups (points_daily, customer_orders) are kept by this statement's triggers,
  // in this transaction, from the rows it really inserted: a redelivered entry adds nothing
  // (postgres/migrations/0011_points_daily.sql).
  await sql`
    INSERT INTO points_transactions ${sql(rows, "shop", "entry_id", "customer_id", "seq", "kind", "points", "balance_after", "source_type", "source_id", "snapshot", "note", "created_at")}
    ON CONFLICT (shop, entry_id) DO NOTHING`;
}
