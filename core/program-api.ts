// The program as the merchant API shows and changes it (GET/PUT /v1/api/points-program): the
// seed's shape (`config: { purchase, signup, … }`, `branding: { points_currency_singular, … }`)
// over the stored settings of core/program.ts. A PUT names only what it changes.
import { z } from "zod";
import { PointsExpirySchema } from "./expiry";
import {
  AmountSchema,
  DEFAULT_PROGRAM,
  EarnBaseSchema,
  EarnLimitSchema,
  SOCIAL_NETWORKS,
  TierPolicySchema,
  type ActionRule,
  type ProgramSettings,
} from "./program";
import type { ReferralConfig, ReferralReward } from "./referral-config";

const Points = z.number().int().min(0).max(1_000_000);
const SIMPLE_ACTIONS = ["signup", "newsletter", "review", "birthday"] as const;
const LIMITED_ACTIONS = [...SIMPLE_ACTIONS, "social_follow", "goal_spend"] as const;
const LANGUAGES = ["en", "es", "fr", "de"] as const;

const GoalSpendSchema = z.object({ enabled: z.boolean(), amount: AmountSchema, days: z.number().int().min(1).max(366), points: Points }).strict();
const CurrencyNameSchema = z.object({ singular: z.string().trim().min(1).max(30), plural: z.string().trim().min(1).max(30) }).strict();

export const ProgramConfigSchema = z
  .object({
    /** Off: nothing is earned; points already held can still be redeemed. */
    enabled: z.boolean(),
    /** Points per 1 unit of the shop's currency of the earn base. */
    purchase: z.number().int().min(0).max(10_000),
    /** Points for each action; 0 means the action is not offered. */
    signup: Points,
    newsletter: Points,
    review: Points,
    birthday: Points,
    /** Points per network offered; a network left out is not offered. */
    social_follow: z.partialRecord(z.enum(SOCIAL_NETWORKS), Points),
    goal_spend: GoalSpendSchema,
    /** How often one customer may earn from each action. */
    limits: z.object(Object.fromEntries(LIMITED_ACTIONS.map((a) => [a, EarnLimitSchema])) as Record<(typeof LIMITED_ACTIONS)[number], typeof EarnLimitSchema>).strict(),
    earn_base: EarnBaseSchema,
    /**
     * The points each side of a referral gets (referrer: the advocate, referee: the friend), over
     * the referral program's rewards (GET/PUT /v1/api/referrals/config holds the whole of it). A
     * side rewarded with a discount code, or nothing, reads 0 here: see referralPointsView.
     */
    referral: z.object({ referrer: Points, referee: Points }).strict(),
    tiers: TierPolicySchema,
    points_expiry: PointsExpirySchema,
    return_points_on_code_expiry: z.boolean(),
    default_language: z.enum(LANGUAGES),
  })
  .strict();
export type ProgramConfig = z.infer<typeof ProgramConfigSchema>;

export const ProgramBrandingSchema = z
  .object({
    points_currency_singular: z.string().trim().min(1).max(30),
    points_currency_plural: z.string().trim().min(1).max(30),
    /** The name in other languages; a language left out reads the English one. */
    translations: z.object({ es: CurrencyNameSchema.optional(), fr: CurrencyNameSchema.optional(), de: CurrencyNameSchema.optional() }).strict(),
  })
  .strict();
export type ProgramBranding = z.infer<typeof ProgramBrandingSchema>;

/** A PUT body: any part of the config and branding (objects inside may be partial too). */
export const ProgramPatchSchema = z
  .object({
    config: ProgramConfigSchema.extend({
      goal_spend: GoalSpendSchema.partial().strict(),
      limits: ProgramConfigSchema.shape.limits.partial().strict(),
      earn_base: EarnBaseSchema.partial().strict(),
      referral: ProgramConfigSchema.shape.referral.partial().strict(),
      tiers: TierPolicySchema.partial().strict(),
    })
      .partial()
      .strict()
      .optional(),
    branding: ProgramBrandingSchema.partial().strict().optional(),
  })
  .strict();
export type ProgramPatch = z.infer<typeof ProgramPatchSchema>;

