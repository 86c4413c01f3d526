// The merchant's referral settings: GET the config and the completion templates, PUT any part
// of either (the config a new program version, the templates a new referral_completed version),
// every bad field refused with a code and its path and nothing saved half-way; the old
// `referral_points` read as the referral program; the points-program API's `referral` mapped
// onto the referral rewards.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_TEMPLATES } from "../../core/notification-templates";
import { DEFAULT_PROGRAM, ProgramSettingsSchema } from "../../core/program";
import { applyReferralPoints, referralPointsView } from "../../core/program-api";
import { DEFAULT_REFERRAL_CONFIG } from "../../core/referral-config";
import { install, json, merchantApi } from "../helpers/app";
import { uniqueShop } from "../helpers/shopify";

const OWNER = "3001";

async function newShop(label: string) {
  const shop = uniqueShop(label);
  await install(shop);
  return shop;
}

async function api(shop: string, method: string, path: string, body?: unknown) {
  const response = await merchantApi(shop, method, path, body, OWNER);
  return { status: response.status, body: await json(response) };
}

const getConfig = (shop: string) => api(shop, "GET", "/referrals/config");
const putConfig = (shop: string, body: unknown) => api(shop, "PUT", "/referrals/config", body);
const programVersion = async (shop: string) => (await api(shop, "GET", "/points-program")).body.version as number;
const templatesVersion = async (shop: string) => (await getConfig(shop)).body.templates.version as number;

const TEN_PERCENT = { type: "discount", discount: "percentage", value: "10", min_order_subtotal: null, code_expiry_days: 30 } as const;

describe("GET /v1/api/referrals/config", () => {
  it("answers the default referral program and the referral_completed templates at version 0", async () => {
    const shop = await newShop("refcfg-default");
    const { status, body } = await getConfig(shop);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "ok", error: null, config: DEFAULT_REFERRAL_CONFIG });
    expect(body.config.advocate_reward).toEqual({ type: "points", points: 50 });
    expect(body.templates).toMatchObject({
      type: "referral_completed",
      version: 0,
      channels: { email: true, sms: false, whatsapp: false, klaviyo: true },
      templates: { es: { ...DEFAULT_TEMPLATES.referral_completed.es, is_default: { subject: true, body: true, sms: true } } },
    });
    expect(body.templates.variables.map((v: { name: string }) => v.name)).toContain("referral_friend_name");
  });
});

