// The Home screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "Home" },
  es: { title: "Inicio" },
  fr: { title: "Accueil" },
};
