// The widget's own chrome, for when the served strings have not arrived (or cannot): the served
// translations (core/i18n.ts) override these key by key.
import type { Resources } from "./translate";

const STRINGS: Record<string, Resources> = {
  en: {
    title: "Rewards",
    loading: "Loading your rewards…",
    error: "We couldn't load your rewards.",
    retry: "Try again",
    close: "Close",
    next_tier: "{{count}} more points to reach {{tier}}",
    next_tier_one: "{{count}} more point to reach {{tier}}",
  },
  fr: {
    title: "Récompenses",
    loading: "Chargement de vos récompenses…",
    error: "Impossible de charger vos récompenses.",
    retry: "Réessayer",
    close: "Fermer",
    next_tier: "Encore {{count}} points pour atteindre {{tier}}",
    next_tier_one: "Encore {{count}} point pour atteindre {{tier}}",
  },
  es: {
    title: "Recompensas",
    loading: "Cargando tus recompensas…",
    error: "No pudimos cargar tus recompensas.",
    retry: "Reintentar",
    close: "Cerrar",
    next_tier: "Te faltan {{count}} puntos para {{tier}}",
    next_tier_one: "Te falta {{count}} punto para {{tier}}",
  },
  de: {
    title: "Prämien",
    loading: "Prämien werden geladen …",
    error: "Ihre Prämien konnten nicht geladen werden.",
    retry: "Erneut versuchen",
    close: "Schließen",
    next_tier: "Noch {{count}} Punkte bis {{tier}}",
    next_tier_one: "Noch {{count}} Punkt bis {{tier}}",
  },
};

/** "fr-CA" → "fr"; anything else → "en". */
export function chromeLanguage(locale: string): string {
  const base = locale.toLowerCase().split(/[-_]/)[0] ?? "";
  return base in STRINGS ? base : "en";
}

export function chromeStrings(language: string): Resources {
  return STRINGS[chromeLanguage(language)]!;
}
