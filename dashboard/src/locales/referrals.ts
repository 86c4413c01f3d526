// The Referrals screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "Referrals" },
  es: { title: "Referidos" },
  fr: { title: "Parrainages" },
};
