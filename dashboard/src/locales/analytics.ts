// The Analytics screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "Analytics" },
  es: { title: "Analíticas" },
  fr: { title: "Analyses" },
};
