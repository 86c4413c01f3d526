// The dashboard's strings are complete in every language it speaks: each namespace
// (dashboard/src/locales/<screen>.ts) has the same keys in en, es and fr, no empty string, the
// same {{placeholders}} in each translation, every plural form the language needs; and every
// "namespace:key" the screens name exists. A missing key would show the merchant English (or the
// key itself) in the middle of a Spanish or French screen.
import { describe, expect, it } from "vitest";
import { NAMESPACES } from "../../dashboard/src/locales";

const LANGUAGES = ["en", "es", "fr"] as const;
const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

type Strings = { [key: string]: string | Strings };

/** "a.b.c" → the string, for every leaf. */
function flatten(strings: Strings, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(strings)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((m) => m[1]).sort();

/** A plural form's base ("count" of "count_one"), or null: plural only beside a `_other` ("below_zero" is a word). */
function pluralBase(key: string, keys: Set<string>): string | null {
  const base = key.replace(PLURAL_SUFFIX, "");
  return base !== key && keys.has(`${base}_other`) ? base : null;
}

/** Keys with the plural suffix taken off: what must be the same in every language. */
function baseKeys(keys: Iterable<string>): Set<string> {
  const all = new Set(keys);
  return new Set([...all].map((key) => pluralBase(key, all) ?? key));
}

const namespaces = Object.entries(NAMESPACES) as [string, Record<(typeof LANGUAGES)[number], Strings>][];

describe("dashboard locales", () => {
  it("has namespaces to check", () => {
    expect(namespaces.length).toBeGreaterThan(5);
    expect(Object.keys(NAMESPACES)).toContain("common");
  });

  it.each(namespaces)("%s: the same keys, placeholders and plural forms in en, es and fr", (name, strings) => {
    expect(Object.keys(strings).sort(), `${name}: languages`).toEqual([...LANGUAGES].sort());
    const flat = Object.fromEntries(LANGUAGES.map((lang) => [lang, flatten(strings[lang])])) as Record<(typeof LANGUAGES)[number], Map<string, string>>;
    const english = baseKeys(flat.en.keys());
    expect(english.has("title") || name === "common", `${name}: a title (its nav entry and page title)`).toBe(true);
    for (const lang of LANGUAGES) {
      const keys = flat[lang];
      expect([...baseKeys(keys.keys())].sort(), `${name}.${lang}: keys`).toEqual([...english].sort());
      for (const [key, text] of keys) {
        expect(text.trim(), `${name}.${lang}.${key} is empty`).not.toBe("");
        const base = pluralBase(key, new Set(keys.keys())) ?? key;
        const englishText = flat.en.get(key) ?? flat.en.get(`${base}_other`) ?? flat.en.get(base) ?? "";
        expect(placeholders(text), `${name}.${lang}.${key}: placeholders`).toEqual(placeholders(englishText));
      }
      // A plural key needs every form the language's rules pick (French's "many" is 1,000,000).
      const names = new Set(keys.keys());
      const plurals = new Set([...names].map((key) => pluralBase(key, names)).filter((base): base is string => base !== null));
      for (const base of plurals) {
        for (const form of new Intl.PluralRules(lang).resolvedOptions().pluralCategories) {
          expect(keys.has(`${base}_${form}`), `${name}.${lang}.${base}_${form} (plural form ${form})`).toBe(true);
        }
      }
    }
  });

  it("has every namespaced key the dashboard's code names", () => {
    const sources = import.meta.glob("../../dashboard/src/**/*.{ts,tsx}", { query: "?raw", import: "default", eager: true });
    expect(Object.keys(sources).length).toBeGreaterThan(10);
    const names = Object.keys(NAMESPACES).join("|");
    const missing: string[] = [];
    let seen = 0;
    for (const [file, text] of Object.entries(sources)) {
      for (const match of text.matchAll(new RegExp(`["'\`](${names}):([\\w.]+)["'\`]`, "g"))) {
        seen++;
        const [, ns, key] = match as unknown as [string, string, string];
        const en = flatten((NAMESPACES as unknown as Record<string, { en: Strings }>)[ns]!.en);
        if (!en.has(key) && !en.has(`${key}_other`) && !en.has(`${key}_one`)) missing.push(`${file}: ${ns}:${key}`);
      }
    }
    expect(seen).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});
