// The redemptions table of one CustomerAccount: every read and write of its rows, so the saga
// in customer-account.ts reads as steps. Called inside the object's storage transactions.
import type { RedemptionRow } from "./redemptions";

export type NewRedemption = Omit<RedemptionRow, "status" | "revision" | "discount_gid" | "failure_reason" | "order_gid" | "updated_at">;
export type RedemptionChanges = Partial<Pick<RedemptionRow, "status" | "discount_gid" | "failure_reason" | "resolve_after" | "order_gid">>;

/** A new redemption is `pending` until Shopify's answer settles it. */
export function insert(sql: SqlStorage, row: NewRedemption): void {
  sql.exec(
    `INSERT INTO redemptions (id, request_key, request_hash, reward_id, reward_version, reward_type, title, points, spec,
       code_encrypted, code_hash, status, reserve_seq, ends_at, return_on_expiry, resolve_after, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
    row.id,
    row.request_key,
    row.request_hash,
    row.reward_id,
    row.reward_version,
    row.reward_type,
    row.title,
    row.points,
    row.spec,
    row.code_encrypted,
    row.code_hash,
    row.reserve_seq,
    row.ends_at,
    row.return_on_expiry,
    row.resolve_after,
    row.created_at,
    row.created_at,
  );
}

/** Every change bumps the revision: the projection keeps the highest it has seen. */
export function update(sql: SqlStorage, id: string, changes: RedemptionChanges): void {
  const columns = Object.keys(changes) as (keyof RedemptionChanges)[];
  sql.exec(
    `UPDATE redemptions SET ${columns.map((c) => `${c} = ?`).join(", ")}, revision = revision + 1, updated_at = ? WHERE id = ?`,
    ...columns.map((c) => changes[c] ?? null),
    Date.now(),
    id,
  );
}

const first = (rows: RedemptionRow[]): RedemptionRow | null => rows[0] ?? null;

export function byId(sql: SqlStorage, id: string): RedemptionRow | null {
  return first(sql.exec<RedemptionRow>(`SELECT * FROM redemptions WHERE id = ?`, id).toArray());
}

export function byRequestKey(sql: SqlStorage, key: string): RedemptionRow | null {
  return first(sql.exec<RedemptionRow>(`SELECT * FROM redemptions WHERE request_key = ?`, key).toArray());
}

export function byCodeHash(sql: SqlStorage, hash: string): RedemptionRow | null {
  return first(sql.exec<RedemptionRow>(`SELECT * FROM redemptions WHERE code_hash = ?`, hash).toArray());
}

/** Pending redemptions whose settle time has come, oldest first, a few per alarm run. */
export function dueToSettle(sql: SqlStorage, now: number, limit = 20): RedemptionRow[] {
  return sql.exec<RedemptionRow>(`SELECT * FROM redemptions WHERE status = 'pending' AND resolve_after <= ? ORDER BY resolve_after LIMIT ?`, now, limit).toArray();
}

export function usedBy(sql: SqlStorage, orderGid: string): RedemptionRow[] {
  return sql.exec<RedemptionRow>(`SELECT * FROM redemptions WHERE order_gid = ? AND status = 'used'`, orderGid).toArray();
}

/** Issued codes whose end came at or before `endedBy`. */
export function issuedEndedBy(sql: SqlStorage, endedBy: number): RedemptionRow[] {
  return sql.exec<RedemptionRow>(`SELECT * FROM redemptions WHERE status = 'issued' AND ends_at IS NOT NULL AND ends_at <= ?`, endedBy).toArray();
}

export function newest(sql: SqlStorage, limit: number): RedemptionRow[] {
  return sql.exec<RedemptionRow>(`SELECT * FROM redemptions ORDER BY created_at DESC LIMIT ?`, limit).toArray();
}
