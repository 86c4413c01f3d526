// The Activity log screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "Activity log" },
  es: { title: "Registro de actividad" },
  fr: { title: "Journal d’activité" },
};
