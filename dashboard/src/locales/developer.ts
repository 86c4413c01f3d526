// The Developer toolkit screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "Developer toolkit" },
  es: { title: "Herramientas para desarrolladores" },
  fr: { title: "Outils pour développeurs" },
};
