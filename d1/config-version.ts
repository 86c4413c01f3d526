// The version of what a shop's widget config is built from (workers/storefront/config-cache.ts
// keys its edge cache by it): one D1 query over every row the config reads, so it changes in the
// same write as the content, whichever route, job or admin tool made the write.
import { sql } from "drizzle-orm";
import { d1 } from "./client";

/**
 * - program_settings, store_settings: append-only, so their newest version (the program carries
 *   the referral config and the store settings' defaults' language).
 * - rewards, campaigns: rows edited in place with a version each edit raises, and removed only
 *   by a shop's erasure: their count, the sum of their versions and the newest edit time.
 * - How many of the shop's campaign starts and ends have passed at `now`: a campaign begins or
 *   ends running with no write at all, and the config shows the running ones.
 *
 * Read past the isolate caches: this is what decides whether a cached config is current.
 */
export async function widgetConfigVersion(env: Pick<Env, "DB">, shop: string, now = Date.now()): Promise<string> {
  const row = await d1(env).get<{ program: number; settings: number; rewards: string; campaigns: string; phase: number }>(sql`
    SELECT
      (SELECT coalesce(max(version), 0) FROM program_settings WHERE shop = ${shop}) AS program,
      (SELECT coalesce(max(version), 0) FROM store_settings WHERE shop = ${shop}) AS settings,
      (SELECT count(*) || '-' || coalesce(sum(version), 0) || '-' || coalesce(max(updated_at), 0) FROM rewards WHERE shop = ${shop}) AS rewards,
      (SELECT count(*) || '-' || coalesce(sum(version), 0) || '-' || coalesce(max(updated_at), 0) FROM campaigns WHERE shop = ${shop}) AS campaigns,
      (SELECT coalesce(sum((starts_at <= ${now}) + (ends_at IS NOT NULL AND ends_at <= ${now})), 0) FROM campaigns WHERE shop = ${shop}) AS phase
  `);
  return `p${row.program}.s${row.settings}.r${row.rewards}.c${row.campaigns}.t${row.phase}`;
}
