// The Customers screen's strings (keys identical in en, es and fr).
export default {
  en: { title: "Customers" },
  es: { title: "Clientes" },
  fr: { title: "Clients" },
};
