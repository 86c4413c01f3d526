// Store settings: GET/PUT /v1/api/settings as versions with who and when, every bad field named
// with nothing saved, staff roles enforced across the merchant surface, and the storefront's
// widget config speaking only the languages offered, with the shop's branding.
import { describe, expect, it } from "vitest";
import { call, install, json, merchantApi } from "../helpers/app";
import { proxyUrl, uniqueShop } from "../helpers/shopify";

const OWNER = "1001";
const MANAGER = "1002";
const VIEWER = "1003";
const STRANGER = "1004";

async function newShop(label: string) {
  const shop = uniqueShop(label);
  await install(shop);
  return shop;
}

async function put(shop: string, body: unknown, sub = OWNER, query = "") {
  const response = await merchantApi(shop, "PUT", `/settings${query}`, body, sub);
  return { status: response.status, body: await json(response) };
}

async function settings(shop: string, sub = OWNER) {
  const response = await merchantApi(shop, "GET", "/settings", undefined, sub);
  expect(response.status).toBe(200);
  return json(response);
}

async function widgetConfig(shop: string, locale?: string) {
  const response = await call(await proxyUrl("/widget/config", { shop, customerId: null, extra: locale ? { locale } : {} }));
  return { status: response.status, body: await json(response) };
}

async function withRoles(label: string) {
  const shop = await newShop(label);
  const saved = await put(shop, { staff_roles: { [OWNER]: "owner", [MANAGER]: "manager", [VIEWER]: "viewer" } });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  return shop;
}

