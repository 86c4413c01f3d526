// The reporting projection's writes: idempotent upserts keyed on the ledger entry id (money
// rule 5), correct in any order of delivery.
import type { LedgerEvent } from "../core/ledger-events";
import type { TransactionSql } from "postgres";
import type { Sql } from "./client";

type EntryEvent = Extract<LedgerEvent, { type: "ledger_entry" }>;
type ProfileEvent = Extract<LedgerEvent, { type: "customer_profile" }>;
type RedemptionEvent = Extract<LedgerEvent, { type: "redemption" }>;
type AuditEvent = Extract<LedgerEvent, { type: "audit" }>;
type TierEvent = Extract<LedgerEvent, { type: "tier_changed" }>;

/** Every event type but order_seen (D1's) comes here; points_expiring is for notifications only. */
export async function projectEvents(sql: Sql, events: LedgerEvent[]): Promise<void> {
  const entries = events.filter((e): e is EntryEvent => e.type === "ledger_entry");
  const profiles = events.filter((e): e is ProfileEvent => e.type === "customer_profile");
  const redemptions = events.filter((e): e is RedemptionEvent => e.type === "redemption");
  const audits = events.filter((e): e is AuditEvent => e.type === "audit");
  const tierChanges = events.filter((e): e is TierEvent => e.type === "tier_changed");
  if (entries.length + profiles.length + redemptions.length + audits.length + tierChanges.length === 0) return;
  await sql.begin(async (tx) => {
    if (profiles.length) await upsertProfiles(tx, profiles);
    if (entries.length) {
      await upsertBalances(tx, entries);
      await insertEntries(tx, entries);
    }
    if (redemptions.length) await upsertRedemptions(tx, redemptions);
    if (audits.length) await insertAudits(tx, audits);
    if (tierChanges.length) await insertTierChanges(tx, tierChanges);
  });
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
    // the entry added is the after; an adjustment has no before.
    subject_type: "customer",
    subject_id: customer_id,
    after: { entry_id: a.entry_id, points: a.points, reason: a.reason },
    created_at: a.created_at,
  }));
  await sql`
    INSERT INTO audit_logs ${sql(rows, "id", "shop", "actor_type", "actor_id", "action", "customer_id", "details", "subject_type", "subject_id", "after", "created_at")}
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
  await sql`
    INSERT INTO points_transactions ${sql(rows, "shop", "entry_id", "customer_id", "seq", "kind", "points", "balance_after", "source_type", "source_id", "snapshot", "note", "created_at")}
    ON CONFLICT (shop, entry_id) DO NOTHING`;
}
