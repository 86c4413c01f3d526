// GDPR in the reporting projection: a customer's profile for the data bundle, their rows
// anonymised for a redaction, a shop's rows deleted for shop/redact, and the tombstone lookup
// the projection uses for late events.
//
// Redaction (anonymiseCustomer), in one transaction:
// - every row of the customer (points_transactions, redemptions, tier_changes, audit_logs,
//   email_events: its recipient cleared) is
//   filed under a random anonymous id; free text that may name them (ledger notes, audit
//   reasons) and the order/source ids are cleared;
// - their customers row is merged into the anonymous row with every personal column null;
// - their outstanding balance is forfeited: one `forfeiture` entry of −balance (id = the
//   request id, so a retry adds nothing) and the balance set to 0. Points issued and points
//   redeemed are unchanged; the liability drops by exactly the forfeited points, which nobody
//   can redeem any more (the account is closed), and sum(ledger) = sum(balances) still holds.
import type { LedgerEvent } from "../core/ledger-events";
import type { Sql } from "./client";
import type { CustomerRow } from "./customers";

/** A customer's row as the bundle shows it: the merchant list's columns, and two more. */
export interface ProfileRow extends CustomerRow {
  shopify_created_at: Date | null;
  updated_at: Date;
}

export async function customerProfile(sql: Sql, shop: string, customerId: string): Promise<ProfileRow | null> {
  const [row] = await sql<ProfileRow[]>`
    SELECT customer_id, email_encrypted, first_name, last_name, points_balance, total_points_earned, total_points_redeemed,
           total_points_reversed, shopify_created_at, created_at, updated_at
      FROM customers WHERE shop = ${shop} AND customer_id = ${customerId}`;
  return row ?? null;
}

/** The anonymous id of a redacted customer (a tombstone), creating it on the first call. */
export async function tombstone(sql: Sql, shop: string, customerHash: string): Promise<string> {
  const [row] = await sql<{ anonymous_id: string }[]>`
    INSERT INTO gdpr_tombstones (shop, customer_hash, anonymous_id) VALUES (${shop}, ${customerHash}, ${`redacted-${crypto.randomUUID()}`})
    ON CONFLICT (shop, customer_hash) DO UPDATE SET shop = EXCLUDED.shop
    RETURNING anonymous_id`;
  return row!.anonymous_id;
}

/**
 * Events of redacted customers re-filed under their anonymous ids, their profiles dropped.
 * `hashOf` is the keyed hash (core/crypto customerKeyedHash). One query per batch.
 */
export async function refileRedacted(sql: Sql, events: LedgerEvent[], hashOf: (shop: string, customerId: string) => Promise<string>): Promise<LedgerEvent[]> {
  if (events.length === 0) return events;
  const keys = new Map<string, { shop: string; hash: string }>();
  for (const e of events) {
    const key = `${e.shop}\u0000${e.customer_id}`;
    if (!keys.has(key)) keys.set(key, { shop: e.shop, hash: await hashOf(e.shop, e.customer_id) });
  }
  // As JSON text: the client is configured without fetched types, so no native arrays.
  const pairs = JSON.stringify([...keys.values()].map((k) => ({ shop: k.shop, customer_hash: k.hash })));
  const rows = await sql<{ shop: string; customer_hash: string; anonymous_id: string }[]>`
    SELECT t.shop, t.customer_hash, t.anonymous_id FROM gdpr_tombstones t
      JOIN jsonb_to_recordset(${pairs}::text::jsonb) AS k(shop text, customer_hash text)
        ON t.shop = k.shop AND t.customer_hash = k.customer_hash`;
  if (rows.length === 0) return events;
  const anonymous = new Map(rows.map((r) => [`${r.shop}\u0000${r.customer_hash}`, r.anonymous_id]));
  const out: LedgerEvent[] = [];
  for (const e of events) {
    const anon = anonymous.get(`${e.shop}\u0000${keys.get(`${e.shop}\u0000${e.customer_id}`)!.hash}`);
    if (!anon) out.push(e);
    else if (e.type !== "customer_profile") out.push(anonymisedEvent(e, anon));
  }
  return out;
}

function anonymisedEvent(e: LedgerEvent, anonymousId: string): LedgerEvent {
  if (e.type === "ledger_entry") return { ...e, customer_id: anonymousId, entry: { ...e.entry, note: null, source_id: "redacted" } };
  if (e.type === "redemption") return { ...e, customer_id: anonymousId, redemption: { ...e.redemption, order_gid: null } };
  if (e.type === "audit") return { ...e, customer_id: anonymousId, audit: { ...e.audit, reason: "" } };
  if (e.type === "notification") return { ...e, customer_id: anonymousId, notification: { ...e.notification, recipient_encrypted: null } };
  if (e.type === "referral") return { ...e, customer_id: anonymousId, referral: { ...e.referral, id: anonymousId, friend_id: anonymousId, order_gid: null } };
  return { ...e, customer_id: anonymousId };
}

