// The shop's own PostHog: off by default, turned on only with a project key (phc_), every bad
// field a 400 naming it with nothing saved; posthogFor as the pipeline reads it (null while off,
// the stand-in's origin outside production); the widget config carrying it only while on, with
// a distinct_id for a signed-in customer that names nobody and differs per shop; the settings
// answer carrying the dashboard's PostHog only while on, with the staff member's keyed hash.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { posthogConfig, posthogDistinctId, posthogStaffId, providersOriginOverride } from "../../core/analytics";
import { dataKeys } from "../../core/crypto";
import { DEFAULT_ANALYTICS } from "../../core/store-settings";
import { posthogFor } from "../../d1/store-settings";
import { storeSettings } from "../../d1/schema";
import { d1 } from "../../d1/client";
import { call, install, json, merchantApi } from "../helpers/app";
import { proxyUrl, uniqueShop } from "../helpers/shopify";

const OWNER = "1001";
const VIEWER = "1003";
const KEY = "phc_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg";
const OTHER_KEY = "phc_ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210zyxwv";

async function newShop(label: string) {
  const shop = uniqueShop(label);
  await install(shop);
  return shop;
}

async function put(shop: string, body: unknown, sub = OWNER) {
  const response = await merchantApi(shop, "PUT", "/settings", body, sub);
  return { status: response.status, body: await json(response) };
}

async function settings(shop: string) {
  const response = await merchantApi(shop, "GET", "/settings", undefined, OWNER);
  expect(response.status).toBe(200);
  return json(response);
}

async function widgetConfig(shop: string, customerId: string | null) {
  const response = await call(await proxyUrl("/widget/config", { shop, customerId }));
  expect(response.status).toBe(200);
  return json(response);
}

/** Where this test environment sends PostHog traffic: the stand-in when PROVIDERS_ORIGIN is bound. */
const hostIn = (shopHost: string) => providersOriginOverride(env as { ENVIRONMENT?: string; PROVIDERS_ORIGIN?: string }) ?? shopHost;