describe("GET/PUT /v1/api/settings", () => {
  it("answers the defaults at version 0 for a shop that never saved: every language, English, no roles", async () => {
    const shop = await newShop("settings-defaults");
    const body = await settings(shop);
    expect(body).toMatchObject({
      status: "ok",
      version: 0,
      updated_at: null,
      updated_by: null,
      store_name: null,
      languages: ["en", "es", "fr", "de"],
      default_language: "en",
      branding: { primary_color: "#1d6b52", accent_color: "#1d6b52", launcher_position: "bottom-right", launcher_label: {} },
      staff_roles: {},
      you: { user_id: OWNER, role: null, permissions: { write: true, change_roles: true, grant_owner: true } },
      role_permissions: { viewer: { write: false, change_roles: false, grant_owner: false } },
      usage: { plan: { id: "free", monthly_order_limit: 300 }, usage: 0, limit: 300, percent: 0, state: "ok", held_awards: { count: 0, points: 0 } },
      error: null,
    });
  });

  it("saves a partial change as the next version with who and when; what it leaves out keeps its value", async () => {
    const shop = await newShop("settings-partial");
    const first = await put(shop, { store_name: "Maple & Co", languages: ["en", "fr"], default_language: "fr", branding: { primary_color: "#AA3300" } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ version: 1, updated_by: OWNER, store_name: "Maple & Co", languages: ["en", "fr"], default_language: "fr" });
    expect(first.body.branding).toEqual({ primary_color: "#aa3300", accent_color: "#1d6b52", launcher_position: "bottom-right", launcher_label: {}, font: "theme", custom_css: "" });

    const second = await put(shop, { branding: { launcher_position: "bottom-left", launcher_label: { en: "Perks", fr: "Avantages" } } }, OWNER, "?expected_version=1");
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ version: 2, store_name: "Maple & Co", default_language: "fr" });
    expect(second.body.branding).toMatchObject({ primary_color: "#aa3300", launcher_position: "bottom-left", launcher_label: { en: "Perks", fr: "Avantages" } });

    // null removes one language's label; the rest stays.
    const third = await put(shop, { branding: { launcher_label: { en: null } } });
    expect(third.body.branding.launcher_label).toEqual({ fr: "Avantages" });

    const versions = await json(await merchantApi(shop, "GET", "/settings/versions", undefined, OWNER));
    expect(versions.versions.map((v: { version: number; created_by: string }) => [v.version, v.created_by])).toEqual([
      [3, OWNER],
      [2, OWNER],
      [1, OWNER],
    ]);
    expect(versions.versions[2].settings.store_name).toBe("Maple & Co");
    expect(Date.parse(versions.versions[0].created_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("refuses a stale edit with 409 version_conflict: of two edits from one version exactly one wins", async () => {
    const shop = await newShop("settings-stale");
    await put(shop, { store_name: "One" });
    const results = await Promise.all([put(shop, { store_name: "A" }, OWNER, "?expected_version=1"), put(shop, { store_name: "B" }, OWNER, "?expected_version=1")]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.status === 409)!.body.error.code).toBe("version_conflict");
    const now = await settings(shop);
    expect(now.version).toBe(2);
    expect(now.store_name).toBe(results.find((r) => r.status === 200)!.body.store_name);
    expect((await put(shop, { store_name: "C" }, OWNER, "?expected_version=0")).status).toBe(409);
  });

  it.each([
    [{ store_name: "" }, "invalid_request", "store_name"],
    [{ store_name: "x".repeat(101) }, "invalid_request", "store_name"],
    [{ languages: [] }, "invalid_request", "languages"],
    [{ languages: ["en", "it"] }, "invalid_request", "languages.1"],
    [{ languages: ["en", "en"] }, "invalid_languages", "languages"],
    [{ default_language: "de", languages: ["en", "fr"] }, "default_language_not_offered", "default_language"],
    [{ languages: ["es"] }, "default_language_not_offered", "default_language"],
    [{ default_language: "pt" }, "invalid_request", "default_language"],
    [{ branding: { primary_color: "red" } }, "invalid_request", "branding.primary_color"],
    [{ branding: { accent_color: "#12345" } }, "invalid_request", "branding.accent_color"],
    [{ branding: { launcher_position: "top-left" } }, "invalid_request", "branding.launcher_position"],
    [{ branding: { launcher_label: { it: "Premi" } } }, "invalid_request", "branding.launcher_label"],
    [{ branding: { launcher_label: { en: "x".repeat(41) } } }, "invalid_request", "branding.launcher_label.en"],
    [{ branding: { launcher_label: { en: "a\u0007b" } } }, "invalid_request", "branding.launcher_label.en"],
    [{ staff_roles: { "owner@example.com": "owner" } }, "invalid_request", "staff_roles"],
    [{ staff_roles: { [OWNER]: "admin" } }, "invalid_request", "staff_roles"],
    [{ staff_roles: { [MANAGER]: "manager" } }, "owner_required", "staff_roles"],
    [{ usage: {} }, "invalid_request", "usage"],
    [{ branding: { font: "comic-sans" } }, "invalid_request", "branding.font"],
    [{ branding: { custom_css: ".ln{}</style><script>" } }, "invalid_request", "branding.custom_css"],
    [{ storefront: { surfaces: { popup: true } } }, "invalid_request", "storefront.surfaces"],
    [{ storefront: { surfaces: { sticky_bar: "yes" } } }, "invalid_request", "storefront.surfaces.sticky_bar"],
    [{ storefront: { popup_every_days: 0 } }, "invalid_request", "storefront.popup_every_days"],
    [{ storefront: { copy: { it: { sticky_bar: "Ciao" } } } }, "invalid_request", "storefront.copy"],
    [{ storefront: { copy: { en: { sticky_bar: "x".repeat(141) } } } }, "invalid_request", "storefront.copy.en.sticky_bar"],
    [{ storefront: { copy: { en: { headline: "Hi" } } } }, "invalid_request", "storefront.copy.en"],
  ])("refuses %j with 400 %s naming %s, and saves nothing", async (body, code, field) => {
    const shop = await newShop("settings-bad");
    const before = await settings(shop);
    const response = await put(shop, { store_name: "Kept", ...body });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.message).toContain(field);
    const after = await settings(shop);
    expect(after.version).toBe(before.version);
    expect(after.store_name).toBeNull();
  });
});

