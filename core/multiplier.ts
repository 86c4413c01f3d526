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

/**
 * Multipliers that apply together multiply: the product in basis points, rounded down once
 * (2 × 1.5 is 30,000 bp), so an award is rounded once, however many multipliers met.
 */
export function combineBasisPoints(basisPoints: readonly number[]): number {
  let product = BigInt(BASIS_POINTS);
  for (const bp of basisPoints) product = (product * BigInt(bp)) / BigInt(BASIS_POINTS);
  return Number(product);
}