describe("analytics in /v1/api/settings", () => {
  it("is off by default, with no key and the US host", async () => {
    const shop = await newShop("analytics-default");
    expect((await settings(shop)).analytics).toEqual({ posthog_enabled: false, posthog_project_api_key: null, posthog_host: "https://us.i.posthog.com" });
    expect(await posthogFor(env, shop)).toBeNull();
  });

  it("turns on with a project key and host as a new version, keeps the key when only the switch changes, and forgets it on null", async () => {
    const shop = await newShop("analytics-on");
    const on = await put(shop, { analytics: { posthog_enabled: true, posthog_project_api_key: ` ${KEY} `, posthog_host: "https://eu.i.posthog.com" } });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    expect(on.body).toMatchObject({ version: 1, analytics: { posthog_enabled: true, posthog_project_api_key: KEY, posthog_host: "https://eu.i.posthog.com" } });

    const off = await put(shop, { analytics: { posthog_enabled: false } });
    expect(off.body.analytics).toEqual({ posthog_enabled: false, posthog_project_api_key: KEY, posthog_host: "https://eu.i.posthog.com" });
    // Other settings left the analytics alone.
    const renamed = await put(shop, { store_name: "Maple" });
    expect(renamed.body.analytics.posthog_project_api_key).toBe(KEY);

    const forgotten = await put(shop, { analytics: { posthog_project_api_key: null } });
    expect(forgotten.body.analytics).toEqual({ posthog_enabled: false, posthog_project_api_key: null, posthog_host: "https://eu.i.posthog.com" });
    expect((await settings(shop)).version).toBe(4);
  });

  it.each([
    [{ posthog_enabled: true }, "posthog_key_required", "analytics.posthog_project_api_key"],
    [{ posthog_enabled: true, posthog_project_api_key: null }, "posthog_key_required", "analytics.posthog_project_api_key"],
    [{ posthog_project_api_key: "phx_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789" }, "invalid_request", "analytics.posthog_project_api_key"],
    [{ posthog_project_api_key: "phc_short" }, "invalid_request", "analytics.posthog_project_api_key"],
    [{ posthog_project_api_key: "sk_live_AbCdEfGhIjKlMnOpQrStUvWx" }, "invalid_request", "analytics.posthog_project_api_key"],
    [{ posthog_project_api_key: `${KEY}<script>` }, "invalid_request", "analytics.posthog_project_api_key"],
    [{ posthog_host: "https://evil.example.com" }, "invalid_request", "analytics.posthog_host"],
    [{ posthog_host: "http://us.i.posthog.com" }, "invalid_request", "analytics.posthog_host"],
    [{ posthog_enabled: "yes" }, "invalid_request", "analytics.posthog_enabled"],
    [{ posthog_api_key: KEY }, "invalid_request", "analytics"],
  ])("refuses analytics %j with 400 %s naming %s, and saves nothing", async (analytics, code, field) => {
    const shop = await newShop("analytics-bad");
    const response = await put(shop, { store_name: "Kept", analytics });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.message).toContain(field);
    const after = await settings(shop);
    expect(after.version).toBe(0);
    expect(after.analytics.posthog_enabled).toBe(false);
  });

  it("says why a personal API key is refused", async () => {
    const shop = await newShop("analytics-personal-key");
    const response = await put(shop, { analytics: { posthog_project_api_key: "phx_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789" } });
    expect(response.body.error.message).toMatch(/personal API key.*secret/);
  });

  it("refuses a viewer's change to analytics", async () => {
    const shop = await newShop("analytics-viewer");
    expect((await put(shop, { staff_roles: { [OWNER]: "owner", [VIEWER]: "viewer" } })).status).toBe(200);
    const refused = await put(shop, { analytics: { posthog_enabled: true, posthog_project_api_key: KEY } }, VIEWER);
    expect(refused.status).toBe(403);
    expect((await settings(shop)).analytics.posthog_enabled).toBe(false);
  });

  it("reads a version saved before analytics existed as off", async () => {
    const shop = await newShop("analytics-old-version");
    const { analytics: _dropped, ...old } = (await settings(shop)) as Record<string, unknown>;
    const saved = { store_name: "Old", languages: old.languages, default_language: old.default_language, branding: old.branding, staff_roles: {} };
    await d1(env).insert(storeSettings).values({ shop, version: 1, settings: JSON.stringify(saved), createdAt: Date.now(), createdBy: OWNER }).run();
    const body = await settings(shop);
    expect(body).toMatchObject({ version: 1, store_name: "Old", analytics: DEFAULT_ANALYTICS });
    // And the next change builds on it.
    const on = await put(shop, { analytics: { posthog_enabled: true, posthog_project_api_key: KEY } });
    expect(on.body).toMatchObject({ version: 2, store_name: "Old", analytics: { posthog_enabled: true } });
  });
});

describe("posthogFor", () => {
  it("answers the shop's key and host while on, null again once off", async () => {
    const shop = await newShop("analytics-posthog-for");
    await put(shop, { analytics: { posthog_enabled: true, posthog_project_api_key: KEY, posthog_host: "https://eu.i.posthog.com" } });
    expect(await posthogFor(env, shop)).toEqual({ project_api_key: KEY, host: hostIn("https://eu.i.posthog.com") });
    await put(shop, { analytics: { posthog_enabled: false } });
    expect(await posthogFor(env, shop)).toBeNull();
  });

  it("keeps one shop's PostHog from another", async () => {
    const [a, b] = [await newShop("analytics-iso-a"), await newShop("analytics-iso-b")];
    await put(a, { analytics: { posthog_enabled: true, posthog_project_api_key: KEY } });
    await put(b, { analytics: { posthog_enabled: true, posthog_project_api_key: OTHER_KEY } });
    expect((await posthogFor(env, a))?.project_api_key).toBe(KEY);
    expect((await posthogFor(env, b))?.project_api_key).toBe(OTHER_KEY);
  });

  it("sends dev and test traffic to PROVIDERS_ORIGIN, and production always to the shop's host", () => {
    const on = { ...DEFAULT_ANALYTICS, posthog_enabled: true, posthog_project_api_key: KEY };
    const dev = providersOriginOverride({ ENVIRONMENT: "development", PROVIDERS_ORIGIN: "http://127.0.0.1:8790/" });
    expect(dev).toBe("http://127.0.0.1:8790");
    expect(posthogConfig(on, dev)).toEqual({ project_api_key: KEY, host: "http://127.0.0.1:8790" });
    expect(providersOriginOverride({ ENVIRONMENT: "production", PROVIDERS_ORIGIN: "http://127.0.0.1:8790" })).toBeNull();
    expect(providersOriginOverride({ ENVIRONMENT: "development", PROVIDERS_ORIGIN: "" })).toBeNull();
    expect(providersOriginOverride({ ENVIRONMENT: "development" })).toBeNull();
    expect(() => providersOriginOverride({ ENVIRONMENT: "development", PROVIDERS_ORIGIN: "file:///etc/passwd" })).toThrow(/http/);
    expect(posthogConfig(on, null)).toEqual({ project_api_key: KEY, host: "https://us.i.posthog.com" });
    expect(posthogConfig({ ...on, posthog_enabled: false }, dev)).toBeNull();
  });
});