describe("staff roles on the merchant surface", () => {
  it("lets every staff member do everything while the shop has no roles", async () => {
    const shop = await newShop("roles-none");
    expect((await put(shop, { store_name: "Open" }, STRANGER)).status).toBe(200);
    const reward = await merchantApi(shop, "PUT", "/points-program", { config: { signup: 300 } }, STRANGER);
    expect(reward.status).toBe(200);
  });

  it("refuses a viewer every PUT, POST and DELETE under /v1/api with 403 naming the role, and lets them read", async () => {
    const shop = await withRoles("roles-viewer");
    const rewards = await json(await merchantApi(shop, "GET", "/rewards", undefined, VIEWER));
    const rewardId = rewards.rewards[0].id ?? rewards.rewards[0].reward_id;
    const writes: [string, string, unknown][] = [
      ["PUT", "/settings", { store_name: "Mine" }],
      ["PUT", "/points-program", { config: { signup: 1 } }],
      ["POST", "/rewards", { type: "fixed_amount", points_cost: 100, value: "1.00", translations: { en: { title: "x" } } }],
      ["DELETE", `/rewards/${rewardId}`, undefined],
      ["POST", "/vip-tiers", { name: "x" }],
      ["POST", "/campaigns", { kind: "multiplier" }],
      ["POST", "/customers/61001/adjust", { points: 10, reason: "x" }],
      ["POST", "/points-program/simulate", {}],
    ];
    for (const [method, path, body] of writes) {
      const response = await merchantApi(shop, method, path, body, VIEWER);
      const answer = await json(response);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(answer.error.code).toBe("role_not_allowed");
      expect(answer.error.message).toContain("viewer");
    }
    for (const path of ["/settings", "/points-program", "/rewards", "/vip-tiers", "/campaigns", "/notices"]) {
      expect((await merchantApi(shop, "GET", path, undefined, VIEWER)).status, path).toBe(200);
    }
    expect((await settings(shop, VIEWER)).you).toMatchObject({ role: "viewer", permissions: { write: false } });
    expect((await settings(shop)).store_name).toBeNull();
  });

  it("treats a staff member with no role as a viewer once roles exist", async () => {
    const shop = await withRoles("roles-unlisted");
    const response = await put(shop, { store_name: "Sneaky" }, STRANGER);
    expect(response.status).toBe(403);
    expect(response.body.error.message).toContain("viewer");
    expect((await settings(shop, STRANGER)).you.role).toBe("viewer");
  });

  it("lets a manager edit the program and settings and change roles, but not grant or take away the owner role", async () => {
    const shop = await withRoles("roles-manager");
    expect((await merchantApi(shop, "PUT", "/points-program", { config: { signup: 250 } }, MANAGER)).status).toBe(200);
    expect((await put(shop, { store_name: "Managed", staff_roles: { [STRANGER]: "viewer" } }, MANAGER)).status).toBe(200);
    expect((await put(shop, { staff_roles: { [VIEWER]: "manager" } }, MANAGER)).status).toBe(200);

    const promote = await put(shop, { staff_roles: { [MANAGER]: "owner" } }, MANAGER);
    expect(promote.status).toBe(403);
    expect(promote.body.error).toMatchObject({ code: "role_not_allowed" });
    expect(promote.body.error.message).toContain(`staff_roles.${MANAGER}`);
    const demote = await put(shop, { staff_roles: { [OWNER]: "viewer" } }, MANAGER);
    expect(demote.status).toBe(403);
    const after = await settings(shop);
    expect(after.staff_roles).toEqual({ [OWNER]: "owner", [MANAGER]: "manager", [VIEWER]: "manager", [STRANGER]: "viewer" });
  });

  it("never removes or demotes the last owner; with a second owner the first may step down", async () => {
    const shop = await withRoles("roles-owner");
    for (const change of [{ [OWNER]: "manager" }, { [OWNER]: null }]) {
      const response = await put(shop, { staff_roles: change });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("last_owner");
    }
    expect((await put(shop, { staff_roles: { [MANAGER]: "owner" } })).status).toBe(200);
    expect((await put(shop, { staff_roles: { [OWNER]: "viewer" } })).status).toBe(200);
    // Now a viewer: the change took effect at once.
    const refused = await put(shop, { store_name: "Too late" }, OWNER);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("viewer");
    expect((await settings(shop)).staff_roles).toEqual({ [OWNER]: "viewer", [MANAGER]: "owner", [VIEWER]: "viewer" });
  });

  it("keeps another shop's roles out: the same staff id is unrestricted in a shop without roles", async () => {
    await withRoles("roles-a");
    const other = await newShop("roles-b");
    expect((await put(other, { store_name: "Free" }, VIEWER)).status).toBe(200);
  });
});

