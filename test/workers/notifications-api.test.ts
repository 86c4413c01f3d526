// The merchant's notification settings: GET every type (defaults at version 0), PUT one type as
// a new version (partial languages, null back to the default, channels, audited), every bad
// input refused with a code naming it and nothing saved, viewers refused, preview of saved and
// draft wording with sample values, and one shop's edits never seen by another.
import { env } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_TEMPLATES, NOTIFICATION_TYPES } from "../../core/notification-templates";
import { notificationSetup } from "../../d1/notification-templates";
import { connectReporting } from "../../postgres/client";
import { eventually, install, json, merchantApi } from "../helpers/app";
import { uniqueShop } from "../helpers/shopify";

const OWNER = "2001";
const VIEWER = "2002";

const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

async function newShop(label: string) {
  const shop = uniqueShop(label);
  await install(shop);
  return shop;
}

async function api(shop: string, method: string, path: string, body?: unknown, sub = OWNER) {
  const response = await merchantApi(shop, method, path, body, sub);
  return { status: response.status, body: await json(response) };
}

const templates = (shop: string, sub = OWNER) => api(shop, "GET", "/notifications/templates", undefined, sub);
const put = (shop: string, type: string, body: unknown, sub = OWNER, query = "") => api(shop, "PUT", `/notifications/templates/${type}${query}`, body, sub);
const preview = (shop: string, body: unknown, sub = OWNER) => api(shop, "POST", "/notifications/preview", body, sub);

function typeOf(body: any, type: string) {
  return body.types.find((t: { type: string }) => t.type === type);
}

describe("GET /v1/api/notifications/templates", () => {
  it("answers every type at version 0: default channels, default wording in every language, its variables", async () => {
    const shop = await newShop("notif-defaults");
    const { status, body } = await templates(shop);
    expect(status).toBe(200);
    expect(body.languages).toEqual(["en", "es", "fr", "de"]);
    expect(body.default_channels).toEqual({ email: true, sms: false, whatsapp: false, klaviyo: true });
    expect(body.types.map((t: { type: string }) => t.type)).toEqual([...NOTIFICATION_TYPES]);
    const tier = typeOf(body, "tier_changed");
    expect(tier).toMatchObject({ version: 0, updated_at: null, updated_by: null, channels: body.default_channels });
    expect(tier.templates.de).toEqual({ ...DEFAULT_TEMPLATES.tier_changed.de, is_default: { subject: true, body: true, sms: true } });
    expect(tier.variables.map((v: { name: string }) => v.name)).toContain("previous_tier_name");
    expect(tier.variables.map((v: { name: string }) => v.name)).not.toContain("discount_code");
    expect(tier.variables.every((v: { description: string }) => v.description.length > 0)).toBe(true);
  });
});

