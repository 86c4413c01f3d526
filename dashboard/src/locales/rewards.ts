// The Rewards screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "Rewards" },
  es: { title: "Recompensas" },
  fr: { title: "Récompenses" },
};
