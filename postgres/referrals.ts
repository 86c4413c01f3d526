// Referrals in the reporting projection: the ledger-events consumer's upsert (the highest
// revision of each referral wins, in any order of delivery), the merchant's filtered list, and
// the facts the referral ROI is computed from (core/referral-roi.ts does the arithmetic).
import type { LedgerEvent, ReferralRecord, ReferralStatus } from "../core/ledger-events";
import { computeReferralRoi, type FriendLedgerEntry, type PointValue, type ReferralRoi, type RoiReferral } from "../core/referral-roi";
import type { TransactionSql } from "postgres";
import type { Sql } from "./client";

export type ReferralEvent = Extract<LedgerEvent, { type: "referral" }>;

/** A referral as the merchant's list shows it: the record without its revision. */
export type ReferralView = Omit<ReferralRecord, "revision">;

/**
 * Idempotent: a repeat changes nothing, and an older revision arriving after a newer one is
 * dropped (within the batch first, then against the stored row).
 */
export async function projectReferrals(sql: Sql | TransactionSql, events: readonly ReferralEvent[]): Promise<void> {
  if (events.length === 0) return;
  const newest = new Map<string, ReferralEvent>();
  for (const e of events) {
    const key = `${e.shop}\u0000${e.referral.id}`;
    const seen = newest.get(key);
    if (!seen || seen.referral.revision < e.referral.revision) newest.set(key, e);
  }
  const rows = [...newest.values()].map(({ shop, referral: r }) => ({
    shop,
    referral_id: r.id,
    code: r.code,
    advocate_id: r.advocate_id,
    friend_id: r.friend_id,
    status: r.status,
    score: r.score,
    reasons: r.reasons,
    bound_via: r.bound_via,
    program_version: r.program_version,
    advocate_reward: r.advocate,
    friend_reward: r.friend,
    order_gid: r.order_gid,
    order_subtotal: r.order_subtotal,
    decided_by: r.decided_by,
    bound_at: r.bound_at,
    expires_at: r.expires_at,
    completed_at: r.completed_at,
    updated_at: r.updated_at,
    revision: r.revision,
  }));
  // The batch as one JSON parameter (postgres/logs.ts explains why); the client fetches no
  // types, so the JSON travels as text and is cast in SQL.
  await sql`
    INSERT INTO referrals (shop, referral_id, code, advocate_id, friend_id, status, score, reasons, bound_via, program_version,
      advocate_reward, friend_reward, order_gid, order_subtotal, decided_by, bound_at, expires_at, completed_at, updated_at, revision)
    SELECT shop, referral_id, code, advocate_id, friend_id, status, score, reasons, bound_via, program_version,
      advocate_reward, friend_reward, order_gid, order_subtotal, decided_by, bound_at, expires_at, completed_at, updated_at, revision
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) AS r(
      shop TEXT, referral_id TEXT, code TEXT, advocate_id TEXT, friend_id TEXT, status TEXT, score INTEGER, reasons JSONB,
      bound_via TEXT, program_version INTEGER, advocate_reward JSONB, friend_reward JSONB, order_gid TEXT, order_subtotal TEXT,
      decided_by TEXT, bound_at TIMESTAMPTZ, expires_at TIMESTAMPTZ, completed_at TIMESTAMPTZ, updated_at TIMESTAMPTZ, revision INTEGER)
    ON CONFLICT (shop, referral_id) DO UPDATE SET
      code = EXCLUDED.code, advocate_id = EXCLUDED.advocate_id, friend_id = EXCLUDED.friend_id, status = EXCLUDED.status,
      score = EXCLUDED.score, reasons = EXCLUDED.reasons, bound_via = EXCLUDED.bound_via, program_version = EXCLUDED.program_version,
      advocate_reward = EXCLUDED.advocate_reward, friend_reward = EXCLUDED.friend_reward, order_gid = EXCLUDED.order_gid,
      order_subtotal = EXCLUDED.order_subtotal, decided_by = EXCLUDED.decided_by, bound_at = EXCLUDED.bound_at,
      expires_at = EXCLUDED.expires_at, completed_at = EXCLUDED.completed_at, updated_at = EXCLUDED.updated_at,
      revision = EXCLUDED.revision
    WHERE referrals.revision < EXCLUDED.revision`;
}

