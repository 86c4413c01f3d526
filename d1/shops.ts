// Shops and their program: read through an isolate cache (config changes show within seconds).
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { DEFAULT_PROGRAM, ProgramSettingsSchema, type ProgramSettings } from "../core/program";
import { TtlCache } from "../core/ttl-cache";
import { d1 } from "./client";
import { redriveParked } from "./inbox";
import { defaultRewardStatements, forgetRewards } from "./rewards";
import { programSettings, shops } from "./schema";
import { defaultTierStatements, forgetTiers } from "./vip-tiers";

const CONFIG_TTL_MS = 10_000;
const shopCache = new TtlCache<typeof shops.$inferSelect | null>(CONFIG_TTL_MS);
const programCache = new TtlCache<ProgramSettings>(CONFIG_TTL_MS);

export function getShop(env: Env, domain: string) {
  return shopCache.get(domain, async () => (await d1(env).select().from(shops).where(eq(shops.domain, domain)).get()) ?? null);
}

export async function isInstalled(env: Env, domain: string): Promise<boolean> {
  return (await getShop(env, domain))?.status === "installed";
}

/** The shop's newest program version; a shop that never saved one runs the default program. */
export function getProgram(env: Env, domain: string): Promise<ProgramSettings> {
  return programCache.get(domain, async () => {
    const row = await d1(env)
      .select()
      .from(programSettings)
      .where(eq(programSettings.shop, domain))
      .orderBy(desc(programSettings.version))
      .limit(1)
      .get();
    return row ? ProgramSettingsSchema.parse(JSON.parse(row.settings)) : DEFAULT_PROGRAM;
  });
}

export interface InstallInput {
  domain: string;
  accessTokenEncrypted: string | null;
  accessTokenExpiresAt: number | null;
  refreshTokenEncrypted: string | null;
}

/**
 * Installs (or re-installs) a shop: the shop row, program version 1, the default rewards and
 * the default VIP tiers when the shop has none. One D1 batch, so a half-installed shop cannot exist. Every call is
 * proof the app is installed now (`install_confirmed_at`); a reinstall starts a new
 * installation (`installed_at`). Webhooks parked while the shop was not installed go again.
 */
export async function installShop(env: Env, input: InstallInput, now = Date.now()): Promise<void> {
  const db = d1(env);
  const statements = [
    db
      .insert(shops)
      .values({ ...input, status: "installed", installedAt: now, installConfirmedAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: shops.domain,
        set: {
          installedAt: sql`CASE WHEN ${shops.status} = 'installed' THEN ${shops.installedAt} ELSE excluded.installed_at END`,
          installConfirmedAt: sql`max(coalesce(${shops.installConfirmedAt}, 0), excluded.install_confirmed_at)`,
          status: "installed",
          accessTokenEncrypted: input.accessTokenEncrypted,
          accessTokenExpiresAt: input.accessTokenExpiresAt,
          refreshTokenEncrypted: input.refreshTokenEncrypted,
          uninstalledAt: null,
          updatedAt: now,
        },
      }),
    db
      .insert(programSettings)
      .values({ shop: input.domain, version: DEFAULT_PROGRAM.version, settings: JSON.stringify(DEFAULT_PROGRAM), createdAt: now, createdBy: "install" })
      .onConflictDoNothing(),
    ...defaultRewardStatements(env, input.domain, now),
    ...defaultTierStatements(env, input.domain, now),
  ] as const;
  await db.batch(statements);
  forgetShop(input.domain);
  await redriveParked(env, input.domain, now);
}

export type ShopTokenColumns = Pick<InstallInput, "accessTokenEncrypted" | "accessTokenExpiresAt" | "refreshTokenEncrypted">;

/** An installed shop's sealed tokens, read past the isolate cache: a refresh must see the newest pair. */
export async function getShopTokenColumns(env: Env, domain: string): Promise<ShopTokenColumns | null> {
  const row = await d1(env)
    .select({
      accessTokenEncrypted: shops.accessTokenEncrypted,
      accessTokenExpiresAt: shops.accessTokenExpiresAt,
      refreshTokenEncrypted: shops.refreshTokenEncrypted,
    })
    .from(shops)
    .where(and(eq(shops.domain, domain), eq(shops.status, "installed")))
    .get();
  return row ?? null;
}

