// The dashboard's strings: i18next with one namespace per screen (locales/<namespace>.ts, each
// `{ en, es, fr }` with the same keys; test/workers/dashboard-locales.test.ts checks). The
// language is the merchant's admin language (Shopify passes `locale` to embedded apps).
import i18next, { type TOptions } from "i18next";
import { NAMESPACES } from "./locales";

export const LANGUAGES = ["en", "es", "fr"] as const;
export type Language = (typeof LANGUAGES)[number];

/** `fr-CA` → `fr`; a language the dashboard does not speak → English. */
export function dashboardLanguage(locale: string | null | undefined): Language {
  const base = (locale ?? "").toLowerCase().split(/[-_]/)[0] ?? "";
  return (LANGUAGES as readonly string[]).includes(base) ? (base as Language) : "en";
}

export async function initI18n(locale: string | null | undefined): Promise<Language> {
  const language = dashboardLanguage(locale);
  const resources: Record<string, Record<string, object>> = {};
  for (const lang of LANGUAGES) {
    resources[lang] = Object.fromEntries(Object.entries(NAMESPACES).map(([ns, strings]) => [ns, strings[lang]]));
  }
  await i18next.init({ lng: language, fallbackLng: "en", resources, ns: Object.keys(NAMESPACES), defaultNS: "common", interpolation: { escapeValue: false }, returnNull: false });
  document.documentElement.lang = language;
  return language;
}

export type Translate = (key: string, options?: TOptions) => string;

/** `t` for one namespace: `useT("customers")("title")`. Keys of another namespace: "common:save". */
export function useT(namespace: keyof typeof NAMESPACES): Translate {
  return (key, options) => i18next.t(key, { ns: namespace, ...options }) as string;
}

export const language = (): Language => dashboardLanguage(i18next.language);