export interface ReferralFilters {
  status?: ReferralStatus;
  advocateId?: string;
  friendId?: string;
  /** On bound_at: from included, to excluded. */
  from?: Date;
  to?: Date;
}

const ISO = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const VIEW_COLUMNS = `referral_id AS id, code, advocate_id, friend_id, status, score, reasons, bound_via, program_version,
  advocate_reward AS advocate, friend_reward AS friend, order_gid, order_subtotal, decided_by,
  ${ISO("bound_at")} AS bound_at, ${ISO("expires_at")} AS expires_at, ${ISO("completed_at")} AS completed_at, ${ISO("updated_at")} AS updated_at`;

/** One shop's referrals, newest bound first; `total` counts every row matching the filters. */
export async function listReferrals(
  sql: Sql,
  shop: string,
  filters: ReferralFilters,
  page: { page: number; perPage: number },
): Promise<{ rows: ReferralView[]; total: number }> {
  const where = sql`
    shop = ${shop}
    ${filters.status ? sql`AND status = ${filters.status}` : sql``}
    ${filters.advocateId ? sql`AND advocate_id = ${filters.advocateId}` : sql``}
    ${filters.friendId ? sql`AND referral_id = ${filters.friendId}` : sql``}
    ${filters.from ? sql`AND bound_at >= ${filters.from}` : sql``}
    ${filters.to ? sql`AND bound_at < ${filters.to}` : sql``}`;
  // One after the other on one connection, as postgres/customers.ts does (and says why).
  const rows = await sql<ReferralView[]>`
    SELECT ${sql.unsafe(VIEW_COLUMNS)} FROM referrals WHERE ${where}
    ORDER BY bound_at DESC, referral_id DESC
    LIMIT ${page.perPage} OFFSET ${(page.page - 1) * page.perPage}`;
  const [count] = await sql<{ total: string }[]>`SELECT count(*)::text AS total FROM referrals WHERE ${where}`;
  return { rows: [...rows], total: Number(count?.total ?? 0) };
}

/**
 * The referral ROI of the referrals that completed in [from, to) (core/referral-roi.ts states
 * what counts). `pointValue` is the shop's money per point (core/referral-roi.ts
 * bestPointValue of its rewards catalog, which lives in D1, out of this client's reach).
 */
export async function referralRoi(sql: Sql, shop: string, from: Date | null, to: Date | null, pointValue: PointValue | null): Promise<ReferralRoi> {
  const cohort = sql`
    shop = ${shop} AND completed_at IS NOT NULL AND status IN ('completed', 'reversed')
    ${from ? sql`AND completed_at >= ${from}` : sql``}
    ${to ? sql`AND completed_at < ${to}` : sql``}`;
  const referrals = await sql<RoiReferral[]>`
    SELECT referral_id AS friend_id, status, advocate_reward AS advocate, friend_reward AS friend, order_gid, order_subtotal,
           ${sql.unsafe(ISO("completed_at"))} AS completed_at
    FROM referrals WHERE ${cohort}`;
  if (referrals.length === 0) return computeReferralRoi([], [], pointValue);
  // Every order earn and order reversal of those friends, before their completion too: a
  // reversal is matched to its order over the friend's whole ledger (core/referral-roi.ts).
  // The projection stores each snapshot as a JSON string inside the jsonb (postgres/simulate.ts
  // reads it the same way); parsed, jsonb's text form is canonical, so equal snapshots compare
  // equal as text.
  const entries = await sql<FriendLedgerEntry[]>`
    SELECT friend_id, kind, points, source_id, snapshot::text AS snapshot_key, snapshot->>'base_mills' AS base_mills, created_at
    FROM (
      SELECT customer_id AS friend_id, kind, points::int AS points, source_id, seq, ${sql.unsafe(ISO("created_at"))} AS created_at,
             CASE WHEN jsonb_typeof(snapshot) = 'string' THEN (snapshot #>> '{}')::jsonb ELSE snapshot END AS snapshot
      FROM points_transactions
      WHERE shop = ${shop} AND customer_id IN (SELECT referral_id FROM referrals WHERE ${cohort})
        AND ((kind = 'earn' AND source_type = 'order') OR (kind = 'reversal' AND source_type IN ('order', 'refund')))
    ) AS entries
    ORDER BY friend_id, seq`;
  return computeReferralRoi([...referrals], [...entries], pointValue);
}