/** Replaces an installed shop's token pair (after a refresh); false when the shop is not installed. */
export async function setShopTokenColumns(env: Env, domain: string, columns: ShopTokenColumns, now = Date.now()): Promise<boolean> {
  const result = await d1(env)
    .update(shops)
    .set({ ...columns, updatedAt: now })
    .where(and(eq(shops.domain, domain), eq(shops.status, "installed")))
    .run();
  forgetShop(domain);
  return result.meta.changes > 0;
}

export type UninstallResult = "uninstalled" | "stale_uninstall" | "not_installed";

/**
 * Applies an app/uninstalled that Shopify triggered at `triggeredAt` only if no installation
 * was confirmed after it: one conditional UPDATE, so a token exchange racing it wins either way.
 */
export async function uninstallIfInstalledBefore(env: Env, domain: string, triggeredAt: number, now = Date.now()): Promise<UninstallResult> {
  const updated = await d1(env)
    .update(shops)
    .set({ status: "uninstalled", accessTokenEncrypted: null, refreshTokenEncrypted: null, uninstalledAt: now, updatedAt: now })
    .where(
      and(
        eq(shops.domain, domain),
        eq(shops.status, "installed"),
        sql`coalesce(${shops.installConfirmedAt}, ${shops.installedAt}) <= ${triggeredAt}`,
      ),
    )
    .returning({ domain: shops.domain })
    .all();
  forgetShop(domain);
  if (updated.length > 0) return "uninstalled";
  const shop = await d1(env).select({ status: shops.status }).from(shops).where(eq(shops.domain, domain)).get();
  return shop?.status === "installed" ? "stale_uninstall" : "not_installed";
}

/**
 * Records the shop's currency as Shopify reported it at `reportedAt` (epoch ms), unless a later
 * report is already recorded (Shopify retries for hours: deliveries arrive out of order).
 * False when the shop is unknown or the report is older.
 */
export async function setShopCurrency(env: Env, domain: string, currency: string, reportedAt: number): Promise<boolean> {
  const updated = await d1(env)
    .update(shops)
    .set({ currency, currencyAt: reportedAt })
    .where(and(eq(shops.domain, domain), sql`coalesce(${shops.currencyAt}, 0) <= ${reportedAt}`))
    .returning({ domain: shops.domain })
    .all();
  forgetShop(domain);
  return updated.length > 0;
}

/** How stale `widget_seen_at` may get: the storefront's config calls write it at most this often. */
export const WIDGET_SEEN_REFRESH_MS = 60 * 60_000;
const widgetSeenMarked = new Map<string, number>();

/**
 * Records that the shop's storefront asked for the widget's config at `now`: at most one D1
 * write an hour per shop (per isolate, and the statement skips a recent mark too), as it comes
 * with every storefront page. True when it wrote.
 */
export async function markWidgetSeen(env: Env, domain: string, now = Date.now()): Promise<boolean> {
  const last = widgetSeenMarked.get(domain);
  if (last !== undefined && now - last < WIDGET_SEEN_REFRESH_MS) return false;
  widgetSeenMarked.set(domain, now);
  let updated: { domain: string }[];
  try {
    updated = await d1(env)
      .update(shops)
      .set({ widgetSeenAt: now })
      .where(and(eq(shops.domain, domain), sql`coalesce(${shops.widgetSeenAt}, 0) <= ${now - WIDGET_SEEN_REFRESH_MS}`))
      .returning({ domain: shops.domain })
      .all();
  } catch (error) {
    widgetSeenMarked.delete(domain); // the next page tries again
    throw error;
  }
  if (updated.length > 0) forgetShop(domain);
  return updated.length > 0;
}

/** After a program change: this isolate reads the new version at once (others within the TTL). */
export function forgetProgram(domain: string): void {
  programCache.delete(domain);
}

/** After a write to the shop's row: this isolate reads it anew (others within the TTL). */
export function forgetShop(domain: string): void {
  shopCache.delete(domain);
  programCache.delete(domain);
  forgetRewards(domain);
  forgetTiers(domain);
}
