// The widget's translator stands in for i18next (which alone is over the bundle budget): it must
// give i18next's own output for every string the storefront API serves, in every language.
import i18next from "i18next";
import { describe, expect, it } from "vitest";
import { WIDGET_TRANSLATIONS } from "../../core/i18n";
import { chromeStrings } from "../../widget/src/strings";
import { translator } from "../../widget/src/translate";

const COUNTS = [0, 1, 2, 5, 21, 1250];

describe.each(Object.keys(WIDGET_TRANSLATIONS))("%s", (language) => {
  const resources = { ...chromeStrings(language), ...WIDGET_TRANSLATIONS[language as keyof typeof WIDGET_TRANSLATIONS] };
  const keys = [...new Set(Object.keys(resources).map((key) => key.replace(/_(zero|one|two|few|many|other)$/, "")))];

  it("has every string English has (a missing one would show its key)", () => {
    const english = Object.keys(WIDGET_TRANSLATIONS.en).filter((key) => !/_one$/.test(key));
    expect(english.filter((key) => !(key in resources))).toEqual([]);
  });

  it("matches i18next for every key, count and interpolation", async () => {
    const reference = i18next.createInstance();
    await reference.init({
      lng: language,
      resources: { [language]: { translation: resources } },
      interpolation: { escapeValue: false },
    });
    const widget = translator(language, resources);
    for (const key of keys) {
      for (const count of COUNTS) {
        const options = { count, tier: "Gold & Silver", reward: "$5 off", amount: "5,00 €", date: "1 déc. 2026", min: 500, max: 2000, step: 100, points: "+1250" };
        expect(widget(key, options), `${key} ${count}`).toBe(reference.t(key, options));
      }
      expect(widget(key), key).toBe(reference.t(key));
    }
  });
});