/** See the head of this file. Idempotent: a second call finds nothing under the customer id and the forfeiture already written. */
export async function anonymiseCustomer(sql: Sql, shop: string, customerId: string, anonymousId: string, requestId: string): Promise<{ forfeited: number }> {
  return sql.begin(async (tx) => {
    await tx`UPDATE points_transactions SET customer_id = ${anonymousId}, note = NULL, source_id = 'redacted' WHERE shop = ${shop} AND customer_id = ${customerId}`;
    await tx`UPDATE redemptions SET customer_id = ${anonymousId}, order_gid = NULL WHERE shop = ${shop} AND customer_id = ${customerId}`;
    await tx`UPDATE tier_changes SET customer_id = ${anonymousId} WHERE shop = ${shop} AND customer_id = ${customerId}`;
    // A referral stays counted (the shop's referral figures); who it joined is forgotten. As
    // the friend the row is theirs (its id is their customer id); as the advocate, theirs is the code.
    await tx`UPDATE referrals SET referral_id = ${anonymousId}, friend_id = ${anonymousId}, order_gid = NULL WHERE shop = ${shop} AND friend_id = ${customerId}`;
    await tx`UPDATE referrals SET advocate_id = ${anonymousId}, code = 'redacted' WHERE shop = ${shop} AND advocate_id = ${customerId}`;
    // What was sent stays counted; to whom is forgotten.
    await tx`UPDATE email_events SET customer_id = ${anonymousId}, recipient_encrypted = NULL WHERE shop = ${shop} AND customer_id = ${customerId}`;
    // An adjustment's row names the customer as its subject and keeps the reason in its after too.
    await tx`
      UPDATE audit_logs SET customer_id = ${anonymousId}, details = details - 'reason', after = after - 'reason',
        subject_id = CASE WHEN subject_type = 'customer' THEN ${anonymousId} ELSE subject_id END
      WHERE shop = ${shop} AND customer_id = ${customerId}`;
    // The real row's figures move to the anonymous row (the newer balance wins), then it goes.
    await tx`
      INSERT INTO customers (shop, customer_id, points_balance, total_points_earned, total_points_redeemed, total_points_reversed, balance_seq, created_at)
      SELECT shop, ${anonymousId}, points_balance, total_points_earned, total_points_redeemed, total_points_reversed, balance_seq, created_at
        FROM customers WHERE shop = ${shop} AND customer_id = ${customerId}
      ON CONFLICT (shop, customer_id) DO UPDATE SET
        points_balance = EXCLUDED.points_balance, total_points_earned = EXCLUDED.total_points_earned,
        total_points_redeemed = EXCLUDED.total_points_redeemed, total_points_reversed = EXCLUDED.total_points_reversed,
        balance_seq = EXCLUDED.balance_seq, updated_at = now()
      WHERE customers.balance_seq < EXCLUDED.balance_seq`;
    await tx`DELETE FROM customers WHERE shop = ${shop} AND customer_id = ${customerId}`;
    const [anon] = await tx<{ points_balance: string }[]>`SELECT points_balance FROM customers WHERE shop = ${shop} AND customer_id = ${anonymousId} FOR UPDATE`;
    const [already] = await tx`SELECT 1 FROM points_transactions WHERE shop = ${shop} AND entry_id = ${requestId}`;
    const balance = Number(anon?.points_balance ?? 0);
    if (already || !anon) return { forfeited: 0 };
    const [last] = await tx<{ seq: string | null }[]>`SELECT max(seq) AS seq FROM points_transactions WHERE shop = ${shop} AND customer_id = ${anonymousId}`;
    await tx`
      INSERT INTO points_transactions (shop, entry_id, customer_id, seq, kind, points, balance_after, source_type, source_id, created_at)
      VALUES (${shop}, ${requestId}, ${anonymousId}, ${Number(last?.seq ?? 0) + 1}, 'forfeiture', ${-balance}, 0, 'gdpr', 'redacted', now())`;
    // No later entry can move this balance: the customer's object takes no effect any more,
    // and a late copy of an entry already counted must not put the balance back.
    await tx`UPDATE customers SET points_balance = 0, balance_seq = ${Number.MAX_SAFE_INTEGER}, updated_at = now() WHERE shop = ${shop} AND customer_id = ${anonymousId}`;
    return { forfeited: balance };
  });
}

/** Customer ids the projection holds for the shop (anonymous ones excluded), a page at a time. */
export async function shopCustomerIds(sql: Sql, shop: string, limit: number): Promise<string[]> {
  const rows = await sql<{ customer_id: string }[]>`
    SELECT customer_id FROM customers WHERE shop = ${shop} AND customer_id NOT LIKE 'redacted-%' ORDER BY customer_id LIMIT ${limit}`;
  return rows.map((r) => r.customer_id);
}

/** Drops these customers' profile rows (shop/redact, once their objects are erased). */
export async function deleteCustomers(sql: Sql, shop: string, customerIds: string[]): Promise<void> {
  if (customerIds.length) await sql`DELETE FROM customers WHERE shop = ${shop} AND customer_id IN (SELECT jsonb_array_elements_text(${JSON.stringify(customerIds)}::text::jsonb))`;
}

/** Every row of the shop, in every table of the projection. */
// customer_orders, a rollup, empties itself: triggers on points_transactions take out what its
// deleted rows added (0011_points_daily.sql). points_daily's triggers only append the change
// (0014): its rows and the appended ones go here, after the ledger's.
export const SHOP_TABLES = ["points_transactions", "points_daily", "points_daily_pending", "redemptions", "tier_changes", "referrals", "audit_logs", "api_logs", "email_events", "exports", "customers", "gdpr_tombstones"] as const;

export async function deleteShop(sql: Sql, shop: string): Promise<void> {
  await sql.begin(async (tx) => {
    for (const table of SHOP_TABLES) await tx`DELETE FROM ${tx(table)} WHERE shop = ${shop}`;
  });
}
