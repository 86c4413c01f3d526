// The loyalty program: settings (versioned in D1), the default program of a new shop, and the
// arithmetic of earning and reversing. Pure: every surface and object calls these.
import { z } from "zod";
import { MILLS_PER_UNIT, parseAmountToMills } from "./money";
import { applyBasisPoints, BASIS_POINTS, combineBasisPoints } from "./multiplier";
import { NO_EXPIRY, PointsExpirySchema } from "./expiry";
import { AmountSchema } from "./amount";
import { DEFAULT_REFERRAL_CONFIG, ReferralConfigSchema } from "./referral-config";

/** How often one customer may earn from one action: `count` times per `period`. */
export const LIMIT_PERIODS = ["lifetime", "day", "week", "month", "year"] as const;
export const EarnLimitSchema = z
  .object({ count: z.number().int().min(1).max(1_000), period: z.enum(LIMIT_PERIODS) })
  .strict();
export type EarnLimit = z.infer<typeof EarnLimitSchema>;

const Points = z.number().int().min(0).max(1_000_000);

/** An action worth `points` (0 or disabled: it earns nothing), at most `limit` times. */
const ActionRuleSchema = z.object({ enabled: z.boolean().default(true), points: Points, limit: EarnLimitSchema }).strict();
export type ActionRule = z.infer<typeof ActionRuleSchema>;

export const SOCIAL_NETWORKS = ["instagram", "facebook", "tiktok", "x", "youtube", "pinterest"] as const;
export type SocialNetwork = (typeof SOCIAL_NETWORKS)[number];

export { AmountSchema };

export const EarningRulesSchema = z
  .object({
    /** Points per 1 unit of the shop's currency of the earn base, rounded down per order. */
    purchase: z.object({ points_per_currency_unit: z.number().int().min(0).max(10_000) }).strict(),
    signup: ActionRuleSchema,
    /** When the customer's email marketing consent becomes `subscribed` (customers/update). */
    newsletter: ActionRuleSchema,
    /** A product review published through the shop's review provider. */
    review: ActionRuleSchema,
    /** Once a year on (or after) the birthday the shopper gave; limit counts per calendar year. */
    birthday: ActionRuleSchema,
    /** Following the shop on a network, once per network; points per network. */
    social_follow: z
      .object({
        enabled: z.boolean().default(true),
        networks: z.partialRecord(z.enum(SOCIAL_NETWORKS), Points),
        /** Counted per network. */
        limit: EarnLimitSchema,
      })
      .strict(),
    /** Spending at least `amount` in paid orders within `days` days earns `points`. */
    goal_spend: z
      .object({
        enabled: z.boolean().default(false),
        amount: AmountSchema,
        days: z.number().int().min(1).max(366),
        points: Points,
        limit: EarnLimitSchema,
      })
      .strict(),
  })
  .strict();
export type EarningRules = z.infer<typeof EarningRulesSchema>;
export type ActionName = "signup" | "newsletter" | "review" | "birthday" | "social_follow" | "goal_spend";

/** What a paid order earns on. The default is the subtotal after discounts. */
export const EarnBaseSchema = z
  .object({ include_shipping: z.boolean().default(false), include_tax: z.boolean().default(false) })
  .strict();
export type EarnBase = z.infer<typeof EarnBaseSchema>;

export const PROGRAM_LANGUAGES = ["en", "es", "fr", "de"] as const;
const CurrencyNameSchema = z.object({ singular: z.string().trim().min(1).max(30), plural: z.string().trim().min(1).max(30) }).strict();
/** The name of the points currency ("point"/"points", "star"/"stars"), en required. */
export const PointsCurrencySchema = z
  .object({
    en: CurrencyNameSchema,
    es: CurrencyNameSchema.optional(),
    fr: CurrencyNameSchema.optional(),
    de: CurrencyNameSchema.optional(),
  })
  .strict();
export type PointsCurrency = z.infer<typeof PointsCurrencySchema>;

/** How VIP tiers are earned and lost (the tiers themselves are rows in D1). */
export const TierPolicySchema = z
  .object({
    /** spend: the shop-money earn base of paid orders less refunds; points: points earned less reversals. */
    basis: z.enum(["points", "spend"]).default("points"),
    period: z.enum(["lifetime", "calendar_year", "rolling_12_months"]).default("lifetime"),
    /**
     * Below the tier they hold, a customer keeps it — never: always; period_end: until the end
     * of the period in which they fell below it (the next 1 January UTC; for rolling_12_months
     * the next anniversary of reaching it); grace: `grace_days` after they fell below it.
     * The exact rules: core/tiers.ts.
     */
    downgrade: z.enum(["never", "period_end", "grace"]).default("never"),
    grace_days: z.number().int().min(1).max(730).default(30),
  })
  .strict();
