// The loyalty program: settings (versioned in D1), the default program of a new shop, and the
// arithmetic of earning and reversing. Pure: every surface and object calls these.
import { z } from "zod";
import { MILLS_PER_UNIT } from "./money";
import { applyBasisPoints, toBasisPoints } from "./multiplier";
import { NO_EXPIRY, PointsExpirySchema } from "./expiry";
import { TierSchema, tierFor } from "./tiers";

export const ProgramSettingsSchema = z.object({
  version: z.number().int().min(1),
  points_per_currency_unit: z.number().int().min(0).max(10_000),
  earn_on: z.enum(["orders/paid"]).default("orders/paid"),
  signup_points: z.number().int().min(0).max(1_000_000),
  newsletter_points: z.number().int().min(0).max(1_000_000),
  review_points: z.number().int().min(0).max(1_000_000),
  birthday_points: z.number().int().min(0).max(1_000_000),
  referral_points: z.object({
    referrer: z.number().int().min(0).max(1_000_000),
    referee: z.number().int().min(0).max(1_000_000),
  }),
  tiers: z.array(TierSchema).max(20),
  default_language: z.string().min(2).max(10).default("en"),
  points_expiry: PointsExpirySchema.default(NO_EXPIRY),
  /** When an unused reward code expires: give its points back (true) or not. */
  return_points_on_code_expiry: z.boolean().default(true),
});
export type ProgramSettings = z.infer<typeof ProgramSettingsSchema>;

export const DEFAULT_PROGRAM: ProgramSettings = {
  version: 1,
  points_per_currency_unit: 10,
  earn_on: "orders/paid",
  signup_points: 200,
  newsletter_points: 100,
  review_points: 100,
  birthday_points: 200,
  referral_points: { referrer: 50, referee: 50 },
  tiers: [
    { name: "Bronze", threshold: 0, earn_multiplier: 1 },
    { name: "Silver", threshold: 1_000, earn_multiplier: 1 },
    { name: "Gold", threshold: 5_000, earn_multiplier: 1 },
  ],
  default_language: "en",
  points_expiry: NO_EXPIRY,
  return_points_on_code_expiry: true,
};

/** What an award remembers of the rules that produced it (money rule 3). */
export interface EarnSnapshot {
  program_version: number;
  points_per_currency_unit: number;
  tier: string | null;
  /** As the merchant wrote it, for people; the arithmetic used `tier_multiplier_bp`. */
  tier_multiplier: number;
  tier_multiplier_bp: number;
  base_mills: number;
}

/** Points for an order's earn base (subtotal after discounts), rounded down. */
export function computeOrderEarn(
  program: ProgramSettings,
  baseMills: number,
  lifetimeEarned: number,
): { points: number; snapshot: EarnSnapshot } {
  const tier = tierFor(program.tiers, lifetimeEarned);
  const multiplier = tier?.earn_multiplier ?? 1;
  const multiplierBp = toBasisPoints(multiplier);
  // Integers throughout: the base is floored to whole points, then the multiplier in bp.
  const basePoints = Number(
    (BigInt(baseMills) * BigInt(program.points_per_currency_unit)) / BigInt(MILLS_PER_UNIT),
  );
  return {
    points: applyBasisPoints(basePoints, multiplierBp),
    snapshot: {
      program_version: program.version,
      points_per_currency_unit: program.points_per_currency_unit,
      tier: tier?.name ?? null,
      tier_multiplier: multiplier,
      tier_multiplier_bp: multiplierBp,
      base_mills: baseMills,
    },
  };
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
