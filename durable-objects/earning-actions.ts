// Earning actions inside a CustomerAccount: the one award path (key → limit → ledger entry),
// the shopper's birthday, and goal spend. Functions over the object's SQL storage, called inside
// its storage transaction, so an award's key, its limit check and its ledger entry commit
// together and concurrent requests (which the object serializes) cannot pass a limit.
import { nextBirthdayAfter, type Birthday } from "../core/birthday";
import { actionRule, mayAward } from "../core/earn-limits";
import { goalReachedAt, type PaidOrderSpend } from "../core/goal-spend";
import type { ActionKind, ActionSnapshot, LedgerEntry } from "../core/ledger-events";
import type { EarnLimit, ProgramSettings, SocialNetwork } from "../core/program";
import type { NewsletterConsent } from "./customer-account-types";

type GoalSpendRule = ProgramSettings["earning"]["goal_spend"];

export interface ActionAward {
  action: ActionKind;
  /** The limit is counted per scope within the action (a social follow's network); default ''. */
  scope?: string;
  /** Idempotency key: the same key never awards twice (also the ledger entry's key). */
  key: string;
  /** The time the limit counts this award at (epoch ms). */
  at: number;
  /** What the action is worth and how often; null when the program or the action is off. */
  rule: { points: number; limit: EarnLimit } | null;
  program: ProgramSettings;
  sourceType: LedgerEntry["source_type"];
  sourceId: string;
  note: string;
}

export type AwardOutcome =
  /** campaign_points: the bonus-action campaigns' points that came with the award. */
  | { outcome: "applied" | "duplicate"; points: number; campaign_points?: number }
  | { outcome: "limit_reached" | "not_offered"; points: 0 };

/** Appends the award's ledger entry (kind = the action) and returns its seq. */
export type AppendAward = (award: ActionAward, points: number, snapshot: ActionSnapshot) => number;