export type TierPolicy = z.infer<typeof TierPolicySchema>;

export const ProgramSettingsSchema = z.preprocess(
  upgradeStoredProgram,
  z.object({
    version: z.number().int().min(1),
    /** Off: nothing is earned (orders are still recorded); points already held can be redeemed. */
    enabled: z.boolean().default(true),
    earn_on: z.enum(["orders/paid"]).default("orders/paid"),
    earn_base: EarnBaseSchema.default({ include_shipping: false, include_tax: false }),
    earning: EarningRulesSchema,
    currency: PointsCurrencySchema.default({ en: { singular: "point", plural: "points" } }),
    /** The referral program (core/referral-config.ts): the one place its rewards live. */
    referral: ReferralConfigSchema.default(DEFAULT_REFERRAL_CONFIG),
    tier_policy: TierPolicySchema.default({ basis: "points", period: "lifetime", downgrade: "never", grace_days: 30 }),
    default_language: z.string().min(2).max(10).default("en"),
    points_expiry: PointsExpirySchema.default(NO_EXPIRY),
    /** When an unused reward code expires: give its points back (true) or not. */
    return_points_on_code_expiry: z.boolean().default(true),
  }),
);
export type ProgramSettings = z.infer<typeof ProgramSettingsSchema>;

const once = (period: EarnLimit["period"] = "lifetime"): EarnLimit => ({ count: 1, period });

export const DEFAULT_EARNING: EarningRules = {
  purchase: { points_per_currency_unit: 10 },
  signup: { enabled: true, points: 200, limit: once() },
  newsletter: { enabled: true, points: 100, limit: once() },
  review: { enabled: true, points: 100, limit: { count: 5, period: "month" } },
  birthday: { enabled: true, points: 200, limit: once("year") },
  social_follow: { enabled: true, networks: { instagram: 50, facebook: 50 }, limit: once() },
  goal_spend: { enabled: false, amount: "200.00", days: 30, points: 500, limit: once("month") },
};

/** Stored program versions in any older shape, read as today's (each step below). */
function upgradeStoredProgram(stored: unknown): unknown {
  if (!stored || typeof stored !== "object") return stored;
  return upgradeReferralPoints(upgradeFlatEarning(stored as Record<string, unknown>));
}

/**
 * Versions saved before the referral program kept only `referral_points: { referrer, referee }`:
 * read them as the default referral program whose rewards are those points (0: no reward). A
 * version that has `referral` already reads it alone: it is the one source.
 */
function upgradeReferralPoints(stored: Record<string, unknown>): Record<string, unknown> {
  const { referral_points, ...rest } = stored;
  if ("referral" in rest || !referral_points || typeof referral_points !== "object") return rest;
  const old = referral_points as Record<string, unknown>;
  const reward = (points: unknown) => (typeof points === "number" && points > 0 ? { type: "points" as const, points } : { type: "none" as const });
  return { ...rest, referral: { ...DEFAULT_REFERRAL_CONFIG, advocate_reward: reward(old.referrer), friend_reward: reward(old.referee) } };
}

/**
 * Program versions saved before earning rules had limits kept flat fields (signup_points, …,
 * points_per_currency_unit): read them as the same rules with the default limits.
 */
function upgradeFlatEarning(stored: Record<string, unknown>): Record<string, unknown> {
  if ("earning" in stored) return stored;
  const { points_per_currency_unit, signup_points, newsletter_points, review_points, birthday_points, ...rest } = stored;
  const points = (value: unknown, rule: ActionRule): ActionRule => ({ ...rule, points: typeof value === "number" ? value : rule.points });
  return {
    ...rest,
    earning: {
      ...DEFAULT_EARNING,
      purchase: { points_per_currency_unit: typeof points_per_currency_unit === "number" ? points_per_currency_unit : 10 },
      signup: points(signup_points, DEFAULT_EARNING.signup),
      newsletter: points(newsletter_points, DEFAULT_EARNING.newsletter),
      review: points(review_points, DEFAULT_EARNING.review),
      birthday: points(birthday_points, DEFAULT_EARNING.birthday),
    },
  };
}

