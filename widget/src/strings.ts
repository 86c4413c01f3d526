// The widget's own chrome, for when the served strings have not arrived (or cannot): the served
// translations (core/i18n.ts) override these key by key. Only what shows before the config does:
// the rest (balance, tiers, rewards) is never on screen without it.
import type { Resources } from "./translate";

const STRINGS: Record<string, Resources> = {
  en: {
    title: "Rewards",
    loading: "Loading your rewards…",
    error: "We couldn't load your rewards.",
    retry: "Try again",
    close: "Close",
  },
  fr: {
    title: "Récompenses",
    loading: "Chargement de vos récompenses…",
    error: "Impossible de charger vos récompenses.",
    retry: "Réessayer",
    close: "Fermer",
  },
  es: {
    title: "Recompensas",
    loading: "Cargando tus recompensas…",
    error: "No pudimos cargar tus recompensas.",
    retry: "Reintentar",
    close: "Cerrar",
  },
  de: {
    title: "Prämien",
    loading: "Prämien werden geladen …",
    error: "Ihre Prämien konnten nicht geladen werden.",
    retry: "Erneut versuchen",
    close: "Schließen",
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
