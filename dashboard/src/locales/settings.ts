// The Settings screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "Settings" },
  es: { title: "Configuración" },
  fr: { title: "Paramètres" },
};
