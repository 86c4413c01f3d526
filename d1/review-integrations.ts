// A shop's review provider and its webhook secret, sealed at rest (core/crypto, bound to the
// shop and provider: a ciphertext copied to another shop does not open).
import { eq } from "drizzle-orm";
import { decryptText, encryptText, keyring, reviewSecretContext, type KeySource } from "../core/crypto";
import { d1 } from "./client";
import { reviewIntegrations } from "./schema";

export const REVIEW_PROVIDERS = ["judgeme"] as const;
export type ReviewProvider = (typeof REVIEW_PROVIDERS)[number];

export async function saveReviewIntegration(
  env: Env,
  shop: string,
  input: { provider: ReviewProvider; secret: string },
  updatedBy: string,
): Promise<{ provider: ReviewProvider; updated_at: string }> {
  const { current } = await keyring(env);
  const sealed = await encryptText(current, input.secret, reviewSecretContext(shop, input.provider));
  const now = Date.now();
  await d1(env)
    .insert(reviewIntegrations)
    .values({ shop, provider: input.provider, secretEncrypted: sealed, updatedBy, updatedAt: now })
    .onConflictDoUpdate({
      target: reviewIntegrations.shop,
      set: { provider: input.provider, secretEncrypted: sealed, updatedBy, updatedAt: now },
    });
  return { provider: input.provider, updated_at: new Date(now).toISOString() };
}

/** The shop's provider, without opening its secret; null when the shop has none. */
export async function reviewIntegrationProvider(env: Pick<Env, "DB">, shop: string): Promise<ReviewProvider | null> {
  const row = await d1(env).select({ provider: reviewIntegrations.provider }).from(reviewIntegrations).where(eq(reviewIntegrations.shop, shop)).get();
  return row?.provider ?? null;
}

/** The shop's provider and its secret, opened; null when the shop has none. */
export async function reviewIntegration(env: Env & KeySource, shop: string): Promise<{ provider: ReviewProvider; secret: string } | null> {
  const row = await d1(env).select().from(reviewIntegrations).where(eq(reviewIntegrations.shop, shop)).get();
  if (!row) return null;
  const secret = await decryptText(await keyring(env), row.secretEncrypted, reviewSecretContext(shop, row.provider));
  return { provider: row.provider, secret };
}