describe("PUT /v1/api/notifications/templates/:type", () => {
  it("saves part of one type as a new version; the rest keeps its wording; null goes back to the default; audited", async () => {
    const shop = await newShop("notif-put");
    const first = await put(shop, "points_earned", {
      channels: { sms: true, klaviyo: false },
      templates: { fr: { subject: "Bravo{{#first_name}} {{first_name}}{{/first_name}} : +{{points}} {{points_name}}", sms: "+{{points}} {{points_name}} chez {{shop_name}}" } },
    });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.notification).toMatchObject({ type: "points_earned", version: 1, updated_by: OWNER, channels: { email: true, sms: true, whatsapp: false, klaviyo: false } });
    expect(first.body.notification.templates.fr).toMatchObject({
      subject: "Bravo{{#first_name}} {{first_name}}{{/first_name}} : +{{points}} {{points_name}}",
      body: DEFAULT_TEMPLATES.points_earned.fr.body,
      is_default: { subject: false, body: true, sms: false },
    });

    const second = await put(shop, "points_earned", { templates: { fr: { subject: null }, es: { body: "¡Hola!\r\n\r\n{{points}} {{points_name}}" } } }, OWNER, "?expected_version=1");
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    const after = typeOf((await templates(shop)).body, "points_earned");
    expect(after.version).toBe(2);
    expect(after.channels).toEqual({ email: true, sms: true, whatsapp: false, klaviyo: false });
    expect(after.templates.fr.is_default).toEqual({ subject: true, body: true, sms: false });
    expect(after.templates.fr.subject).toBe(DEFAULT_TEMPLATES.points_earned.fr.subject);
    expect(after.templates.es.body).toBe("¡Hola!\n\n{{points}} {{points_name}}");
    // Other types untouched.
    expect(typeOf((await templates(shop)).body, "badge_earned").version).toBe(0);

    const [audit] = await eventually(
      () => sql<{ actor_id: string; subject_id: string; before: any; after: any }[]>`
        SELECT actor_id, subject_id, before, after FROM audit_logs WHERE shop = ${shop} AND action = 'notification_templates.update' ORDER BY created_at`,
      (rows) => rows.length >= 2,
    );
    expect(audit).toMatchObject({ actor_id: OWNER, subject_id: "points_earned", before: { channels: {}, templates: {} } });
    expect(audit!.after.channels).toEqual({ sms: true, klaviyo: false });
  });

  it("reaches the notifications queue's setup at once, with the shop's languages", async () => {
    const shop = await newShop("notif-setup");
    expect((await api(shop, "PUT", "/settings", { languages: ["en", "de"], default_language: "de" })).status).toBe(200);
    const before = await notificationSetup(env, shop);
    expect(before.types.reward_issued.channels.whatsapp).toBe(false);
    expect((await put(shop, "reward_issued", { channels: { whatsapp: true }, templates: { de: { sms: "Code: {{discount_code}}" } } })).status).toBe(200);
    const after = await notificationSetup(env, shop);
    expect(after.languages).toEqual(["en", "de"]);
    expect(after.default_language).toBe("de");
    expect(after.currency.de).toEqual({ singular: "Punkt", plural: "Punkte" });
    expect(after.types.reward_issued.channels).toEqual({ email: true, sms: false, whatsapp: true, klaviyo: true });
    expect(after.types.reward_issued.templates.de.sms).toBe("Code: {{discount_code}}");
    expect(after.types.reward_issued.templates.en.sms).toBe(DEFAULT_TEMPLATES.reward_issued.en.sms);
  });

  it.each([
    ["an unknown type", "coupon_sent", { channels: { sms: true } }, "unknown_notification_type", "coupon_sent"],
    ["a variable the type lacks", "tier_changed", { templates: { en: { body: "{{tier_name}} {{discount_code}} {{coupon}}" } } }, "unknown_variable", "{{discount_code}}, {{coupon}}"],
    ["broken syntax", "tier_changed", { templates: { es: { sms: "{{#first_name}}Hola" } } }, "template_syntax", "templates.es.sms"],
    ["an over-long SMS", "points_earned", { templates: { de: { sms: "x".repeat(641) } } }, "template_too_long", "640"],
    ["an over-long body", "points_earned", { templates: { en: { body: "y".repeat(10_001) } } }, "template_too_long", "templates.en.body"],
    ["an empty subject", "points_earned", { templates: { en: { subject: " " } } }, "template_empty", "templates.en.subject"],
    ["a two-line subject", "points_earned", { templates: { en: { subject: "a\nb" } } }, "template_invalid_characters", "templates.en.subject"],
    ["nothing to change", "points_earned", {}, "empty_change", "channels or templates"],
    ["an unknown language", "points_earned", { templates: { it: { sms: "ciao" } } }, "invalid_request", "templates"],
    ["an unknown channel", "points_earned", { channels: { push: true } }, "invalid_request", "channels"],
    ["a channel that is not a boolean", "points_earned", { channels: { sms: "yes" } }, "invalid_request", "channels.sms"],
  ])("refuses %s with 400 naming it, and saves nothing", async (_, type, body, code, named) => {
    const shop = await newShop("notif-bad");
    const response = await put(shop, type, body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.message).toContain(named);
    const after = (await templates(shop)).body;
    expect(after.types.every((t: { version: number }) => t.version === 0)).toBe(true);
  });

  it("refuses a stale edit with 409 when expected_version is behind", async () => {
    const shop = await newShop("notif-stale");
    expect((await put(shop, "badge_earned", { channels: { sms: true } })).status).toBe(200);
    const stale = await put(shop, "badge_earned", { channels: { sms: false } }, OWNER, "?expected_version=0");
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("version_conflict");
    expect(typeOf((await templates(shop)).body, "badge_earned").channels.sms).toBe(true);
  });

  it("refuses a viewer's edit and preview (403) but lets them read", async () => {
    const shop = await newShop("notif-viewer");
    expect((await api(shop, "PUT", "/settings", { staff_roles: { [OWNER]: "owner", [VIEWER]: "viewer" } })).status).toBe(200);
    const edit = await put(shop, "points_earned", { channels: { sms: true } }, VIEWER);
    expect(edit.status).toBe(403);
    expect(edit.body.error.code).toBe("role_not_allowed");
    expect((await preview(shop, { type: "points_earned", language: "en", channel: "email" }, VIEWER)).status).toBe(403);
    const read = await templates(shop, VIEWER);
    expect(read.status).toBe(200);
    expect(typeOf(read.body, "points_earned").channels.sms).toBe(false);
  });

  it("keeps each shop's edits to itself", async () => {
    const [a, b] = await Promise.all([newShop("notif-iso-a"), newShop("notif-iso-b")]);
    expect((await put(a, "points_expiring", { channels: { email: false }, templates: { en: { sms: "A only {{expires_at}}" } } })).status).toBe(200);
    const other = typeOf((await templates(b)).body, "points_expiring");
    expect(other.version).toBe(0);
    expect(other.channels.email).toBe(true);
    expect(other.templates.en.sms).toBe(DEFAULT_TEMPLATES.points_expiring.en.sms);
    expect((await notificationSetup(env, b)).types.points_expiring.channels.email).toBe(true);
    const previewB = await preview(b, { type: "points_expiring", language: "en", channel: "sms" });
    expect(previewB.body.rendered.text).not.toContain("A only");
  });
});

