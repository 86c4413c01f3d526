// The VIP tiers screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "VIP tiers" },
  es: { title: "Niveles VIP" },
  fr: { title: "Niveaux VIP" },
};
