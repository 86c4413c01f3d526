// A shop's notification settings in D1: per type, every change a new version (append-only, who
// and when). The notifications queue reads `notificationSetup` through a 10 s isolate cache;
// the merchant surface reads past it, so an edit shows at once in its own answers.
import { and, desc, eq } from "drizzle-orm";
import {
  NO_EDITS,
  NOTIFICATION_TYPES,
  typeSetup,
  type NotificationSetup,
  type NotificationType,
  type NotificationTypeEdits,
} from "../core/notification-templates";
import { TtlCache } from "../core/ttl-cache";
import { d1 } from "./client";
import { notificationTemplates } from "./schema";
import { getProgram } from "./shops";
import { getStoreSettings } from "./store-settings";

export interface NotificationTypeVersion {
  type: NotificationType;
  /** 0 for a type the shop never changed (the defaults). */
  version: number;
  edits: NotificationTypeEdits;
  created_at: string | null;
  created_by: string | null;
}

const CACHE_TTL_MS = 10_000;
const cache = new TtlCache<NotificationSetup>(CACHE_TTL_MS);

/** Every type's channels and wording per language, with the shop's languages and points names (cached per isolate). */
export function notificationSetup(env: Env, shop: string): Promise<NotificationSetup> {
  return cache.get(shop, async () => {
    const [versions, settings, program] = await Promise.all([notificationVersions(env, shop), getStoreSettings(env, shop), getProgram(env, shop)]);
    return {
      languages: settings.languages,
      default_language: settings.default_language,
      currency: program.currency,
      types: Object.fromEntries(versions.map((v) => [v.type, typeSetup(v.type, v.edits)])) as NotificationSetup["types"],
    };
  });
}

/** The current version of every type, read past the cache; types never changed at version 0. */
export async function notificationVersions(env: Env, shop: string): Promise<NotificationTypeVersion[]> {
  // Each type's newest row: the primary key (shop, type, version) serves the correlated max.
  const rows = await env.DB.prepare(
    `SELECT type, version, channels, templates, created_at, created_by FROM notification_templates t
     WHERE shop = ?1 AND version = (SELECT max(version) FROM notification_templates WHERE shop = ?1 AND type = t.type)`,
  )
    .bind(shop)
    .all<{ type: NotificationType; version: number; channels: string; templates: string; created_at: number; created_by: string }>();
  const byType = new Map(rows.results.map((row) => [row.type, row]));
  return NOTIFICATION_TYPES.map((type) => {
    const row = byType.get(type);
    if (!row) return { type, version: 0, edits: NO_EDITS, created_at: null, created_by: null };
    return {
      type,
      version: row.version,
      edits: { channels: JSON.parse(row.channels), templates: JSON.parse(row.templates) },
      created_at: new Date(row.created_at).toISOString(),
      created_by: row.created_by,
    };
  });
}

async function currentVersion(env: Env, shop: string, type: NotificationType): Promise<NotificationTypeVersion> {
  const row = await d1(env)
    .select()
    .from(notificationTemplates)
    .where(and(eq(notificationTemplates.shop, shop), eq(notificationTemplates.type, type)))
    .orderBy(desc(notificationTemplates.version))
    .limit(1)
    .get();
  if (!row) return { type, version: 0, edits: NO_EDITS, created_at: null, created_by: null };
  return {
    type,
    version: row.version,
    edits: { channels: JSON.parse(row.channels), templates: JSON.parse(row.templates) },
    created_at: new Date(row.createdAt).toISOString(),
    created_by: row.createdBy,
  };
}

/** Thrown when `expectedVersion` is not the current one, or a racing writer saved first. */
export class NotificationTemplatesConflict extends Error {}

/**
 * Saves `change(current)` as the type's next version; `change` throws to refuse. Racing writers
 * meet the primary key: without `expectedVersion` the loser applies its change on the winner's
 * version; with it, the loser is refused. Returns the version before and the one saved.
 */
export async function saveNotificationTypeChange(
  env: Env,
  shop: string,
  type: NotificationType,
  change: (current: NotificationTypeEdits) => NotificationTypeEdits,
  options: { actor: string; expectedVersion?: number },
): Promise<{ before: NotificationTypeVersion; saved: NotificationTypeVersion }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await currentVersion(env, shop, type);
    if (options.expectedVersion !== undefined && options.expectedVersion !== before.version) {
      throw new NotificationTemplatesConflict(`${type} is at version ${before.version}, not ${options.expectedVersion}`);
    }
    const edits = change(before.edits);
    const now = Date.now();
    const inserted = await d1(env)
      .insert(notificationTemplates)
      .values({
        shop,
        type,
        version: before.version + 1,
        channels: JSON.stringify(edits.channels),
        templates: JSON.stringify(edits.templates),
        createdAt: now,
        createdBy: options.actor,
      })
      .onConflictDoNothing()
      .returning({ version: notificationTemplates.version })
      .all();
    if (inserted.length > 0) {
      cache.delete(shop);
      return { before, saved: { type, version: before.version + 1, edits, created_at: new Date(now).toISOString(), created_by: options.actor } };
    }
    if (options.expectedVersion !== undefined) throw new NotificationTemplatesConflict(`another change saved ${type} version ${before.version + 1} first`);
  }
  throw new Error(`notification templates of ${shop}: five writers raced on ${type}; try again`);
}
