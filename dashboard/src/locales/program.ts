// The Points program screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "Points program" },
  es: { title: "Programa de puntos" },
  fr: { title: "Programme de points" },
};
