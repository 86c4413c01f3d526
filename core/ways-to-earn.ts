// What the storefront shows of the program: the points currency's name in the shopper's
// language and the ways to earn that are offered now. Pure: the widget config route calls it.
import { z } from "zod";
import { EarnLimitSchema, type ProgramSettings } from "./program";

export const WayToEarnSchema = z.object({
  action: z.enum(["purchase", "signup", "newsletter", "review", "birthday", "social_follow", "goal_spend"]),
  /** purchase: points per 1 unit of the shop's currency; otherwise points per award. */
  points: z.number().int(),
  network: z.string().optional(),
  /** goal_spend: spend this much within `days` days. */
  amount: z.string().optional(),
  days: z.number().int().optional(),
  limit: EarnLimitSchema.optional(),
});
export type WayToEarn = z.infer<typeof WayToEarnSchema>;

export const StorefrontProgramSchema = z.object({
  enabled: z.boolean(),
  currency: z.object({ singular: z.string(), plural: z.string() }),
});

export function storefrontProgram(program: ProgramSettings, language: string): z.infer<typeof StorefrontProgramSchema> {
  const names = program.currency[language as keyof ProgramSettings["currency"]] ?? program.currency.en;
  return { enabled: program.enabled, currency: { singular: names.singular, plural: names.plural } };
}

/** Every way to earn the program offers now, in a stable order; none while it is off. */
export function waysToEarn(program: ProgramSettings): WayToEarn[] {
  if (!program.enabled) return [];
  const { earning } = program;
  const ways: WayToEarn[] = [];
  if (earning.purchase.points_per_currency_unit > 0) ways.push({ action: "purchase", points: earning.purchase.points_per_currency_unit });
  for (const action of ["signup", "newsletter", "review", "birthday"] as const) {
    const rule = earning[action];
    if (rule.enabled && rule.points > 0) ways.push({ action, points: rule.points, limit: rule.limit });
  }
  if (earning.social_follow.enabled) {
    for (const [network, points] of Object.entries(earning.social_follow.networks)) {
      if (points && points > 0) ways.push({ action: "social_follow", network, points, limit: earning.social_follow.limit });
    }
  }
  const goal = earning.goal_spend;
  if (goal.enabled && goal.points > 0) ways.push({ action: "goal_spend", points: goal.points, amount: goal.amount, days: goal.days, limit: goal.limit });
  return ways;
}
