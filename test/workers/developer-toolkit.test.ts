// The dashboard's developer toolkit and widget preview APIs: the metafields the app writes, a live
// connectivity test against the Shopify emulator (a refusal and an outage answered as such, with
// the published widget settings compared to the saved ones), and the preview config, which is the
// storefront's config in any language, for the session's shop only.
import { describe, expect, it } from "vitest";
import { call, eventually, install, json, merchantApi } from "../helpers/app";
import { clearFaults, injectFault, installedShop } from "../helpers/shopify-emulator";
import { proxyUrl, uniqueShop } from "../helpers/shopify";

describe("GET /v1/api/developer/metafields", () => {
  it("lists the widget settings, the Function's configuration and the customer's tier, each with who reads it", async () => {
    const shop = uniqueShop("dev-mf");
    await install(shop);
    const response = await merchantApi(shop, "GET", "/developer/metafields");
    expect(response.status).toBe(200);
    const body = await json(response);
    const keys = body.metafields.map((m: any) => `${m.owner}:${m.namespace}.${m.key}`);
    expect(keys).toEqual(["AppInstallation:$app.widget_settings", "DiscountAutomaticNode:$app:loyalnest.function-configuration", "Customer:$app:loyalnest.vip-tier"]);
    expect(body.metafields[2].read_by).toContain("shopify_flow");
  });

  it("answers 401 without a session token", async () => {
    expect((await call("https://loyalnest.test/v1/api/developer/metafields")).status).toBe(401);
  });
});

describe("GET /v1/api/developer/connectivity", () => {
  it("reaches the shop's installation and reports the widget settings in sync once published", async () => {
    const shop = await installedShop("dev-conn");
    // Never published yet: Shopify holds nothing, the settings expect something.
    const before = (await json(await merchantApi(shop, "GET", "/developer/connectivity"))).connectivity;
    expect(before).toMatchObject({ ok: true, failure: null, installation_id: expect.stringMatching(/^gid:\/\/shopify\/AppInstallation\/\d+$/) });
    expect(before.widget_settings).toMatchObject({ published: null, in_sync: false });
    expect(before.latency_ms).toBeGreaterThanOrEqual(0);

    expect((await merchantApi(shop, "PUT", "/settings", { branding: { primary_color: "#223344" } })).status).toBe(200);
    const after = await eventually(
      async () => (await json(await merchantApi(shop, "GET", "/developer/connectivity"))).connectivity,
      (c) => c.widget_settings?.in_sync === true,
    );
    expect(after.widget_settings.published.branding.primary_color).toBe("#223344");
    expect(after.widget_settings.published).toEqual(after.widget_settings.expected);
  });

  it("reports Shopify refusing or failing as a failed test, with the reason, not as a broken dashboard", async () => {
    const shop = await installedShop("dev-fail");
    await injectFault(shop, { mode: "user_error", operation: "currentAppInstallation", times: 1 });
    const refused = (await json(await merchantApi(shop, "GET", "/developer/connectivity"))).connectivity;
    expect(refused).toMatchObject({ ok: false, installation_id: null, widget_settings: null, failure: { kind: "rejected" } });
    expect(refused.failure.message).toMatch(/currentAppInstallation/);

    await injectFault(shop, { mode: "http_500", operation: "currentAppInstallation", times: 0 });
    try {
      const response = await merchantApi(shop, "GET", "/developer/connectivity");
      expect(response.status).toBe(200);
      const down = (await json(response)).connectivity;
      expect(down).toMatchObject({ ok: false, failure: { kind: "unavailable" } });
    } finally {
      await clearFaults(shop);
    }
    expect((await json(await merchantApi(shop, "GET", "/developer/connectivity"))).connectivity.ok).toBe(true);
  });

  it("answers 401 for a shop that never installed (no token to call Shopify with is never borrowed)", async () => {
    const stranger = uniqueShop("dev-none");
    const response = await merchantApi(stranger, "GET", "/developer/connectivity");
    expect([401, 403]).toContain(response.status);
  });
});

describe("GET /v1/api/widget/preview-config", () => {
  it("is the storefront's config, in any language the widget speaks, for the session's shop", async () => {
    const shop = uniqueShop("preview");
    await install(shop);
    expect((await merchantApi(shop, "PUT", "/settings", { languages: ["en"], default_language: "en", branding: { launcher_label: { en: "Perks", fr: "Avantages" } } })).status).toBe(200);

    const served = await json(await call(await proxyUrl("/widget/config", { shop, extra: { locale: "en" } })));
    const preview = (await json(await merchantApi(shop, "GET", "/widget/preview-config"))).config;
    const { analytics: _a, status: _s, error: _e, ...expected } = served;
    expect(preview).toEqual(expected);

    // French is not offered: the storefront answers in English, the preview in French as asked.
    const french = (await json(await merchantApi(shop, "GET", "/widget/preview-config?language=fr"))).config;
    expect(french).toMatchObject({ language: "fr", branding: { launcher_label: "Avantages" } });
    expect(french.translations.title).not.toBe(preview.translations.title);

    // Another shop's preview has its own label, never this one's.
    const other = uniqueShop("preview-other");
    await install(other);
    const theirs = (await json(await merchantApi(other, "GET", "/widget/preview-config"))).config;
    expect(theirs.branding.launcher_label).toBeNull();
  });

  it("refuses a language the widget has no strings for, naming it", async () => {
    const shop = uniqueShop("preview-bad");
    await install(shop);
    const response = await merchantApi(shop, "GET", "/widget/preview-config?language=xx");
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe("invalid_request");
  });
});
