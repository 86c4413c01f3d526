// Store settings in D1: every change a new version (store_settings is append-only) with who saved
// it and when. The storefront reads through a 10 s isolate cache; the merchant surface reads
// past it (a role taken away must stop writes at once, not within 10 s).
import { and, desc, eq, lt } from "drizzle-orm";
import { posthogConfig, providersOriginOverride } from "../core/analytics";
import { defaultStoreSettings, StoreSettingsSchema, type StoreSettings } from "../core/store-settings";
import type { PosthogConfig } from "../workers/providers/types";
import { TtlCache } from "../core/ttl-cache";
import { d1 } from "./client";
import { storeSettings } from "./schema";
import { getProgram } from "./shops";

export interface StoreSettingsVersion {
  /** 0 for a shop that never saved settings (the defaults). */
  version: number;
  settings: StoreSettings;
  created_at: string | null;
  created_by: string | null;
}

const CACHE_TTL_MS = 10_000;
const cache = new TtlCache<StoreSettings>(CACHE_TTL_MS);

/** The current settings, cached per isolate (storefront reads). */
export function getStoreSettings(env: Env, shop: string): Promise<StoreSettings> {
  return cache.get(shop, async () => (await currentStoreSettings(env, shop)).settings);
}

/** Drops this isolate's copy: the next read is D1's. */
export function forgetStoreSettings(shop: string): void {
  cache.delete(shop);
}

/**
 * The shop's PostHog (project key and host) for server-side batches and the widget; null while
 * the shop has it off. Read through the 10 s cache: turning it off stops sends within 10 s.
 */
export async function posthogFor(env: Env, shop: string): Promise<PosthogConfig | null> {
  return posthogConfig((await getStoreSettings(env, shop)).analytics, providersOriginOverride(env));
}

/** The newest version, read past the cache. */
export async function currentStoreSettings(env: Env, shop: string): Promise<StoreSettingsVersion> {
  const row = await d1(env).select().from(storeSettings).where(eq(storeSettings.shop, shop)).orderBy(desc(storeSettings.version)).limit(1).get();
  if (row) return toVersion(row);
  return { version: 0, settings: defaultStoreSettings((await getProgram(env, shop)).default_language), created_at: null, created_by: null };
}

/** Thrown when `expectedVersion` is not the current one, or a racing writer saved first. */
export class StoreSettingsConflict extends Error {}

/**
 * Saves `change(current)` as the next version; `change` throws to refuse. Racing writers meet
 * the primary key: without `expectedVersion` the loser re-reads and applies its change on the
 * winner's version (its checks run again on it); with it, the loser is refused.
 */
export async function saveStoreSettingsChange(
  env: Env,
  shop: string,
  change: (current: StoreSettings) => StoreSettings,
  options: { actor: string; expectedVersion?: number },
): Promise<StoreSettingsVersion> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await currentStoreSettings(env, shop);
    if (options.expectedVersion !== undefined && options.expectedVersion !== current.version) {
      throw new StoreSettingsConflict(`the settings are at version ${current.version}, not ${options.expectedVersion}`);
    }
    const next = StoreSettingsSchema.parse(change(current.settings));
    const now = Date.now();
    const inserted = await d1(env)
      .insert(storeSettings)
      .values({ shop, version: current.version + 1, settings: JSON.stringify(next), createdAt: now, createdBy: options.actor })
      .onConflictDoNothing()
      .returning({ version: storeSettings.version })
      .all();
    if (inserted.length > 0) {
      cache.delete(shop);
      return { version: current.version + 1, settings: next, created_at: new Date(now).toISOString(), created_by: options.actor };
    }
    if (options.expectedVersion !== undefined) throw new StoreSettingsConflict(`another change saved version ${current.version + 1} first`);
  }
  throw new Error(`store settings of ${shop}: five writers raced; try again`);
}

/** Versions newest first, `limit` at a time before `before`. */
export async function storeSettingsVersions(env: Env, shop: string, limit: number, before?: number): Promise<StoreSettingsVersion[]> {
  const rows = await d1(env)
    .select()
    .from(storeSettings)
    .where(before === undefined ? eq(storeSettings.shop, shop) : and(eq(storeSettings.shop, shop), lt(storeSettings.version, before)))
    .orderBy(desc(storeSettings.version))
    .limit(limit)
    .all();
  return rows.map(toVersion);
}

function toVersion(row: typeof storeSettings.$inferSelect): StoreSettingsVersion {
  return {
    version: row.version,
    settings: StoreSettingsSchema.parse(JSON.parse(row.settings)),
    created_at: new Date(row.createdAt).toISOString(),
    created_by: row.createdBy,
  };
}
