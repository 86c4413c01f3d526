// VIP tiers in D1: the current row of each tier and every edit as a version (who, when, the tier
// as it then was), written in one batch. Disabling is the only deletion: customers holding a
// disabled tier are moved by the rules of core/tiers.ts, never by a row vanishing.
import { and, asc, desc, eq, gt, lte } from "drizzle-orm";
import { BASIS_POINTS, toBasisPoints } from "../core/multiplier";
import { DEFAULT_TIERS, MAX_TIERS_PER_SHOP, displayThreshold, storedThreshold, type VipTier, type VipTierInput } from "../core/tiers";
import { TtlCache } from "../core/ttl-cache";
import { d1 } from "./client";
import { shops, vipTierVersions, vipTiers } from "./schema";

const TIERS_TTL_MS = 10_000;
const cache = new TtlCache<VipTier[]>(TIERS_TTL_MS);

type TierRow = typeof vipTiers.$inferSelect;
type ChangeKind = (typeof vipTierVersions.$inferInsert)["change"];

export class TierError extends Error {
  constructor(
    readonly code: "tier_not_found" | "version_conflict" | "threshold_taken" | "too_many_tiers" | "threshold_basis_mismatch",
    message: string,
  ) {
    super(message);
  }
}

function toTier(row: TierRow): VipTier {
  return {
    id: row.id,
    translations: row.translations,
    basis: row.basis,
    threshold: row.threshold,
    earn_multiplier: row.earnMultiplierBp / BASIS_POINTS,
    entry_reward_id: row.entryRewardId,
    discount: row.discountPercentage === null ? null : { percentage: row.discountPercentage },
    free_shipping: row.freeShipping,
    sort: row.sort,
    enabled: row.enabled,
    version: row.version,
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

function toColumns(input: VipTierInput) {
  const { basis, threshold } = storedThreshold(input.threshold);
  return {
    basis,
    threshold,
    earnMultiplierBp: toBasisPoints(input.earn_multiplier),
    entryRewardId: input.entry_reward_id,
    translations: input.translations,
    discountPercentage: input.discount?.percentage ?? null,
    freeShipping: input.free_shipping,
    sort: input.sort,
    enabled: input.enabled,
  };
}

/** A stored tier's own fields, as a merchant would send them to replace it. */
export function tierInput(tier: VipTier): VipTierInput {
  return {
    translations: tier.translations,
    threshold: displayThreshold(tier.basis, tier.threshold),
    earn_multiplier: tier.earn_multiplier,
    entry_reward_id: tier.entry_reward_id,
    discount: tier.discount,
    free_shipping: tier.free_shipping,
    sort: tier.sort,
    enabled: tier.enabled,
  };
}

async function readTiers(env: Env, shop: string): Promise<VipTier[]> {
  const rows = await d1(env).select().from(vipTiers).where(eq(vipTiers.shop, shop)).orderBy(asc(vipTiers.sort), asc(vipTiers.threshold)).all();
  return rows.map(toTier);
}

/**
 * The shop's tiers, enabled and disabled. A shop that never had any (installed before tiers
 * existed) gets the defaults written now; the insert is idempotent, so racing readers agree.
 */
export async function listTiers(env: Env, shop: string): Promise<VipTier[]> {
  const tiers = await readTiers(env, shop);
  if (tiers.length > 0) return tiers;
  await d1(env).batch(defaultTierStatements(env, shop, Date.now()) as [ReturnType<typeof defaultTierStatements>[number]]);
  return readTiers(env, shop);
}

/** What evaluation and the storefront use, through this isolate's cache (edits elsewhere show within 10 s). */
export function shopTiers(env: Env, shop: string): Promise<VipTier[]> {
  return cache.get(shop, () => listTiers(env, shop));
}

export async function getTier(env: Env, shop: string, id: string): Promise<VipTier | null> {
  const row = await d1(env).select().from(vipTiers).where(and(eq(vipTiers.shop, shop), eq(vipTiers.id, id))).get();
  return row ? toTier(row) : null;
}

export async function tierVersionsOf(env: Env, shop: string, id: string) {
  const rows = await d1(env)
    .select()
    .from(vipTierVersions)
    .where(and(eq(vipTierVersions.shop, shop), eq(vipTierVersions.tierId, id)))
    .orderBy(desc(vipTierVersions.version))
    .all();
  return rows.map((row) => ({ version: row.version, change: row.change, changed_by: row.changedBy, tier: JSON.parse(row.tier) as VipTier, created_at: new Date(row.createdAt).toISOString() }));
}

export async function createTier(env: Env, shop: string, input: VipTierInput, changedBy: string, now = Date.now()): Promise<VipTier> {
  const db = d1(env);
  const existing = await listTiers(env, shop);
  if (existing.length >= MAX_TIERS_PER_SHOP) {
    throw new TierError("too_many_tiers", `a shop keeps at most ${MAX_TIERS_PER_SHOP} tiers, disabled ones included; replace a disabled one (PUT) instead`);
  }
  const id = `tier_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const row: TierRow = { shop, id, ...toColumns(input), version: 1, createdAt: now, updatedAt: now };
  const tier = toTier(row);
  await db.batch([db.insert(vipTiers).values(row), db.insert(vipTierVersions).values(versionRow(tier, shop, "created", changedBy, now))]).catch(thresholdTaken);
  cache.delete(shop);
  return tier;
}

/**
 * Replaces a tier with `input` as version n+1, conditional on the version read (or the
 * `expectedVersion` the merchant saw): of two racing edits one wins, the other is told.
 */
export async function updateTier(
  env: Env,
  shop: string,
  id: string,
  input: VipTierInput,
  changedBy: string,
  options: { expectedVersion?: number; change?: ChangeKind } = {},
  now = Date.now(),
): Promise<VipTier> {
  const db = d1(env);
  await listTiers(env, shop); // a shop without rows gets its defaults first: they may be what is edited
  const current = await getTier(env, shop, id);
  if (!current) throw new TierError("tier_not_found", `no tier ${id} in this shop`);
  const base = options.expectedVersion ?? current.version;
  if (base !== current.version) throw new TierError("version_conflict", `the tier is at version ${current.version}, not ${base}`);
  const next = toTier({ shop, id, ...toColumns(input), version: base + 1, createdAt: Date.parse(current.created_at), updatedAt: now });
  const [updated] = await db
    .batch([
      db
        .update(vipTiers)
        .set({ ...toColumns(input), version: base + 1, updatedAt: now })
        .where(and(eq(vipTiers.shop, shop), eq(vipTiers.id, id), eq(vipTiers.version, base)))
        .returning({ id: vipTiers.id }),
      db.insert(vipTierVersions).values(versionRow(next, shop, options.change ?? "updated", changedBy, now)),
    ])
    .catch(thresholdTaken);
  if (updated.length === 0) throw new TierError("version_conflict", "the tier changed while this edit was made; read it again");
  cache.delete(shop);
  return next;
}

export async function disableTier(env: Env, shop: string, id: string, changedBy: string): Promise<VipTier> {
  await listTiers(env, shop);
  const current = await getTier(env, shop, id);
  if (!current) throw new TierError("tier_not_found", `no tier ${id} in this shop`);
  if (!current.enabled) return current;
  return updateTier(env, shop, id, { ...tierInput(current), enabled: false }, changedBy, { expectedVersion: current.version, change: "disabled" });
}

/** The default tiers (core/tiers.ts DEFAULT_TIERS): statements for a batch, written only when absent. */
export function defaultTierStatements(env: Env, shop: string, now: number) {
  const db = d1(env);
  return DEFAULT_TIERS.flatMap(({ id, ...input }) => {
    const row: TierRow = { shop, id, ...toColumns(input), version: 1, createdAt: now, updatedAt: now };
    return [
      db.insert(vipTiers).values(row).onConflictDoNothing(),
      db.insert(vipTierVersions).values(versionRow(toTier(row), shop, "created", "system", now)).onConflictDoNothing(),
    ];
  });
}

/** Installed shops whose tiers were written in (from, to] (index vip_tiers_updated_at). */
export async function shopsWithTiersChangedBetween(env: Env, from: number, to: number): Promise<string[]> {
  const rows = await d1(env)
    .selectDistinct({ shop: vipTiers.shop })
    .from(vipTiers)
    .innerJoin(shops, and(eq(shops.domain, vipTiers.shop), eq(shops.status, "installed")))
    .where(and(gt(vipTiers.updatedAt, from), lte(vipTiers.updatedAt, to)))
    .all();
  return rows.map((row) => row.shop);
}

export function forgetTiers(shop: string): void {
  cache.delete(shop);
}

function versionRow(tier: VipTier, shop: string, change: ChangeKind, changedBy: string, now: number) {
  return { shop, tierId: tier.id, version: tier.version, change, changedBy, tier: JSON.stringify(tier), createdAt: now };
}

/** The partial unique index on enabled thresholds, or the version row of a racing edit. */
function thresholdTaken(error: unknown): never {
  const text = String((error as Error)?.message ?? error) + String((error as { cause?: unknown })?.cause ?? "");
  if (/vip_tiers\.shop, vip_tiers\.basis, vip_tiers\.threshold|vip_tiers_threshold/i.test(text)) {
    throw new TierError("threshold_taken", "another enabled tier has this threshold; thresholds of enabled tiers must differ");
  }
  if (/UNIQUE|PRIMARY KEY|constraint/i.test(text)) throw new TierError("version_conflict", "the tier changed while this edit was made; read it again");
  throw error;
}