/** Awards once per key and within the limit. Call inside the object's transaction. */
export function awardAction(sql: SqlStorage, award: ActionAward, append: AppendAward): AwardOutcome {
  const seen = sql.exec<{ points: number }>(`SELECT points FROM action_awards WHERE key = ?`, award.key).toArray()[0];
  if (seen) return { outcome: "duplicate", points: seen.points };
  if (!award.rule) return { outcome: "not_offered", points: 0 };
  const scope = award.scope ?? "";
  const earlier = sql
    .exec<{ awarded_for: number }>(`SELECT awarded_for FROM action_awards WHERE action = ? AND scope = ?`, award.action, scope)
    .toArray()
    .map((row) => row.awarded_for);
  if (!mayAward(earlier, award.rule.limit, award.at)) return { outcome: "limit_reached", points: 0 };
  const { points, limit } = award.rule;
  const seq = append(award, points, { program_version: award.program.version, action: award.action, points, limit });
  sql.exec(
    `INSERT INTO action_awards (key, action, scope, awarded_for, points, ledger_seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    award.key,
    award.action,
    scope,
    award.at,
    points,
    seq,
    Date.now(),
  );
  return { outcome: "applied", points };
}

// --- Each action's award: its key (what makes a repeat a duplicate), time and rule ----------

export function signupAward(program: ProgramSettings, customerGid: string, at: number): ActionAward {
  // The key signup bonuses always had (customers/create).
  return { action: "signup", key: `${customerGid}:signup`, at, rule: actionRule(program, "signup"), program, sourceType: "customer", sourceId: customerGid, note: "signup bonus" };
}

/** One subscription (its consent time) awards once; a resubscription is a new one, within the limit. */
export function newsletterAward(program: ProgramSettings, customerGid: string, consent: NewsletterConsent): ActionAward {
  return {
    action: "newsletter",
    key: `newsletter:${consent.consentedAt ?? "subscribed"}`,
    at: consent.consentedAt ?? consent.triggeredAt,
    rule: actionRule(program, "newsletter"),
    program,
    sourceType: "customer",
    sourceId: customerGid,
    note: "newsletter signup",
  };
}

export function reviewAward(program: ProgramSettings, reviewId: string, at: number): ActionAward {
  return { action: "review", key: `review:${reviewId}`, at, rule: actionRule(program, "review"), program, sourceType: "review", sourceId: reviewId, note: "product review" };
}

/** Counted per network; the request's key makes a retry a duplicate. */
export function socialFollowAward(program: ProgramSettings, network: SocialNetwork, requestKey: string, at: number): ActionAward {
  return {
    action: "social_follow",
    scope: network,
    key: `social_follow:${network}:${requestKey}`,
    at,
    rule: actionRule(program, "social_follow", network),
    program,
    sourceType: "customer",
    sourceId: network,
    note: `followed on ${network}`,
  };
}

export function birthdayAward(program: ProgramSettings, due: { at: number; year: number }): ActionAward {
  const id = `birthday:${due.year}`;
  return { action: "birthday", key: id, at: due.at, rule: actionRule(program, "birthday"), program, sourceType: "customer", sourceId: id, note: "birthday" };
}

/** The order that reached the goal names the award. */
export function goalSpendAward(program: ProgramSettings, rule: GoalSpendRule, orderGid: string, at: number): ActionAward {
  return {
    action: "goal_spend",
    key: `goal_spend:${orderGid}`,
    at,
    rule: { points: rule.points, limit: rule.limit },
    program,
    sourceType: "order",
    sourceId: orderGid,
    note: `spent ${rule.amount} within ${rule.days} days`,
  };
}

// --- What the shopper already did -------------------------------------------------------------

/** Networks a social follow was awarded for. */
export function followedNetworks(sql: SqlStorage): string[] {
  return sql
    .exec<{ scope: string }>(`SELECT DISTINCT scope FROM action_awards WHERE action = 'social_follow' ORDER BY scope`)
    .toArray()
    .map((row) => row.scope);
}

// --- Birthday -------------------------------------------------------------------------------

export interface StoredBirthday extends Birthday {
  year: number | null;
  next_award_at: number;
}

export function storedBirthday(sql: SqlStorage): StoredBirthday | null {
  const row = sql
    .exec<{ month: number; day: number; year: number | null; next_award_at: number }>(`SELECT month, day, year, next_award_at FROM birthday`)
    .toArray()[0];
  return row ? { month: row.month, day: row.day, year: row.year, next_award_at: row.next_award_at } : null;
}

export type SetBirthdayOutcome = "set" | "unchanged" | "already_set";

/**
 * Stores the birthday once. Giving the same month and day again changes nothing; a different
 * one is refused (a birthday cannot be moved to collect its points again).
 */
export function setBirthday(sql: SqlStorage, input: Birthday & { year?: number }, now: number): SetBirthdayOutcome {
  const stored = storedBirthday(sql);
  if (stored) return stored.month === input.month && stored.day === input.day ? "unchanged" : "already_set";
  sql.exec(
    `INSERT INTO birthday (singleton, month, day, year, set_at, next_award_at) VALUES (1, ?, ?, ?, ?, ?)`,
    input.month,
    input.day,
    input.year ?? null,
    now,
    nextBirthdayAfter(input, now),
  );
  return "set";
}

/** The birthday due by `now`, if any: its award is keyed on the year it falls in. */
export function dueBirthday(sql: SqlStorage, now: number): { at: number; year: number } | null {
  const stored = storedBirthday(sql);
  if (!stored || stored.next_award_at > now) return null;
  return { at: stored.next_award_at, year: new Date(stored.next_award_at).getUTCFullYear() };
}

/** After a birthday was handled (awarded or not): the next one. */
export function birthdayHandled(sql: SqlStorage, at: number): void {
  const stored = storedBirthday(sql);
  if (stored) sql.exec(`UPDATE birthday SET next_award_at = ?`, nextBirthdayAfter(stored, at));
}

/** When the alarm must wake for the birthday (wake-schedule.ts). */
export function nextBirthdayWake(sql: SqlStorage): number | null {
  return storedBirthday(sql)?.next_award_at ?? null;
}

// --- Goal spend -----------------------------------------------------------------------------

/**
 * When the customer's paid orders reach the goal in a window holding the order placed at `at`
 * (core/goal-spend.ts goalReachedAt), or null. Spend that reached an earlier goal (orders
 * placed at or before that award's time) is not counted again.
 */
export function goalSpendReachedAt(sql: SqlStorage, goal: { amount: string; days: number }, at: number): number | null {
  const countedThrough = sql
    .exec<{ t: number | null }>(`SELECT max(awarded_for) AS t FROM action_awards WHERE action = 'goal_spend'`)
    .one().t;
  const span = goal.days * 86_400_000;
  const orders = sql
    .exec<{ paid_at: number; base_mills: number; refunded_mills: number; cancelled: number }>(
      `SELECT paid_at, base_mills, refunded_mills, cancelled FROM orders WHERE paid = 1 AND base_mills IS NOT NULL AND paid_at > ? AND paid_at < ?`,
      at - span,
      at + span,
    )
    .toArray()
    .map((o): PaidOrderSpend => ({ paidAt: o.paid_at, baseMills: o.base_mills, refundedMills: o.refunded_mills, cancelled: o.cancelled === 1 }));
  return goalReachedAt(orders, goal, at, countedThrough);
}
