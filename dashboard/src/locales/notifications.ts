// The Notifications screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "Notifications" },
  es: { title: "Notificaciones" },
  fr: { title: "Notifications" },
};
