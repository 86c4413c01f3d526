// The rewards catalog in D1: the current row of each reward, and every edit as a version (who,
// when, the reward as it then was), written in one batch. Disabling is the only deletion:
// codes already issued stay valid at Shopify whatever happens to their reward here.
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { DEFAULT_REWARDS, RewardInputSchema, rewardInput, type Reward, type RewardInput } from "../core/rewards";
import { TtlCache } from "../core/ttl-cache";
import { d1 } from "./client";
import { rewardVersions, rewards } from "./schema";

const ENABLED_TTL_MS = 10_000;
/** A shop's catalog stays small enough to read whole on every storefront page. */
export const MAX_REWARDS_PER_SHOP = 100;

const enabledCache = new TtlCache<Reward[]>(ENABLED_TTL_MS);

type RewardRow = typeof rewards.$inferSelect;
type ChangeKind = (typeof rewardVersions.$inferInsert)["change"];

function toReward(row: RewardRow): Reward {
  return {
    reward_id: row.id,
    type: row.type,
    points_cost: row.pointsCost,
    value: row.value,
    min_points: row.minPoints,
    max_points: row.maxPoints,
    product_variant_gid: row.productVariantGid,
    min_order_subtotal: row.minOrderSubtotal,
    code_expiry_days: row.codeExpiryDays,
    enabled: row.enabled,
    sort: row.sort,
    translations: row.translations,
    version: row.version,
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

function toColumns(input: RewardInput) {
  return {
    type: input.type,
    pointsCost: input.points_cost,
    value: input.value,
    minPoints: input.min_points,
    maxPoints: input.max_points,
    productVariantGid: input.product_variant_gid,
    minOrderSubtotal: input.min_order_subtotal,
    codeExpiryDays: input.code_expiry_days,
    enabled: input.enabled,
    sort: input.sort,
    translations: input.translations,
  };
}

/** The shop's rewards, enabled and disabled, in the order the widget shows them. */
export async function listRewards(env: Env, shop: string): Promise<Reward[]> {
  const rows = await d1(env).select().from(rewards).where(eq(rewards.shop, shop)).orderBy(asc(rewards.sort), asc(rewards.pointsCost), asc(rewards.createdAt)).all();
  return rows.map(toReward);
}

/** What the storefront offers, through this isolate's cache (edits here show at once, elsewhere within 10 s). */
export function enabledRewards(env: Env, shop: string): Promise<Reward[]> {
  return enabledCache.get(shop, async () => (await listRewards(env, shop)).filter((r) => r.enabled));
}

/** One reward, enabled or not (a redemption tells unknown from disabled), read past the cache. */
export async function getReward(env: Env, shop: string, rewardId: string): Promise<Reward | null> {
  const row = await d1(env).select().from(rewards).where(and(eq(rewards.shop, shop), eq(rewards.id, rewardId))).get();
  return row ? toReward(row) : null;
}

export async function rewardVersionsOf(env: Env, shop: string, rewardId: string) {
  const rows = await d1(env)
    .select()
    .from(rewardVersions)
    .where(and(eq(rewardVersions.shop, shop), eq(rewardVersions.rewardId, rewardId)))
    .orderBy(desc(rewardVersions.version))
    .all();
  return rows.map((row) => ({
    version: row.version,
    change: row.change,
    changed_by: row.changedBy,
    reward: JSON.parse(row.reward) as Reward,
    created_at: new Date(row.createdAt).toISOString(),
  }));
}

export class CatalogError extends Error {
  constructor(readonly code: "too_many_rewards" | "reward_not_found" | "version_conflict", message: string) {
    super(message);
  }
}

export async function createReward(env: Env, shop: string, input: RewardInput, changedBy: string, now = Date.now()): Promise<Reward> {
  const db = d1(env);
  // Counted before the insert, not with it: creates racing at the cap can pass it by a few,
  // which costs the storefront's read nothing that matters (no money rides on it).
  const count = (await db.select({ n: sql<number>`count(*)` }).from(rewards).where(eq(rewards.shop, shop)).get())?.n ?? 0;
  if (count >= MAX_REWARDS_PER_SHOP) {
    throw new CatalogError(
      "too_many_rewards",
      `a shop keeps at most ${MAX_REWARDS_PER_SHOP} rewards, disabled ones included; replace a disabled one (PUT) instead`,
    );
  }
  const id = crypto.randomUUID();
  const row: RewardRow = { id, shop, ...toColumns(input), createdAt: now, updatedAt: now, version: 1 };
  const reward = toReward(row);
  await db.batch([db.insert(rewards).values(row), versionInsert(env, reward, shop, "created", changedBy, now)]);
  enabledCache.delete(shop);
  return reward;
}

/**
 * Replaces a reward with `input` as version n+1. The write is conditional on the version read
 * (or the `expectedVersion` the merchant saw): of two racing edits one wins, the other is told.
 */
export async function updateReward(
  env: Env,
  shop: string,
  rewardId: string,
  input: RewardInput,
  changedBy: string,
  options: { expectedVersion?: number; change?: ChangeKind } = {},
  now = Date.now(),
): Promise<Reward> {
  const db = d1(env);
  const current = await getReward(env, shop, rewardId);
  if (!current) throw new CatalogError("reward_not_found", `no reward ${rewardId} in this shop`);
  const base = options.expectedVersion ?? current.version;
  if (base !== current.version) throw new CatalogError("version_conflict", `the reward is at version ${current.version}, not ${base}`);
  const next = toReward({
    id: rewardId,
    shop,
    ...toColumns(input),
    createdAt: Date.parse(current.created_at),
    updatedAt: now,
    version: base + 1,
  });
  // The version row's primary key (reward_id, version) makes the batch fail for the loser of a
  // race, and the conditional update changes nothing for it either: D1 batches are atomic.
  const [updated] = await db
    .batch([
      db
        .update(rewards)
        .set({ ...toColumns(input), version: base + 1, updatedAt: now })
        .where(and(eq(rewards.shop, shop), eq(rewards.id, rewardId), eq(rewards.version, base)))
        .returning({ id: rewards.id }),
      versionInsert(env, next, shop, options.change ?? "updated", changedBy, now),
    ])
    .catch((error: unknown) => {
      if (/UNIQUE|PRIMARY KEY|constraint/i.test(String((error as Error)?.message ?? error) + String((error as { cause?: unknown })?.cause ?? ""))) {
        throw new CatalogError("version_conflict", `the reward changed while this edit was made; read it again`);
      }
      throw error;
    });
  if (updated.length === 0) throw new CatalogError("version_conflict", `the reward changed while this edit was made; read it again`);
  enabledCache.delete(shop);
  return next;
}

export async function disableReward(env: Env, shop: string, rewardId: string, changedBy: string): Promise<Reward> {
  const current = await getReward(env, shop, rewardId);
  if (!current) throw new CatalogError("reward_not_found", `no reward ${rewardId} in this shop`);
  if (!current.enabled) return current;
  return updateReward(env, shop, rewardId, { ...rewardInput(current), enabled: false }, changedBy, { expectedVersion: current.version, change: "disabled" });
}

/** The install's default rewards (d1/shops.ts installShop): statements for its batch, when the shop has none. */
export function defaultRewardStatements(env: Env, shop: string, now: number) {
  const db = d1(env);
  return DEFAULT_REWARDS.flatMap((input, i) => {
    const id = `${shop}:default:${i + 1}`;
    const row: RewardRow = { id, shop, ...toColumns(RewardInputSchema.parse(input)), createdAt: now, updatedAt: now, version: 1 };
    return [
      db.insert(rewards).values(row).onConflictDoNothing(),
      db.insert(rewardVersions).values(versionRow(toReward(row), shop, "created", "system", now)).onConflictDoNothing(),
    ];
  });
}

export function forgetRewards(shop: string): void {
  enabledCache.delete(shop);
}

function versionRow(reward: Reward, shop: string, change: ChangeKind, changedBy: string, now: number) {
  return { rewardId: reward.reward_id, version: reward.version, shop, change, changedBy, reward: JSON.stringify(reward), createdAt: now };
}

function versionInsert(env: Env, reward: Reward, shop: string, change: ChangeKind, changedBy: string, now: number) {
  return d1(env).insert(rewardVersions).values(versionRow(reward, shop, change, changedBy, now));
}
