// A CustomerAccount's referral storage (migration 10): the referral this customer is the friend
// of, the referrals they are the advocate of, and the keyed hashes the fraud checks compare.
// Plain reads and writes; the CustomerAccount decides when, inside its transactions.
import type { ReferralRecord } from "../core/ledger-events";
import type { ReferralIdentity, ReferralIdentityUpdate, ReferredFriend } from "./customer-account-types";

export function readReferral(sql: SqlStorage): ReferralRecord | null {
  const row = sql.exec<{ record: string }>(`SELECT record FROM referral`).toArray()[0];
  return row ? (JSON.parse(row.record) as ReferralRecord) : null;
}

/** A reward code not issued right after its commit is tried by the alarm this much later. */
export const DISCOUNT_BACKSTOP_MS = 30_000;
/** After this many failed tries a reward code is given up (logged; the merchant can adjust by hand). */
export const DISCOUNT_MAX_ATTEMPTS = 5;

/** A side whose reward is a code that has not been issued yet. */
const codeDue = (side: ReferralRecord["friend"], status: ReferralRecord["status"]) => status === "completed" && side.reward.type === "discount" && side.redemption_id === null;

/**
 * Stores a new state of the friend's referral (the caller bumped its revision). True when the
 * friend's reward code is due (marked for issuing after the commit, the alarm as backstop).
 */
export function writeReferral(sql: SqlStorage, record: ReferralRecord): boolean {
  const due = codeDue(record.friend, record.status);
  sql.exec(
    `INSERT INTO referral (singleton, record, status, expires_at, updated_at, discount_due_at) VALUES (1, ?, ?, ?, ?, ?)
     ON CONFLICT (singleton) DO UPDATE SET record = excluded.record, status = excluded.status,
       expires_at = excluded.expires_at, updated_at = excluded.updated_at,
       discount_due_at = CASE WHEN ? THEN coalesce(referral.discount_due_at, excluded.discount_due_at) ELSE NULL END`,
    JSON.stringify(record),
    record.status,
    Date.parse(record.expires_at),
    Date.parse(record.updated_at),
    due ? Date.now() + DISCOUNT_BACKSTOP_MS : null,
    due ? 1 : 0,
  );
  return due;
}

/** A reward code to issue: whose side, the referral, and the try it is. */
export interface DueCode {
  side: "friend" | "advocate";
  record: ReferralRecord;
  attempts: number;
}

export function dueCodes(sql: SqlStorage, dueBy: number): DueCode[] {
  const friend = sql
    .exec<{ record: string; discount_attempts: number }>(`SELECT record, discount_attempts FROM referral WHERE discount_due_at <= ?`, dueBy)
    .toArray()
    .map((r) => ({ side: "friend" as const, record: JSON.parse(r.record) as ReferralRecord, attempts: r.discount_attempts }));
  const advocate = sql
    .exec<{ record: string; discount_attempts: number }>(`SELECT record, discount_attempts FROM referred_friends WHERE discount_due_at <= ?`, dueBy)
    .toArray()
    .map((r) => ({ side: "advocate" as const, record: JSON.parse(r.record) as ReferralRecord, attempts: r.discount_attempts }));
  return [...friend, ...advocate];
}

/** A try failed: the next one after a growing wait, or none after the last. */
export function codeFailed(sql: SqlStorage, due: DueCode, now: number): void {
  const table = due.side === "friend" ? "referral" : "referred_friends";
  const attempts = due.attempts + 1;
  const next = attempts >= DISCOUNT_MAX_ATTEMPTS ? null : now + DISCOUNT_BACKSTOP_MS * 2 ** attempts;
  sql.exec(`UPDATE ${table} SET discount_attempts = ?, discount_due_at = ? ${due.side === "advocate" ? "WHERE id = ?" : ""}`, attempts, next, ...(due.side === "advocate" ? [due.record.id] : []));
}

export function nextCodeDue(sql: SqlStorage): number | null {
  return sql.exec<{ at: number | null }>(`SELECT min(at) AS at FROM (SELECT discount_due_at AS at FROM referral UNION ALL SELECT discount_due_at FROM referred_friends)`).one().at;
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

/** The advocate's side of one referral: the points it holds from it, and its reward code once issued. */
export function setFriendReward(sql: SqlStorage, id: string, points: number, redemptionId: string | null): void {
  sql.exec(`UPDATE referred_friends SET points = ?, redemption_id = coalesce(?, redemption_id) WHERE id = ?`, points, redemptionId, id);
}

/** The advocate's reward code for this referral is due (the record completed it and none was issued). True when marked. */
export function markAdvocateCodeDue(sql: SqlStorage, record: ReferralRecord): boolean {
  if (record.status !== "completed" || record.advocate.reward.type !== "discount") return false;
  return (
    sql.exec(
      `UPDATE referred_friends SET discount_due_at = ? WHERE id = ? AND redemption_id IS NULL AND discount_due_at IS NULL AND discount_attempts = 0`,
      Date.now() + DISCOUNT_BACKSTOP_MS,
      record.id,
    ).rowsWritten > 0
  );
}

export function advocateCodeIssued(sql: SqlStorage, id: string, redemptionId: string): void {
  sql.exec(`UPDATE referred_friends SET redemption_id = ?, discount_due_at = NULL WHERE id = ?`, redemptionId, id);
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
