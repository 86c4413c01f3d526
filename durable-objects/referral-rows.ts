// A CustomerAccount's referral storage (migration 10): the referral this customer is the friend
// of, the referrals they are the advocate of, and the keyed hashes the fraud checks compare.
// Plain reads and writes; the CustomerAccount decides when, inside its transactions.
import type { ReferralRecord } from "../core/ledger-events";
import type { ReferralIdentity, ReferralIdentityUpdate, ReferredFriend } from "./customer-account-types";

export function readReferral(sql: SqlStorage): ReferralRecord | null {
  const row = sql.exec<{ record: string }>(`SELECT record FROM referral`).toArray()[0];
  return row ? (JSON.parse(row.record) as ReferralRecord) : null;
}

/** Stores a new state of the friend's referral; the caller bumped its revision. */
export function writeReferral(sql: SqlStorage, record: ReferralRecord): void {
  sql.exec(
    `INSERT INTO referral (singleton, record, status, expires_at, updated_at) VALUES (1, ?, ?, ?, ?)
     ON CONFLICT (singleton) DO UPDATE SET record = excluded.record, status = excluded.status,
       expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
    JSON.stringify(record),
    record.status,
    Date.parse(record.expires_at),
    Date.parse(record.updated_at),
  );
}

/** When a pending referral expires (the alarm's), or null. */
export function pendingReferralDeadline(sql: SqlStorage): number | null {
  return sql.exec<{ at: number | null }>(`SELECT min(expires_at) AS at FROM referral WHERE status = 'pending'`).one().at;
}

export interface FriendRow {
  record: ReferralRecord;
  /** Points this (the advocate's) account gave for it, net of what it took back. */
  points: number;
  redemption_id: string | null;
}

export function readFriend(sql: SqlStorage, id: string): FriendRow | null {
  const row = sql
    .exec<{ record: string; points: number; redemption_id: string | null }>(`SELECT record, points, redemption_id FROM referred_friends WHERE id = ?`, id)
    .toArray()[0];
  return row ? { record: JSON.parse(row.record) as ReferralRecord, points: row.points, redemption_id: row.redemption_id } : null;
}

/** Keeps the record if it is newer than the one held; false when it is not (a late or repeated delivery). */
export function keepFriendRecord(sql: SqlStorage, record: ReferralRecord): boolean {
  return (
    sql.exec(
      `INSERT INTO referred_friends (id, record, revision, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET record = excluded.record, revision = excluded.revision, updated_at = excluded.updated_at
       WHERE excluded.revision > referred_friends.revision`,
      record.id,
      JSON.stringify(record),
      record.revision,
      Date.now(),
    ).rowsWritten > 0
  );
}

export function setFriendReward(sql: SqlStorage, id: string, points: number, redemptionId: string | null): void {
  sql.exec(`UPDATE referred_friends SET points = ?, redemption_id = coalesce(?, redemption_id) WHERE id = ?`, points, redemptionId, id);
}

export function referredFriends(sql: SqlStorage): ReferredFriend[] {
  return sql
    .exec<{ record: string; points: number; redemption_id: string | null }>(`SELECT record, points, redemption_id FROM referred_friends ORDER BY rowid DESC`)
    .toArray()
    .map((row) => {
      const record = JSON.parse(row.record) as ReferralRecord;
      return {
        id: record.id,
        status: record.status,
        bound_at: record.bound_at,
        completed_at: record.completed_at,
        points: row.points,
        discount: row.redemption_id !== null,
      };
    });
}

export interface StoredIdentity extends ReferralIdentity {
  customerCreatedAt: number | null;
}

export function readIdentity(sql: SqlStorage): StoredIdentity {
  const row = sql
    .exec<{ email: string | null; phone: string | null; address: string | null; customer_created_at: number | null }>(
      `SELECT email, phone, address, customer_created_at FROM referral_identity`,
    )
    .toArray()[0];
  return { email: row?.email ?? null, phone: row?.phone ?? null, address: row?.address ?? null, customerCreatedAt: row?.customer_created_at ?? null };
}

/** What a webhook told replaces what an older one did; what it did not tell stays. */
export function rememberIdentity(sql: SqlStorage, update: ReferralIdentityUpdate): void {
  const known = readIdentity(sql);
  const next = {
    email: update.email ?? known.email,
    phone: update.phone ?? known.phone,
    address: update.address ?? known.address,
    customerCreatedAt: update.customerCreatedAt ?? known.customerCreatedAt,
  };
  if (next.email === known.email && next.phone === known.phone && next.address === known.address && next.customerCreatedAt === known.customerCreatedAt) return;
  sql.exec(
    `INSERT INTO referral_identity (singleton, email, phone, address, customer_created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?)
     ON CONFLICT (singleton) DO UPDATE SET email = excluded.email, phone = excluded.phone, address = excluded.address,
       customer_created_at = excluded.customer_created_at, updated_at = excluded.updated_at`,
    next.email,
    next.phone,
    next.address,
    next.customerCreatedAt,
    Date.now(),
  );
}
