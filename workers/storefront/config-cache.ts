// The widget config's shop-level part (everything but the signed-in shopper's own), cached at the
// edge with the Cache API, per shop, requested language and version of the shop's content.
//
// Why a versioned key rather than deleting entries when the merchant saves: the Cache API's
// entries live in one data centre each (they are not replicated), and a cache.delete() reaches
// only the data centre that ran the merchant's save, while shoppers are answered from every
// other. So nothing is deleted. Each entry is keyed by the version of what it was built from
// (d1/config-version.ts: one D1 query over every row the config reads, which each save changes
// in the same write as the content), read fresh on every request: after a save, the next
// request anywhere asks for a new key, misses and builds from D1. Old entries are never read
// again and age out. One small query replaces the config's five reads on a hit.
//
// Ordering keeps an entry from being older than its key: the version is read before the content,
// and a miss reads the content past the isolate caches (d1/*.ts keep each for 10 s). A save racing
// a miss can only make the content newer than its key says, never older.
//
// The key holds the shop (a second shop's request cannot name another's entry: its shop is the
// verified one) and the requested language reduced to the ones the widget speaks, so a shopper's
// locale cannot grow the cache. The Cache API does nothing on *.workers.dev (every request then
// builds, as before); it works on the custom domain the App Proxy points at.
import type { Context } from "hono";
import { STORE_LANGUAGES } from "../../core/store-settings";
import { widgetConfigVersion } from "../../d1/config-version";
import { forgetCampaigns } from "../../d1/campaigns";
import { forgetRewards } from "../../d1/rewards";
import { forgetProgram } from "../../d1/shops";
import { forgetStoreSettings } from "../../d1/store-settings";
import { log } from "../../core/log";
import { acceptedLanguages } from "./language";
import type { App } from "../http/context";

const CACHE_NAME = "widget-config";
/**
 * A current entry's life. The version sees every write to the shop's content but not the code: a
 * deploy that changes the widget's strings or the config's shape reaches every shopper within
 * this time (entries outlive deployments). It also bounds the cache's size.
 */
const MAX_AGE_SECONDS = 300;

export type CacheOutcome = "hit" | "miss";

/** What the shopper asked for, as the config reads it (workers/storefront/language.ts requestLanguage). */
export interface LanguageRequest {
  locale: string | undefined;
  acceptLanguage: string | undefined;
}

const spoken = (base: string | undefined) => STORE_LANGUAGES.find((l) => l === base);

/**
 * The request's language as the key holds it: the `locale`'s base when the widget speaks it;
 * without a locale, Accept-Language's spoken languages in order (the config takes the first the
 * shop offers, which the key cannot know before reading the shop, so it keeps them all: at most
 * 4! orders of 4 languages, however shoppers write the header).
 */
function languageKey({ locale, acceptLanguage }: LanguageRequest): string {
  if (locale) return spoken(locale.toLowerCase().split(/[-_]/)[0]) ?? "default";
  const accepted = [...new Set(acceptedLanguages(acceptLanguage).filter((base) => spoken(base)))];
  return accepted.length > 0 ? `accept-${accepted.join("-")}` : "default";
}

/** On the Worker's own host: the Cache API keeps a zone's keys to the zone. */
export function configCacheKey(requestUrl: string, shop: string, language: LanguageRequest, version: string): string {
  return new URL(`/__cache/widget-config/${encodeURIComponent(shop)}/${languageKey(language)}/${encodeURIComponent(version)}`, requestUrl).toString();
}

/** The shop's config for the shopper's language: from the edge cache when current, else built (and stored). */
export async function cachedShopConfig<T>(c: Context<App>, shop: string, language: LanguageRequest, build: () => Promise<T>): Promise<{ body: T; cache: CacheOutcome }> {
  const version = await widgetConfigVersion(c.env, shop);
  const key = configCacheKey(c.req.url, shop, language, version);
  const cache = await caches.open(CACHE_NAME);
  const hit = await cache.match(key);
  if (hit) return { body: (await hit.json()) as T, cache: "hit" };
  // This isolate's copies may be older than `version`.
  forgetProgram(shop);
  forgetStoreSettings(shop);
  forgetRewards(shop);
  forgetCampaigns(shop);
  const body = await build();
  const entry = new Response(JSON.stringify(body), { headers: { "content-type": "application/json", "cache-control": `max-age=${MAX_AGE_SECONDS}` } });
  // Awaited (a local write): the shopper's next request, often within the second, finds it. A
  // failure only means that request builds again.
  await cache.put(key, entry).catch((error) => log.warn(`config cache: could not store ${shop}'s config`, String(error)));
  return { body, cache: "miss" };
}