describe("the widget config's analytics", () => {
  it("is null while the shop has PostHog off, even with a key saved", async () => {
    const shop = await newShop("analytics-widget-off");
    expect((await widgetConfig(shop, "501")).analytics).toBeNull();
    await put(shop, { analytics: { posthog_project_api_key: KEY } });
    expect((await widgetConfig(shop, "501")).analytics).toBeNull();
  });

  it("carries the key and host while on, with a distinct_id for a signed-in customer that names nobody and none for a guest", async () => {
    const shop = await newShop("analytics-widget-on");
    await put(shop, { analytics: { posthog_enabled: true, posthog_project_api_key: KEY, posthog_host: "https://eu.i.posthog.com" } });
    const customerId = "7004001";
    const signedIn = await widgetConfig(shop, customerId);
    const keys = await dataKeys(env.ENCRYPTION_KEY);
    expect(signedIn.analytics).toEqual({
      posthog: { api_key: KEY, host: hostIn("https://eu.i.posthog.com"), distinct_id: await posthogDistinctId(keys, shop, customerId) },
    });
    expect(signedIn.analytics.posthog.distinct_id).toMatch(/^ln_[0-9a-f]{32}$/);
    expect(signedIn.analytics.posthog.distinct_id).not.toContain(customerId);
    expect((await widgetConfig(shop, "")).analytics.posthog.distinct_id).toBeNull();

    // Stable per customer, different across customers and across shops.
    expect((await widgetConfig(shop, customerId)).analytics.posthog.distinct_id).toBe(signedIn.analytics.posthog.distinct_id);
    expect(await posthogDistinctId(keys, shop, "7004002")).not.toBe(signedIn.analytics.posthog.distinct_id);
    expect(await posthogDistinctId(keys, uniqueShop("analytics-other"), customerId)).not.toBe(signedIn.analytics.posthog.distinct_id);
  });
});

describe("the dashboard's PostHog in /v1/api/settings", () => {
  it("is null while off; on, carries the key, the host and each staff member's own keyed hash, per shop", async () => {
    const [shop, other] = [await newShop("dash-posthog"), await newShop("dash-posthog-other")];
    expect((await settings(shop)).posthog).toBeNull();
    const saved = await put(shop, { analytics: { posthog_enabled: true, posthog_project_api_key: KEY } });
    expect(saved.status).toBe(200);
    const keys = await dataKeys(env.ENCRYPTION_KEY);
    const owner = await posthogStaffId(keys, shop, OWNER);
    // The save's own answer already carries it, for the saver.
    expect(saved.body.posthog).toEqual({ api_key: KEY, host: providersOriginOverride(env), distinct_id: owner });
    expect((await settings(shop)).posthog).toEqual({ api_key: KEY, host: providersOriginOverride(env), distinct_id: owner });

    const viewer = (await json(await merchantApi(shop, "GET", "/settings", undefined, VIEWER))).posthog;
    expect(viewer.distinct_id).toMatch(/^ln_staff_[0-9a-f]{32}$/);
    expect(viewer.distinct_id).not.toBe(owner);
    expect(owner).not.toContain(OWNER);
    // Not the customer's hash of the same number, nor the same person in another shop.
    expect(owner).not.toBe(await posthogDistinctId(keys, shop, OWNER));
    expect(await posthogStaffId(keys, other, OWNER)).not.toBe(owner);
    expect((await settings(other)).posthog).toBeNull();

    expect((await put(shop, { analytics: { posthog_enabled: false } })).body.posthog).toBeNull();
  });
});
