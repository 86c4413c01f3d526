// The VIP tier tables of one CustomerAccount (DO migration "tiers"): the tier held and the
// append-only record of its changes, and the facts core/tiers.ts evaluates.
import type { TierPolicy } from "../core/program";
import { addUtcYears, periodStart, type Facts, type TierChange, type TierState } from "../core/tiers";
import type { TierChangeRecord } from "../core/ledger-events";

const DAY_MS = 86_400_000;

export function readState(sql: SqlStorage): TierState & { wake_at: number | null } {
  return sql
    .exec<{ tier_id: string | null; since: number | null; below_since: number | null; wake_at: number | null }>(
      `SELECT tier_id, since, below_since, wake_at FROM tier_state`,
    )
    .one();
}

export function writeState(sql: SqlStorage, state: TierState, wakeAt: number | null): void {
  sql.exec(`UPDATE tier_state SET tier_id = ?, since = ?, below_since = ?, wake_at = ?`, state.tier_id, state.since, state.below_since, wakeAt);
}

/** Only wake_at (a failed configuration read postpones the next evaluation). */
export function setWakeAt(sql: SqlStorage, wakeAt: number | null): void {
  sql.exec(`UPDATE tier_state SET wake_at = ?`, wakeAt);
}

/**
 * The ledger entries and orders that may count in the period (a day's margin on the rolling
 * window: core/tiers.ts decides exactly which count).
 */
export function facts(sql: SqlStorage, policy: TierPolicy, now: number): Facts {
  const start = periodStart(policy.period, now);
  const from = start === null ? 0 : policy.period === "rolling_12_months" ? addUtcYears(now, -1) - 2 * DAY_MS : start;
  if (policy.basis === "points") {
    const ledger = sql
      .exec<{ kind: string; points: number; at: number }>(`SELECT kind, points, created_at AS at FROM ledger WHERE created_at >= ?`, from)
      .toArray();
    return { ledger, orders: [] };
  }
  const orders = sql
    .exec<{ cancelled: number; base_mills: number; refunded_mills: number; at: number }>(
      `SELECT cancelled, base_mills, refunded_mills, paid_at AS at FROM orders WHERE paid = 1 AND base_mills IS NOT NULL AND paid_at >= ?`,
      from,
    )
    .toArray()
    .map((o) => ({ paid: true, cancelled: o.cancelled === 1, base_mills: o.base_mills, refunded_mills: o.refunded_mills, at: o.at }));
  return { ledger: [], orders };
}

/** Appends a change; returns it as the outbox publishes it. */
export function insertChange(sql: SqlStorage, change: TierChange, basis: TierPolicy["basis"], value: number): TierChangeRecord {
  const id = crypto.randomUUID();
  const seq = sql
    .exec<{ seq: number }>(
      `INSERT INTO tier_changes (id, from_tier, to_tier, reason, basis, value, at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
      id,
      change.from,
      change.to,
      change.reason,
      basis,
      value,
      change.at,
    )
    .one().seq;
  return { id, seq, from: change.from, to: change.to, reason: change.reason, basis, value, at: new Date(change.at).toISOString() };
}

export function changes(sql: SqlStorage): TierChangeRecord[] {
  return sql
    .exec<{ id: string; seq: number; from_tier: string | null; to_tier: string | null; reason: TierChangeRecord["reason"]; basis: TierChangeRecord["basis"]; value: number; at: number }>(
      `SELECT * FROM tier_changes ORDER BY seq`,
    )
    .toArray()
    .map((r) => ({ id: r.id, seq: r.seq, from: r.from_tier, to: r.to_tier, reason: r.reason, basis: r.basis, value: r.value, at: new Date(r.at).toISOString() }));
}

// --- Entry rewards -------------------------------------------------------------------------------

/** How many times an entry reward is tried before it is given up as `failed`. */
export const ENTRY_REWARD_ATTEMPTS = 5;
const ENTRY_REWARD_RETRY_MS = 60_000;

/** Records a tier's entry reward as due, once per tier ever: false when it was already recorded. */
export function recordEntryReward(sql: SqlStorage, tierId: string, rewardId: string, dueAt: number): boolean {
  return (
    sql.exec(
      `INSERT OR IGNORE INTO tier_entry_rewards (tier_id, reward_id, status, due_at, created_at) VALUES (?, ?, 'due', ?, ?)`,
      tierId,
      rewardId,
      dueAt,
      Date.now(),
    ).rowsWritten > 0
  );
}

export function dueEntryRewards(sql: SqlStorage, dueBy: number) {
  return sql
    .exec<{ tier_id: string; reward_id: string; attempts: number }>(
      `SELECT tier_id, reward_id, attempts FROM tier_entry_rewards WHERE status = 'due' AND due_at <= ? ORDER BY created_at`,
      dueBy,
    )
    .toArray();
}

export function finishEntryReward(sql: SqlStorage, tierId: string, status: "done" | "skipped", redemptionId: string | null, note: string | null): void {
  sql.exec(`UPDATE tier_entry_rewards SET status = ?, redemption_id = ?, note = ?, due_at = NULL WHERE tier_id = ?`, status, redemptionId, note, tierId);
}

/** A failed try: again after 1, 2, 4, 8 minutes, then `failed` for good. */
export function retryEntryReward(sql: SqlStorage, tierId: string, now: number, note: string): void {
  sql.exec(
    `UPDATE tier_entry_rewards SET attempts = attempts + 1, note = ?,
       status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE status END,
       due_at = CASE WHEN attempts + 1 >= ? THEN NULL ELSE ? * (1 << attempts) + ? END
     WHERE tier_id = ?`,
    note,
    ENTRY_REWARD_ATTEMPTS,
    ENTRY_REWARD_ATTEMPTS,
    ENTRY_REWARD_RETRY_MS,
    now,
    tierId,
  );
}

export function entryRewards(sql: SqlStorage) {
  return sql
    .exec<{ tier_id: string; reward_id: string; status: string; attempts: number; redemption_id: string | null; note: string | null }>(
      `SELECT tier_id, reward_id, status, attempts, redemption_id, note FROM tier_entry_rewards ORDER BY created_at`,
    )
    .toArray();
}