export const DEFAULT_PROGRAM: ProgramSettings = {
  version: 1,
  enabled: true,
  earn_on: "orders/paid",
  earn_base: { include_shipping: false, include_tax: false },
  earning: DEFAULT_EARNING,
  currency: { en: { singular: "point", plural: "points" }, es: { singular: "punto", plural: "puntos" }, fr: { singular: "point", plural: "points" }, de: { singular: "Punkt", plural: "Punkte" } },
  referral: DEFAULT_REFERRAL_CONFIG,
  tier_policy: { basis: "points", period: "lifetime", downgrade: "never", grace_days: 30 },
  default_language: "en",
  points_expiry: NO_EXPIRY,
  return_points_on_code_expiry: true,
};

/** Points an action is worth now: 0 when the program or the action is off. */
export function actionPoints(program: ProgramSettings, action: Exclude<ActionName, "social_follow" | "goal_spend">): number {
  const rule = program.earning[action];
  return program.enabled && rule.enabled ? rule.points : 0;
}

/** A multiplier that met an award: the customer's tier, or a running campaign. */
export interface AppliedMultiplier {
  source: "tier" | "campaign";
  id: string;
  name: string;
  /** As the merchant wrote it, for people; the arithmetic uses `bp`. */
  multiplier: number;
  bp: number;
}

/** What an award remembers of the rules that produced it (money rule 3). */
export interface EarnSnapshot {
  program_version: number;
  points_per_currency_unit: number;
  /** The customer's tier when it earned (also among `multipliers`). */
  tier: string | null;
  tier_multiplier: number;
  tier_multiplier_bp: number;
  multipliers: AppliedMultiplier[];
  /** Every multiplier's product (core/multiplier.ts combineBasisPoints). */
  multiplier_bp: number;
  base_mills: number;
}

/**
 * Points for an order's earn base, rounded down: base × rate in whole points, then every
 * applicable multiplier's product, in integers.
 */
export function computeOrderEarn(
  program: ProgramSettings,
  baseMills: number,
  multipliers: readonly AppliedMultiplier[],
): { points: number; snapshot: EarnSnapshot } {
  const rate = program.enabled ? program.earning.purchase.points_per_currency_unit : 0;
  const basePoints = Number((BigInt(baseMills) * BigInt(rate)) / BigInt(MILLS_PER_UNIT));
  const multiplierBp = combineBasisPoints(multipliers.map((m) => m.bp));
  const tier = multipliers.find((m) => m.source === "tier");
  return {
    points: applyBasisPoints(basePoints, multiplierBp),
    snapshot: {
      program_version: program.version,
      points_per_currency_unit: rate,
      tier: tier?.name ?? null,
      tier_multiplier: tier?.multiplier ?? 1,
      tier_multiplier_bp: tier?.bp ?? BASIS_POINTS,
      multipliers: [...multipliers],
      multiplier_bp: multiplierBp,
      base_mills: baseMills,
    },
  };
}

/** The parts of a paid order the earn base may count, in the shop's currency (mills). */
export interface OrderAmounts {
  baseMills: number;
  shippingMills?: number;
  taxMills?: number;
  taxesIncluded?: boolean;
}

/**
 * What an order earns on: the subtotal after discounts, plus shipping and tax when the merchant
 * includes them. Tax is added only when prices exclude it; with prices that include tax the
 * subtotal already holds the goods' tax, and it is not taken out (Shopify's total_tax also
 * covers shipping, so no exact share exists). Refunds stay shares of the subtotal alone.
 */
export function earnBaseMills(earnBase: EarnBase, order: OrderAmounts): number {
  return (
    order.baseMills +
    (earnBase.include_shipping ? (order.shippingMills ?? 0) : 0) +
    (earnBase.include_tax && !order.taxesIncluded ? (order.taxMills ?? 0) : 0)
  );
}

/**
 * The total an order's reversals should have taken back once `refundedMills` of its earn base
 * is refunded (cumulative, so refunds in any order land on the same figure): the refunded
 * share of what the order earned, rounded down, never more than it earned.
 */
export function reversalTarget(earned: number, baseMills: number, refundedMills: number, cancelled: boolean): number {
  if (cancelled || baseMills <= 0) return cancelled ? earned : 0;
  const share = Math.min(refundedMills, baseMills);
  // BigInt: points × mills can pass 2^53 on large orders.
  const target = Number((BigInt(earned) * BigInt(share)) / BigInt(baseMills));
  return Math.min(earned, target);
}
