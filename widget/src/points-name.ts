// The merchant's name for points, for a count ("1 star", "5 stars"), else the widget's own: one
// rule for the panel (panel-store.ts) and the surfaces (surfaces/).
import type { WidgetConfig } from "./api";
import type { Translate } from "./translate";

export function pointsNamer(language: string, config: WidgetConfig, t: Translate): (count: number) => string {
  const plurals = new Intl.PluralRules(language);
  const names = config.program?.currency;
  return (count) => (names ? (plurals.select(count) === "one" ? names.singular : names.plural) : t("currency", { count }));
}
