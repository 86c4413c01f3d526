// The GDPR requests screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "GDPR requests" },
  es: { title: "Solicitudes RGPD" },
  fr: { title: "Demandes RGPD" },
};
