// Multipliers (tiers now, campaigns later) are applied in integer basis points: 2.3× is 23,000
// bp, so 100 points × 2.3 is exactly 230, where the float 100 × 2.3 floors to 229.
import { z } from "zod";

export const BASIS_POINTS = 10_000;

/** A multiplier as merchants write it (1.25), with at most four decimals so it is exact in bp. */
export const MultiplierSchema = z
  .number()
  .min(1)
  .max(10)
  .refine((m) => Math.abs(m * BASIS_POINTS - Math.round(m * BASIS_POINTS)) < 1e-6, "at most 4 decimal places");

export function toBasisPoints(multiplier: number): number {
  return Math.round(multiplier * BASIS_POINTS);
}

/** floor(points × bp / 10,000) in integers (BigInt: points × bp may pass 2^53). */
export function applyBasisPoints(points: number, basisPoints: number): number {
  return Number((BigInt(points) * BigInt(basisPoints)) / BigInt(BASIS_POINTS));
}