describe("PUT /v1/api/referrals/config", () => {
  it("saves part of the config as a new program version, merging fraud, channels and translations, and answers as GET", async () => {
    const shop = await newShop("refcfg-put");
    await putConfig(shop, { config: { translations: { fr: { headline: "Parrainez" }, de: { headline: "Werben" } } } });
    const { status, body } = await putConfig(shop, {
      config: {
        friend_reward: { type: "discount", discount: "percentage", value: "10" },
        completion: "signup",
        fraud: { hold_at: 40 },
        channels: { sms: false },
        translations: { fr: { advocate_text: "Gagnez des points" }, de: null },
      },
    });
    expect(status, JSON.stringify(body)).toBe(200);
    const expected = {
      ...DEFAULT_REFERRAL_CONFIG,
      friend_reward: TEN_PERCENT,
      completion: "signup",
      fraud: { ...DEFAULT_REFERRAL_CONFIG.fraud, hold_at: 40 },
      channels: { ...DEFAULT_REFERRAL_CONFIG.channels, sms: false },
      translations: { fr: { advocate_text: "Gagnez des points" } },
    };
    expect(body.config).toEqual(expected);
    expect(body.templates).toMatchObject({ type: "referral_completed", version: 0 });
    expect((await getConfig(shop)).body.config).toEqual(expected);
    expect(await programVersion(shop)).toBe(3);
    const { versions } = (await api(shop, "GET", "/points-program/versions")).body;
    expect(versions[0].created_by).toBe(OWNER);
  });

  it("saves the templates alone through the templates module, leaving the program's version as it was", async () => {
    const shop = await newShop("refcfg-templates");
    const { status, body } = await putConfig(shop, {
      templates: { channels: { sms: true }, templates: { fr: { subject: "Merci {{first_name}} : +{{points}} {{points_name}}" } } },
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.config).toEqual(DEFAULT_REFERRAL_CONFIG);
    expect(body.templates).toMatchObject({
      version: 1,
      updated_by: OWNER,
      channels: { sms: true, email: true },
      templates: { fr: { subject: "Merci {{first_name}} : +{{points}} {{points_name}}", is_default: { subject: false, body: true } } },
    });
    expect(await programVersion(shop)).toBe(1);
    // The notifications API reads the same change.
    const all = (await api(shop, "GET", "/notifications/templates")).body;
    expect(all.types.find((t: { type: string }) => t.type === "referral_completed")).toMatchObject({ version: 1, channels: { sms: true } });
  });

  it("saves both in one call", async () => {
    const shop = await newShop("refcfg-both");
    const { status, body } = await putConfig(shop, { config: { expiry_days: 14 }, templates: { channels: { whatsapp: true } } });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.config.expiry_days).toBe(14);
    expect(body.templates).toMatchObject({ version: 1, channels: { whatsapp: true } });
    expect(await programVersion(shop)).toBe(2);
  });

  it.each<[string, unknown, number, string, RegExp]>([
    ["an empty body", {}, 400, "empty_change", /config, templates/],
    ["an unknown top field", { config: { expiry_days: 10 }, colour: "red" }, 400, "invalid_request", /colour/],
    ["an unknown config field", { config: { bogus: 1 } }, 400, "invalid_request", /bogus/],
    ["a threshold out of range", { config: { fraud: { hold_at: 0 } } }, 400, "invalid_request", /^config\.fraud\.hold_at: /],
    ["an unknown fraud field", { config: { fraud: { score: 5 } } }, 400, "invalid_request", /score/],
    ["reject_at below hold_at", { config: { fraud: { reject_at: 20 } } }, 400, "invalid_referral_config", /^config\.fraud\.reject_at: reject_at must be at least hold_at/],
    ["an unknown channel", { config: { channels: { myspace: true } } }, 400, "invalid_request", /myspace/],
    ["a reward of 0 points", { config: { advocate_reward: { type: "points", points: 0 } } }, 400, "invalid_request", /^config\.advocate_reward\.points: /],
    ["a discount without a value", { config: { friend_reward: { type: "discount", discount: "percentage" } } }, 400, "invalid_request", /^config\.friend_reward\.value: /],
    ["a language the widget has not", { config: { translations: { it: { headline: "Ciao" } } } }, 400, "invalid_request", /^config\.translations/],
    ["an empty headline", { config: { translations: { fr: { headline: " " } } } }, 400, "invalid_request", /^config\.translations\.fr\.headline: /],
    ["an expiry of 0 days", { config: { expiry_days: 0 } }, 400, "invalid_request", /^config\.expiry_days: /],
    ["an empty templates change", { templates: {} }, 400, "empty_change", /channels or templates/],
    ["a template variable the type lacks", { templates: { templates: { fr: { subject: "{{discount_code}}" } } } }, 400, "unknown_variable", /^templates\.templates\.fr\.subject: /],
  ])("refuses %s: %i %s naming the field, and saves nothing", async (_label, body, status, code, message) => {
    const shop = await newShop("refcfg-bad");
    const answer = await putConfig(shop, body);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ status: "error", error: { code } });
    expect(answer.body.error.message).toMatch(message);
    expect(await programVersion(shop)).toBe(1);
    expect(await templatesVersion(shop)).toBe(0);
  });

  it("saves neither when one half is bad: a good config with a bad template, or a bad config with good templates", async () => {
    const shop = await newShop("refcfg-halves");
    const badTemplate = await putConfig(shop, { config: { expiry_days: 10 }, templates: { templates: { de: { sms: "{{#points}}open" } } } });
    expect(badTemplate.status).toBe(400);
    expect(badTemplate.body.error).toMatchObject({ code: "template_syntax", message: expect.stringMatching(/^templates\.templates\.de\.sms: /) });
    const badConfig = await putConfig(shop, { config: { fraud: { hold_at: 500 } }, templates: { channels: { sms: true } } });
    expect(badConfig.status).toBe(400);
    expect(badConfig.body.error).toMatchObject({ code: "invalid_referral_config", message: expect.stringMatching(/^config\.fraud\.reject_at: /) });
    const { body } = await getConfig(shop);
    expect(body.config).toEqual(DEFAULT_REFERRAL_CONFIG);
    expect(body.templates).toMatchObject({ version: 0, channels: { sms: false } });
    expect(await programVersion(shop)).toBe(1);
  });

  it("keeps one shop's changes from another shop", async () => {
    const shop = await newShop("refcfg-mine");
    const other = await newShop("refcfg-theirs");
    await putConfig(shop, { config: { enabled: false }, templates: { channels: { sms: true } } });
    const theirs = (await getConfig(other)).body;
    expect(theirs.config.enabled).toBe(true);
    expect(theirs.templates.version).toBe(0);
  });
});