export function programView(program: ProgramSettings): { config: ProgramConfig; branding: ProgramBranding } {
  const { earning } = program;
  const offered = (rule: ActionRule) => (rule.enabled ? rule.points : 0);
  const { en, ...translations } = program.currency;
  return {
    config: {
      enabled: program.enabled,
      purchase: earning.purchase.points_per_currency_unit,
      signup: offered(earning.signup),
      newsletter: offered(earning.newsletter),
      review: offered(earning.review),
      birthday: offered(earning.birthday),
      social_follow: earning.social_follow.enabled ? earning.social_follow.networks : {},
      goal_spend: { enabled: earning.goal_spend.enabled, amount: earning.goal_spend.amount, days: earning.goal_spend.days, points: earning.goal_spend.points },
      limits: Object.fromEntries(LIMITED_ACTIONS.map((a) => [a, earning[a].limit])) as ProgramConfig["limits"],
      earn_base: program.earn_base,
      referral: referralPointsView(program.referral),
      tiers: program.tier_policy,
      points_expiry: program.points_expiry,
      return_points_on_code_expiry: program.return_points_on_code_expiry,
      default_language: (LANGUAGES as readonly string[]).includes(program.default_language) ? (program.default_language as ProgramConfig["default_language"]) : "en",
    },
    branding: { points_currency_singular: en.singular, points_currency_plural: en.plural, translations },
  };
}

/** The settings with `patch` applied (not yet validated as a whole: saving does that). */
export function applyProgramPatch(program: ProgramSettings, patch: ProgramPatch): ProgramSettings {
  const config = patch.config ?? {};
  const earning = structuredClone(program.earning);
  if (config.purchase !== undefined) earning.purchase.points_per_currency_unit = config.purchase;
  for (const action of SIMPLE_ACTIONS) {
    const points = config[action];
    if (points !== undefined) earning[action] = { ...earning[action], points, enabled: points > 0 };
  }
  if (config.social_follow !== undefined) {
    earning.social_follow = { ...earning.social_follow, networks: config.social_follow, enabled: Object.keys(config.social_follow).length > 0 };
  }
  if (config.goal_spend) earning.goal_spend = { ...earning.goal_spend, ...config.goal_spend };
  for (const action of LIMITED_ACTIONS) {
    const limit = config.limits?.[action];
    if (limit) earning[action] = { ...earning[action], limit } as never;
  }
  const branding = patch.branding ?? {};
  const en = {
    singular: branding.points_currency_singular ?? program.currency.en.singular,
    plural: branding.points_currency_plural ?? program.currency.en.plural,
  };
  const currency: ProgramSettings["currency"] = { ...program.currency, ...branding.translations, en };
  // Renaming "points" makes our own translations of "points" wrong: they go (the shopper reads
  // the merchant's name) unless the merchant translates the new name too.
  if (en.singular !== program.currency.en.singular || en.plural !== program.currency.en.plural) {
    for (const language of ["es", "fr", "de"] as const) {
      const name = currency[language];
      const ours = DEFAULT_PROGRAM.currency[language];
      if (name && ours && !branding.translations?.[language] && name.singular === ours.singular && name.plural === ours.plural) delete currency[language];
    }
  }
  return {
    ...program,
    enabled: config.enabled ?? program.enabled,
    earning,
    currency,
    earn_base: { ...program.earn_base, ...config.earn_base },
    referral: applyReferralPoints(program.referral, config.referral ?? {}),
    tier_policy: { ...program.tier_policy, ...config.tiers },
    points_expiry: config.points_expiry ?? program.points_expiry,
    return_points_on_code_expiry: config.return_points_on_code_expiry ?? program.return_points_on_code_expiry,
    default_language: config.default_language ?? program.default_language,
  };
}

/** A side's points in the points-program view: its points reward, else 0 (a discount code or nothing). */
const rewardPoints = (reward: ReferralReward) => (reward.type === "points" ? reward.points : 0);

/** The referral rewards as the points-program API has always shown them. */
export function referralPointsView(referral: ReferralConfig): ProgramConfig["referral"] {
  return { referrer: rewardPoints(referral.advocate_reward), referee: rewardPoints(referral.friend_reward) };
}

/**
 * A points-program PUT's `referral` onto the referral program: a number the side already shows
 * changes nothing (so a form that sends back what it read keeps a discount reward, which reads
 * 0); any other number makes that side's reward those points, 0 meaning no reward.
 */
export function applyReferralPoints(referral: ReferralConfig, change: Partial<ProgramConfig["referral"]>): ReferralConfig {
  const side = (reward: ReferralReward, points: number | undefined): ReferralReward => {
    if (points === undefined || points === rewardPoints(reward)) return reward;
    return points > 0 ? { type: "points", points } : { type: "none" };
  };
  return { ...referral, advocate_reward: side(referral.advocate_reward, change.referrer), friend_reward: side(referral.friend_reward, change.referee) };
}