describe("the storefront uses the settings", () => {
  it("answers the shopper's language only among those offered, else the default, with the branding and label in that language", async () => {
    const shop = await newShop("settings-widget");
    const saved = await put(shop, {
      store_name: "Maple & Co",
      languages: ["en", "fr"],
      default_language: "fr",
      branding: { primary_color: "#112233", accent_color: "#445566", launcher_position: "bottom-left", launcher_label: { fr: "Avantages" } },
    });
    expect(saved.status).toBe(200);

    const spanish = await widgetConfig(shop, "es-MX");
    expect(spanish.status).toBe(200);
    expect(spanish.body).toMatchObject({
      language: "fr",
      languages: ["en", "fr"],
      default_language: "fr",
      store_name: "Maple & Co",
      branding: { primary_color: "#112233", accent_color: "#445566", launcher_position: "bottom-left", launcher_label: "Avantages" },
    });
    expect(spanish.body.translations.title).toBe("Récompenses");
    expect(spanish.body.rewards[0].title).toMatch(/\S/);

    const english = await widgetConfig(shop, "en-GB");
    expect(english.body.language).toBe("en");
    expect(english.body.branding.launcher_label).toBeNull();
    expect(english.body.translations.title).toBe("Rewards");
    expect((await widgetConfig(shop)).body.language).toBe("fr");
  });

  it("saves the storefront's surfaces and copy field by field, and serves them in the shopper's language", async () => {
    const shop = await newShop("settings-storefront");
    const before = await widgetConfig(shop, "en");
    expect(before.body.storefront).toEqual({
      surfaces: { launcher: true, product_points: true, post_purchase: true, email_popup: false, exit_popup: false, sticky_bar: false, loyalty_page: true },
      popup_every_days: 30,
      copy: {},
    });
    const first = await put(shop, {
      branding: { font: "serif", custom_css: ".ln-launcher { border-radius: 4px; }" },
      storefront: { surfaces: { sticky_bar: true, product_points: false }, copy: { en: { sticky_bar: "Earn double today" }, fr: { sticky_bar: "Points doublés", loyalty_page_title: "Nos avantages" } } },
    });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    // null removes one field; a language left with none is removed.
    const second = await put(shop, { storefront: { popup_every_days: 7, copy: { en: { sticky_bar: null }, fr: { loyalty_page_title: null } } } });
    expect(second.body.storefront).toEqual({
      surfaces: { launcher: true, product_points: false, post_purchase: true, email_popup: false, exit_popup: false, sticky_bar: true, loyalty_page: true },
      popup_every_days: 7,
      copy: { fr: { sticky_bar: "Points doublés" } },
    });
    const french = await widgetConfig(shop, "fr-CA");
    expect(french.body.storefront.copy).toEqual({ sticky_bar: "Points doublés" });
    expect(french.body.storefront.surfaces.sticky_bar).toBe(true);
    expect(french.body.branding).toMatchObject({ font: "serif", custom_css: ".ln-launcher { border-radius: 4px; }" });
    expect((await widgetConfig(shop, "en")).body.storefront.copy).toEqual({});
  });

  it("serves the widget's own look and every language to a shop that never saved settings", async () => {
    const shop = await newShop("settings-widget-default");
    const config = await widgetConfig(shop, "de-AT");
    expect(config.body).toMatchObject({
      language: "de",
      languages: ["en", "es", "fr", "de"],
      store_name: null,
      branding: { primary_color: "#1d6b52", launcher_position: "bottom-right", launcher_label: null },
    });
  });

  it("keeps one default language: the program shows the settings' and refuses to change it", async () => {
    const shop = await newShop("settings-program-language");
    await put(shop, { default_language: "es" });
    const program = await json(await merchantApi(shop, "GET", "/points-program", undefined, OWNER));
    expect(program.config.default_language).toBe("es");
    // A form that sends back what it read still saves.
    expect((await merchantApi(shop, "PUT", "/points-program", { config: { default_language: "es", signup: 10 } }, OWNER)).status).toBe(200);
    const moved = await merchantApi(shop, "PUT", "/points-program", { config: { default_language: "fr" } }, OWNER);
    expect(moved.status).toBe(400);
    expect((await json(moved)).error).toMatchObject({ code: "default_language_moved" });
  });
});