describe("the referral program is the one source of referral rewards", () => {
  it("reads a stored version with only referral_points as the default referral program with those points (0: no reward)", () => {
    const { referral: _referral, ...withoutReferral } = DEFAULT_PROGRAM;
    const program = ProgramSettingsSchema.parse({ ...withoutReferral, referral_points: { referrer: 75, referee: 0 } });
    expect(program.referral).toEqual({ ...DEFAULT_REFERRAL_CONFIG, advocate_reward: { type: "points", points: 75 }, friend_reward: { type: "none" } });
    expect(program).not.toHaveProperty("referral_points");
    // A version that has the referral program reads it alone.
    const both = ProgramSettingsSchema.parse({ ...DEFAULT_PROGRAM, referral_points: { referrer: 999, referee: 999 } });
    expect(both.referral).toEqual(DEFAULT_REFERRAL_CONFIG);
    expect(both).not.toHaveProperty("referral_points");
  });

  it("serves a shop whose stored program predates the referral program with its old points, and builds the next version on them", async () => {
    const shop = await newShop("refcfg-upgrade");
    const { referral: _referral, ...old } = { ...DEFAULT_PROGRAM, version: 2 };
    await env.DB.prepare(`INSERT INTO program_settings (shop, version, settings, created_at, created_by) VALUES (?, 2, ?, ?, 'system')`)
      .bind(shop, JSON.stringify({ ...old, referral_points: { referrer: 120, referee: 30 } }), Date.now())
      .run();
    const before = (await getConfig(shop)).body.config;
    expect(before).toMatchObject({ advocate_reward: { type: "points", points: 120 }, friend_reward: { type: "points", points: 30 } });
    const saved = await putConfig(shop, { config: { expiry_days: 60 } });
    expect(saved.body.config).toMatchObject({ expiry_days: 60, advocate_reward: { type: "points", points: 120 }, friend_reward: { type: "points", points: 30 } });
    const stored = await env.DB.prepare(`SELECT settings FROM program_settings WHERE shop = ? AND version = 3`).bind(shop).first<string>("settings");
    expect(JSON.parse(stored!)).not.toHaveProperty("referral_points");
    expect((await api(shop, "GET", "/points-program")).body.config.referral).toEqual({ referrer: 120, referee: 30 });
  });

  it("maps the points-program API's referral onto the rewards: a discount or no reward reads 0, and sending back what was read keeps it", () => {
    const referral = { ...DEFAULT_REFERRAL_CONFIG, advocate_reward: { type: "none" as const }, friend_reward: TEN_PERCENT };
    expect(referralPointsView(DEFAULT_REFERRAL_CONFIG)).toEqual({ referrer: 50, referee: 50 });
    expect(referralPointsView(referral)).toEqual({ referrer: 0, referee: 0 });
    expect(applyReferralPoints(referral, { referrer: 0, referee: 0 })).toEqual(referral);
    expect(applyReferralPoints(referral, { referee: 25 })).toEqual({ ...referral, friend_reward: { type: "points", points: 25 } });
    expect(applyReferralPoints(DEFAULT_REFERRAL_CONFIG, { referrer: 0 })).toEqual({ ...DEFAULT_REFERRAL_CONFIG, advocate_reward: { type: "none" } });
  });

  it("changes the referral rewards through PUT /v1/api/points-program, as the referral config shows", async () => {
    const shop = await newShop("refcfg-points-api");
    await putConfig(shop, { config: { friend_reward: { type: "discount", discount: "percentage", value: "10" } } });
    const read = (await api(shop, "GET", "/points-program")).body;
    expect(read.config.referral).toEqual({ referrer: 50, referee: 0 });
    // The dashboard's form sends back what it read: the friend's discount stays.
    const resent = await api(shop, "PUT", "/points-program", { config: { referral: read.config.referral, signup: 250 } });
    expect(resent.status).toBe(200);
    expect((await getConfig(shop)).body.config).toMatchObject({ advocate_reward: { type: "points", points: 50 }, friend_reward: TEN_PERCENT });
    const changed = await api(shop, "PUT", "/points-program", { config: { referral: { referrer: 0, referee: 40 } } });
    expect(changed.body.config.referral).toEqual({ referrer: 0, referee: 40 });
    expect((await getConfig(shop)).body.config).toMatchObject({ advocate_reward: { type: "none" }, friend_reward: { type: "points", points: 40 } });
  });
});
