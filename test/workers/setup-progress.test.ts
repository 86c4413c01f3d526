// The Home screen's setup guide keeps its progress in the store settings (PUT /v1/api/settings
// { setup }): steps marked done survive, come back in GET, belong to one shop only, and a bad
// step or a repeated one is refused with the field named and nothing saved. The widget step's
// evidence: the storefront loading the widget's config through the App Proxy (widget_seen_at).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { markWidgetSeen, WIDGET_SEEN_REFRESH_MS } from "../../d1/shops";
import { call, eventually, install, json, merchantApi } from "../helpers/app";
import { proxyUrl, uniqueShop } from "../helpers/shopify";

async function newShop(label: string) {
  const shop = uniqueShop(label);
  await install(shop);
  return shop;
}

const get = async (shop: string) => (await json(await merchantApi(shop, "GET", "/settings", undefined, "1"))) as { version: number; setup: { completed: string[]; dismissed: boolean } };
const put = async (shop: string, body: unknown) => {
  const response = await merchantApi(shop, "PUT", "/settings", body, "1");
  return { status: response.status, body: (await json(response)) as Record<string, any> };
};

describe("setup progress", () => {
  it("starts empty, saves steps in the guide's order, and resumes from GET", async () => {
    const shop = await newShop("setup");
    expect((await get(shop)).setup).toEqual({ completed: [], dismissed: false });
    const saved = await put(shop, { setup: { completed: ["rewards", "widget"] } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.setup).toEqual({ completed: ["widget", "rewards"], dismissed: false });
    // Other settings changes leave the progress alone.
    expect((await put(shop, { store_name: "Setup shop" })).body.setup.completed).toEqual(["widget", "rewards"]);
    expect((await put(shop, { setup: { dismissed: true } })).body.setup).toEqual({ completed: ["widget", "rewards"], dismissed: true });
    expect((await get(shop)).setup).toEqual({ completed: ["widget", "rewards"], dismissed: true });

    const other = await newShop("setup-other");
    expect((await get(other)).setup).toEqual({ completed: [], dismissed: false });
  });

  it.each([
    ["an unknown step", { setup: { completed: ["launch-rocket"] } }, 400, "setup.completed.0"],
    ["a repeated step", { setup: { completed: ["points", "points"] } }, 400, "setup.completed"],
    ["an unknown field", { setup: { completed: [], skipped: true } }, 400, "setup"],
    ["dismissed not a boolean", { setup: { dismissed: "yes" } }, 400, "setup.dismissed"],
  ])("refuses %s and saves nothing", async (_name, body, status, field) => {
    const shop = await newShop("setup-bad");
    const before = await get(shop);
    const answer = await put(shop, body);
    expect(answer.status).toBe(status);
    expect(answer.body.error.field ?? answer.body.error.message).toContain(field);
    const after = await get(shop);
    expect(after.version).toBe(before.version);
    expect(after.setup).toEqual({ completed: [], dismissed: false });
  });
});

describe("the widget seen on the storefront", () => {
  const seenAt = async (shop: string) => ((await json(await merchantApi(shop, "GET", "/settings"))) as { widget_seen_at: string | null }).widget_seen_at;

  it("is null until the storefront loads the widget's config, then says when, for that shop only", async () => {
    const [shop, other] = [await newShop("widget-seen"), await newShop("widget-unseen")];
    expect(await seenAt(shop)).toBeNull();
    const before = Date.now();
    const config = await call(await proxyUrl("/widget/config", { shop, customerId: null }));
    expect(config.status).toBe(200);
    const seen = await eventually(() => seenAt(shop), (value) => value !== null);
    expect(Date.parse(seen!)).toBeGreaterThanOrEqual(before - 1_000);
    expect(Date.parse(seen!)).toBeLessThanOrEqual(Date.now());
    expect(await seenAt(other)).toBeNull();
    // A forged call (not signed by Shopify) is refused and marks nothing.
    const forged = await call(await proxyUrl("/widget/config", { shop: other, customerId: null }, "not-the-secret"));
    expect(forged.status).toBe(401);
    expect(await seenAt(other)).toBeNull();
  });

  it("is written at most once an hour, however many pages load", async () => {
    const shop = await newShop("widget-hourly");
    const t0 = Date.now();
    expect(await markWidgetSeen(env, shop, t0)).toBe(true);
    expect(await markWidgetSeen(env, shop, t0 + 1_000)).toBe(false);
    expect(await seenAt(shop)).toBe(new Date(t0).toISOString());
    expect(await markWidgetSeen(env, shop, t0 + WIDGET_SEEN_REFRESH_MS + 1)).toBe(true);
    expect(await seenAt(shop)).toBe(new Date(t0 + WIDGET_SEEN_REFRESH_MS + 1).toISOString());
  });
});
