// The Campaigns screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "Campaigns" },
  es: { title: "Campañas" },
  fr: { title: "Campagnes" },
};
