// Per-customer limits on earning actions ("at most `count` times per `period`"). Periods are
// calendar periods in UTC, not rolling windows: a day starts at 00:00 UTC, a week on Monday
// 00:00 UTC (ISO weeks), a month on its 1st, a year on 1 January; `lifetime` never resets.
// An award counts in the period that contains the time it was awarded for.
import type { ActionName, EarnLimit, ProgramSettings, SocialNetwork } from "./program";

const DAY_MS = 86_400_000;

/** The start (inclusive) and end (exclusive) of the `period` containing `at` (epoch ms). */
export function limitPeriodAt(period: EarnLimit["period"], at: number): { start: number; end: number } {
  const d = new Date(at);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (period) {
    case "lifetime":
      return { start: Number.NEGATIVE_INFINITY, end: Number.POSITIVE_INFINITY };
    case "day": {
      const start = Date.UTC(y, m, d.getUTCDate());
      return { start, end: start + DAY_MS };
    }
    case "week": {
      const sinceMonday = (d.getUTCDay() + 6) % 7;
      const start = Date.UTC(y, m, d.getUTCDate() - sinceMonday);
      return { start, end: start + 7 * DAY_MS };
    }
    case "month":
      return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
    case "year":
      return { start: Date.UTC(y, 0, 1), end: Date.UTC(y + 1, 0, 1) };
  }
}

/** How many of `awardedAt` fall in the period of `at`. */
export function awardsInPeriod(awardedAt: readonly number[], limit: EarnLimit, at: number): number {
  const { start, end } = limitPeriodAt(limit.period, at);
  return awardedAt.filter((t) => t >= start && t < end).length;
}

/** Whether one more award at `at` stays within `limit`, given when the action was already awarded. */
export function mayAward(awardedAt: readonly number[], limit: EarnLimit, at: number): boolean {
  return awardsInPeriod(awardedAt, limit, at) < limit.count;
}

/** What an earning action is worth now and how often: null when the program, the action or the network is off. */
export function actionRule(
  program: ProgramSettings,
  action: Exclude<ActionName, "goal_spend">,
  network?: string,
): { points: number; limit: EarnLimit } | null {
  if (!program.enabled) return null;
  if (action === "social_follow") {
    const rule = program.earning.social_follow;
    const points = network === undefined ? undefined : rule.networks[network as SocialNetwork];
    return rule.enabled && points !== undefined && points > 0 ? { points, limit: rule.limit } : null;
  }
  const rule = program.earning[action];
  return rule.enabled && rule.points > 0 ? { points: rule.points, limit: rule.limit } : null;
}

/** The goal-spend rule now: null when the program or the goal is off. */
export function goalSpendRule(program: ProgramSettings): ProgramSettings["earning"]["goal_spend"] | null {
  const rule = program.earning.goal_spend;
  return program.enabled && rule.enabled && rule.points > 0 ? rule : null;
}

/** The networks the shop offers points for (enabled, worth more than 0). */
export function offeredNetworks(program: ProgramSettings): SocialNetwork[] {
  const rule = program.earning.social_follow;
  if (!program.enabled || !rule.enabled) return [];
  return (Object.entries(rule.networks) as [SocialNetwork, number][]).filter(([, points]) => points > 0).map(([network]) => network);
}
