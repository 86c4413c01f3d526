// VIP tiers: which tier a customer's lifetime points put them in, and how far the next is.
// Lifetime points are what they earned less what reversals took back (never what they spent).
import { z } from "zod";
import { MultiplierSchema } from "./multiplier";

export const TierSchema = z.object({
  name: z.string().min(1).max(60),
  /** Lifetime points earned needed to reach the tier. */
  threshold: z.number().int().min(0),
  earn_multiplier: MultiplierSchema.default(1),
});
export type Tier = z.infer<typeof TierSchema>;

/** The highest tier whose threshold `lifetime` reaches, or null below every tier. */
export function tierFor(tiers: readonly Tier[], lifetime: number): Tier | null {
  let current: Tier | null = null;
  for (const tier of tiers) {
    if (lifetime >= tier.threshold && (!current || tier.threshold >= current.threshold)) current = tier;
  }
  return current;
}

export interface TierProgress {
  tier: Tier | null;
  next: { name: string; points_needed: number } | null;
}

export function tierProgress(tiers: readonly Tier[], lifetime: number): TierProgress {
  let next: Tier | null = null;
  for (const tier of tiers) {
    if (tier.threshold > lifetime && (!next || tier.threshold < next.threshold)) next = tier;
  }
  return {
    tier: tierFor(tiers, lifetime),
    next: next ? { name: next.name, points_needed: next.threshold - lifetime } : null,
  };
}
