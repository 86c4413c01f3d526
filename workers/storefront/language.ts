import { shopperLanguage, type StoreLanguage, type StoreSettings } from "../../core/store-settings";
import { getStoreSettings } from "../../d1/store-settings";

/** The shopper's language among those the shop offers (store settings), else the shop's default. */
export async function storefrontLanguage(env: Env, shop: string, locale: string | undefined): Promise<StoreLanguage> {
  return shopperLanguage(await getStoreSettings(env, shop), locale);
}

/**
 * A page's language (the referral and loyalty pages, which a shopper reaches by a link): the
 * request's `locale`, else the first of Accept-Language's languages the shop offers, else the
 * shop's default.
 */
export function pageLanguage(settings: Pick<StoreSettings, "languages" | "default_language">, locale: string | undefined, acceptLanguage: string | undefined): StoreLanguage {
  return shopperLanguage(settings, requestLanguage(settings.languages, locale, acceptLanguage));
}

/**
 * The shopper's language among those the shop offers: the request's `locale` first, else the
 * first of Accept-Language's languages (by weight) the shop offers, else the shop's default.
 */
export function requestLanguage(offered: readonly string[], locale: string | undefined, acceptLanguage: string | undefined): string | undefined {
  if (locale) return locale;
  return acceptedLanguages(acceptLanguage).find((base) => offered.includes(base));
}

/** Accept-Language's base languages, most wanted first ("fr-CA;q=0.8, de" → ["de", "fr"]). */
export function acceptedLanguages(acceptLanguage: string | undefined): string[] {
  return (acceptLanguage ?? "")
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      return { base: tag.trim().toLowerCase().split(/[-_]/)[0] ?? "", weight: q ? Number(q.slice(2)) || 0 : 1, index };
    })
    .filter((l) => l.base && l.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index)
    .map((l) => l.base);
}
