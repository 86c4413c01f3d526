// The Exports screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "Exports" },
  es: { title: "Exportaciones" },
  fr: { title: "Exports" },
};
