// Storefront widget strings (i18next resource shape), served with the widget config.
export const WIDGET_TRANSLATIONS = {
  en: {
    title: "Rewards",
    balance: "You have {{count}} points",
    balance_one: "You have {{count}} point",
    sign_in: "Sign in to earn and redeem points",
    redeem: "Redeem",
    points_cost: "{{count}} points",
    not_enough: "{{count}} more points needed",
    tier: "Your tier: {{tier}}",
  },
  fr: {
    title: "Récompenses",
    balance: "Vous avez {{count}} points",
    balance_one: "Vous avez {{count}} point",
    sign_in: "Connectez-vous pour gagner et utiliser des points",
    redeem: "Utiliser",
    points_cost: "{{count}} points",
    not_enough: "Encore {{count}} points nécessaires",
    tier: "Votre niveau : {{tier}}",
  },
  es: {
    title: "Recompensas",
    balance: "Tienes {{count}} puntos",
    balance_one: "Tienes {{count}} punto",
    sign_in: "Inicia sesión para ganar y canjear puntos",
    redeem: "Canjear",
    points_cost: "{{count}} puntos",
    not_enough: "Te faltan {{count}} puntos",
    tier: "Tu nivel: {{tier}}",
  },
  de: {
    title: "Prämien",
    balance: "Sie haben {{count}} Punkte",
    balance_one: "Sie haben {{count}} Punkt",
    sign_in: "Melden Sie sich an, um Punkte zu sammeln und einzulösen",
    redeem: "Einlösen",
    points_cost: "{{count}} Punkte",
    not_enough: "Noch {{count}} Punkte nötig",
    tier: "Ihre Stufe: {{tier}}",
  },
} as const;

export type WidgetLanguage = keyof typeof WIDGET_TRANSLATIONS;

/** "fr-CA" → "fr"; anything unsupported → the shop's default, then English. */
export function pickLanguage(requested: string | null | undefined, fallback: string): WidgetLanguage {
  for (const candidate of [requested, fallback, "en"]) {
    const base = candidate?.toLowerCase().split(/[-_]/)[0];
    if (base && base in WIDGET_TRANSLATIONS) return base as WidgetLanguage;
  }
  return "en";
}
