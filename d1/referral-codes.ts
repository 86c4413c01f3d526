// Advocates' referral codes in D1 (`referral_codes`): one per (shop, customer), unique in the
// shop. Creating is idempotent: the first code written for a customer is theirs for good, and
// concurrent first requests both answer it.
import { and, eq } from "drizzle-orm";
import { newReferralCode, normaliseReferralCode } from "../core/referrals";
import { d1 } from "./client";
import { referralCodes } from "./schema";

/** A new code collides with another advocate's this rarely; a few tries settle it. */
const CREATE_TRIES = 5;

export async function referralCodeOf(env: Pick<Env, "DB">, shop: string, customerId: string): Promise<string | null> {
  const row = await d1(env)
    .select({ code: referralCodes.code })
    .from(referralCodes)
    .where(and(eq(referralCodes.shop, shop), eq(referralCodes.customerId, customerId)))
    .get();
  return row?.code ?? null;
}

/** The customer's code, created on first ask. `created` tells whether this call made it. */
export async function referralCodeFor(env: Pick<Env, "DB">, shop: string, customerId: string): Promise<{ code: string; created: boolean }> {
  for (let i = 0; i < CREATE_TRIES; i++) {
    const existing = await referralCodeOf(env, shop, customerId);
    if (existing) return { code: existing, created: false };
    const code = newReferralCode();
    // A taken code (another advocate's) or a code this customer got meanwhile both skip the row.
    const inserted = await d1(env)
      .insert(referralCodes)
      .values({ shop, customerId, code, createdAt: Date.now() })
      .onConflictDoNothing()
      .returning({ code: referralCodes.code });
    if (inserted.length > 0) return { code, created: true };
  }
  throw new Error(`referral code: no free code after ${CREATE_TRIES} tries for ${shop}`);
}

/** The advocate a code belongs to, from what a friend typed or a link carried; null when none. */
export async function advocateOfCode(env: Pick<Env, "DB">, shop: string, input: string): Promise<{ code: string; advocateId: string } | null> {
  const code = normaliseReferralCode(input);
  if (!code) return null;
  const row = await d1(env)
    .select({ customerId: referralCodes.customerId })
    .from(referralCodes)
    .where(and(eq(referralCodes.shop, shop), eq(referralCodes.code, code)))
    .get();
  return row ? { code, advocateId: row.customerId } : null;
}

/** A redacted customer's code goes with them: a link they shared stops naming anyone. */
export async function deleteReferralCode(env: Pick<Env, "DB">, shop: string, customerId: string): Promise<void> {
  await d1(env).delete(referralCodes).where(and(eq(referralCodes.shop, shop), eq(referralCodes.customerId, customerId))).run();
}
