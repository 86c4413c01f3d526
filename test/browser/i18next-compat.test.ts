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
        const options = { count, tier: "Gold & Silver" };
        expect(widget(key, options), `${key} ${count}`).toBe(reference.t(key, options));
      }
      expect(widget(key), key).toBe(reference.t(key));
    }
  });
});
