// The subset of i18next the widget's strings use: JSON v4 plurals (`key_one`, `key_other`, falling
// back to `key`) and `{{name}}` interpolation, unescaped as with `escapeValue: false`, a missing
// value left as written. i18next itself weighs more, gzipped, than the whole widget budget;
// test/browser/i18next-compat.test.ts holds this to i18next's output for every served string.
export type Resources = Readonly<Record<string, string>>;
export type Options = Readonly<Record<string, string | number>>;
export type Translate = (key: string, options?: Options) => string;

export function translator(language: string, resources: Resources): Translate {
  const plurals = new Intl.PluralRules(language);
  return (key, options = {}) => {
    const { count } = options;
    const plural = typeof count === "number" ? resources[`${key}_${plurals.select(count)}`] : undefined;
    const template = plural ?? resources[key] ?? key;
    return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (match, name: string) => (name in options ? String(options[name]) : match));
  };
}