describe("POST /v1/api/notifications/preview", () => {
  it("renders the saved wording with sample values, in the language asked, saying whether the shop offers it", async () => {
    const shop = await newShop("notif-preview");
    expect((await api(shop, "PUT", "/settings", { store_name: "Maison Bleue", languages: ["en"], default_language: "en" })).status).toBe(200);
    const { status, body } = await preview(shop, { type: "reward_issued", language: "fr", channel: "email" });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ type: "reward_issued", language: "fr", channel: "email", language_offered: false, sms: null });
    expect(body.rendered.subject).toBe("Votre récompense chez Maison Bleue : 10 $ de réduction sur votre prochaine commande");
    expect(body.rendered.text).toContain("Votre code : LOYAL-7QX2M (à utiliser avant le ");
    expect(body.rendered.html).toContain('<html lang="fr">');
  });

  it("renders a draft without saving it, and escapes a <script> first name in the HTML only", async () => {
    const shop = await newShop("notif-draft");
    const { status, body } = await preview(shop, {
      type: "points_earned",
      language: "en",
      channel: "email",
      template: { subject: "{{first_name}}, {{points}} more {{points_name}}", body: "Hello {{first_name}}" },
      vars: { first_name: "<script>alert(1)</script>", points: 1 },
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.rendered.subject).toBe("<script>alert(1)</script>, 1 more point");
    expect(body.rendered.text).toBe("Hello <script>alert(1)</script>");
    expect(body.rendered.html).toContain("Hello &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(body.rendered.html).not.toContain("<script>");
    expect(typeOf((await templates(shop)).body, "points_earned").version).toBe(0);
  });

  it("counts an SMS's parts: a long draft in Spanish goes as UCS-2 in several", async () => {
    const shop = await newShop("notif-sms");
    const sms = await preview(shop, { type: "points_earned", language: "es", channel: "sms", template: { sms: "¿Sabías que tienes {{points_balance}} {{points_balance_name}}? ".repeat(5) } });
    expect(sms.status).toBe(200);
    // 5 × "¿Sabías que tienes 1.250 puntos? " less the last space: 159 units, over 2 × 67.
    expect(sms.body.sms).toEqual({ encoding: "UCS-2", units: 159, segments: 3 });
    const whatsapp = await preview(shop, { type: "badge_earned", language: "en", channel: "whatsapp" });
    // With no store name saved, the samples name the shop by its handle.
    expect(whatsapp.body.rendered).toEqual({ text: `${shop.replace(".myshopify.com", "")}: you earned the First order badge! +150 points` });
    expect(whatsapp.body.sms).toMatchObject({ encoding: "GSM-7", segments: 1 });
  });

  it.each([
    ["an unknown type", { type: "nope", language: "en", channel: "email" }, "unknown_notification_type"],
    ["the klaviyo channel (no wording of ours)", { type: "points_earned", language: "en", channel: "klaviyo" }, "no_template_for_channel"],
    ["a draft with a variable the type lacks", { type: "badge_earned", language: "en", channel: "sms", template: { sms: "{{tier_name}}" } }, "unknown_variable"],
    ["a draft too long", { type: "badge_earned", language: "en", channel: "email", template: { subject: "s".repeat(201) } }, "template_too_long"],
    ["an unknown language", { type: "badge_earned", language: "pt", channel: "email" }, "invalid_request"],
    ["an unknown variable value", { type: "badge_earned", language: "en", channel: "email", vars: { coupon: "X" } }, "invalid_request"],
    ["a widget_url that is not a URL", { type: "badge_earned", language: "en", channel: "email", vars: { widget_url: "not a url" } }, "invalid_request"],
  ])("refuses %s with 400", async (_, body, code) => {
    const shop = await newShop("notif-preview-bad");
    const response = await preview(shop, body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe(code);
  });
});
