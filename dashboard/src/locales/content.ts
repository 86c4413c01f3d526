// The On-site content screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "On-site content" },
  es: { title: "Contenido en la tienda" },
  fr: { title: "Contenu de la boutique" },
};
