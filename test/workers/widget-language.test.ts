// The widget config's language: the widget's `locale` (the shopper's pick, else the page's) first;
// without one, the first of Accept-Language's languages the shop offers; else the shop's default.
import { describe, expect, it } from "vitest";
import { call, install, json, merchantApi } from "../helpers/app";
import { proxyUrl, uniqueShop } from "../helpers/shopify";

async function config(shop: string, { locale, acceptLanguage }: { locale?: string; acceptLanguage?: string }) {
  const url = await proxyUrl("/widget/config", { shop, customerId: null, extra: locale ? { locale } : {} });
  const response = await call(new Request(url, { headers: acceptLanguage ? { "accept-language": acceptLanguage } : {} }));
  expect(response.status).toBe(200);
  return json(response);
}

describe("GET /proxy/v1/api/widget/config language", () => {
  it("follows Accept-Language among the shop's languages when the widget sends no locale", async () => {
    const shop = uniqueShop("widget-language");
    await install(shop);
    const saved = await merchantApi(shop, "PUT", "/settings", {
      languages: ["en", "es", "fr"],
      default_language: "en",
      branding: { launcher_label: { es: "Ventajas" } },
      storefront: { copy: { es: { sticky_bar: "Gana puntos en cada compra" } } },
    });
    expect(saved.status).toBe(200);

    const spanish = await config(shop, { acceptLanguage: "de-DE,de;q=0.9,es;q=0.8,en;q=0.5" });
    expect(spanish.language).toBe("es");
    expect(spanish.translations.language).toBe("Idioma");
    expect(spanish.branding.launcher_label).toBe("Ventajas");
    expect(spanish.storefront.copy.sticky_bar).toBe("Gana puntos en cada compra");

    // Weights decide, not the order written.
    expect((await config(shop, { acceptLanguage: "en;q=0.2, fr" })).language).toBe("fr");
    // Nothing offered: the default.
    expect((await config(shop, { acceptLanguage: "ja, zh;q=0.5" })).language).toBe("en");
    expect((await config(shop, {})).language).toBe("en");
  });

  it("lets the widget's locale win over Accept-Language", async () => {
    const shop = uniqueShop("widget-language-locale");
    await install(shop);
    const french = await config(shop, { locale: "fr-CA", acceptLanguage: "es" });
    expect(french.language).toBe("fr");
    expect(french.translations.language).toBe("Langue");
    expect(french.languages).toEqual(["en", "es", "fr", "de"]);
  });
});
