// The widget config at the edge (workers/storefront/config-cache.ts): a shop's second request is
// answered from the Cache API; every merchant save that changes what the config shows is seen by
// the very next request; a campaign starting is seen with no save at all; each shop and language
// has its own entry; the signed-in shopper's own PostHog id is never shared.
import { beforeAll, describe, expect, it } from "vitest";
import { posthogDistinctId } from "../../core/analytics";
import { dataKeys } from "../../core/crypto";
import { configCacheKey } from "../../workers/storefront/config-cache";
import { call, install, json, merchantApi } from "../helpers/app";
import { proxyUrl, uniqueShop } from "../helpers/shopify";
import { env } from "cloudflare:test";

const HOUR = 3_600_000;

async function config(shop: string, options: { locale?: string; customerId?: string } = {}) {
  const response = await call(await proxyUrl("/widget/config", { shop, customerId: options.customerId ?? null, extra: options.locale ? { locale: options.locale } : {} }));
  expect(response.status).toBe(200);
  return { cache: response.headers.get("x-loyalnest-config-cache"), body: await json(response) };
}

async function save(shop: string, method: string, path: string, body?: unknown) {
  const response = await merchantApi(shop, method, path, body);
  expect(response.status, JSON.stringify(await response.clone().json())).toBeLessThan(300);
  return json(response);
}

const reward = (title: string) => ({
  type: "percentage",
  points_cost: 800,
  value: "10",
  min_points: null,
  max_points: null,
  product_variant_gid: null,
  min_order_subtotal: null,
  code_expiry_days: 14,
  enabled: true,
  sort: 5,
  translations: { en: { title, description: "Ten percent off" } },
});

const campaign = (startsAt: number) => ({
  kind: "multiplier",
  translations: { en: { name: "Double points", description: "2x" } },
  starts_at: new Date(startsAt).toISOString(),
  ends_at: null,
  multiplier: 2,
  stackable: false,
});

describe("GET /proxy/v1/api/widget/config at the edge", () => {
  const shop = uniqueShop("config-cache");
  beforeAll(() => install(shop));

  it("answers a shop's second request from the cache, the same config", async () => {
    const first = await config(shop);
    const second = await config(shop);
    expect(first.cache).toBe("miss");
    expect(second.cache).toBe("hit");
    expect(second.body).toEqual(first.body);
  });

  // Each save the config shows, and what the very next request must show of it.
  it.each([
    ["the store settings (copy, surfaces, branding)", async () => {
      await save(shop, "PUT", "/settings", { store_name: "Edge Shop", storefront: { surfaces: { sticky_bar: true }, copy: { en: { sticky_bar: "Free points today" } } } });
      return (body: any) => body.store_name === "Edge Shop" && body.storefront.surfaces.sticky_bar === true && body.storefront.copy.sticky_bar === "Free points today";
    }],
    ["the points program", async () => {
      await save(shop, "PUT", "/points-program", { config: { purchase: 37 } });
      return (body: any) => body.earn.points_per_currency_unit === 37 && body.ways_to_earn.some((w: any) => w.action === "purchase" && w.points === 37);
    }],
    ["a new reward", async () => {
      await save(shop, "POST", "/rewards", reward("Edge ten off"));
      return (body: any) => body.rewards.some((r: any) => r.title === "Edge ten off");
    }],
    ["an edited reward", async () => {
      const id = (await config(shop)).body.rewards.find((r: any) => r.title === "Edge ten off").reward_id;
      await config(shop); // cached again
      await save(shop, "PUT", `/rewards/${id}`, reward("Edge twelve off"));
      return (body: any) => body.rewards.some((r: any) => r.title === "Edge twelve off") && !body.rewards.some((r: any) => r.title === "Edge ten off");
    }],
    ["a disabled reward", async () => {
      const id = (await config(shop)).body.rewards.find((r: any) => r.title === "Edge twelve off").reward_id;
      await config(shop);
      await save(shop, "DELETE", `/rewards/${id}`);
      return (body: any) => !body.rewards.some((r: any) => r.title === "Edge twelve off");
    }],
    ["a campaign started now", async () => {
      await save(shop, "POST", "/campaigns", campaign(Date.now() - HOUR));
      return (body: any) => body.campaigns.some((c: any) => c.name === "Double points");
    }],
    ["the referral config", async () => {
      await save(shop, "PUT", "/referrals/config", { config: { enabled: false } });
      return (body: any) => body.referrals.enabled === false;
    }],
  ])("shows a change to %s at the next request after the save", async (_name, change) => {
    await config(shop);
    expect((await config(shop)).cache).toBe("hit");
    const changed = await change();
    const after = await config(shop);
    expect(after.cache).toBe("miss");
    expect(changed(after.body)).toBe(true);
    // And it is that config that is cached now.
    const again = await config(shop);
    expect(again.cache).toBe("hit");
    expect(again.body).toEqual(after.body);
  });

  it("shows a campaign when it starts, with no save in between", async () => {
    const startShop = uniqueShop("config-cache-start");
    await install(startShop);
    const startsAt = Date.now() + 4_000; // room for the save and two reads on a loaded machine
    await save(startShop, "POST", "/campaigns", campaign(startsAt));
    expect((await config(startShop)).body.campaigns).toEqual([]);
    expect((await config(startShop)).cache).toBe("hit");
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startsAt - Date.now()) + 50));
    const started = await config(startShop);
    expect(started.cache).toBe("miss");
    expect(started.body.campaigns.map((c: any) => c.name)).toEqual(["Double points"]);
  });

  it("keeps each language apart, and reads a locale's region and an unknown language as the config does", async () => {
    const langShop = uniqueShop("config-cache-lang");
    await install(langShop);
    expect((await config(langShop, { locale: "es" })).body.language).toBe("es");
    const french = await config(langShop, { locale: "fr" });
    expect(french.cache).toBe("miss");
    expect(french.body.language).toBe("fr");
    expect(french.body.translations.title).toBe("Récompenses");
    const mexican = await config(langShop, { locale: "es-MX" });
    expect(mexican.cache).toBe("hit");
    expect(mexican.body.language).toBe("es");
    await config(langShop, { locale: "ja" });
    const unknown = await config(langShop, { locale: "zz" });
    expect(unknown.cache).toBe("hit");
    expect(unknown.body.language).toBe("en");
  });
});

describe("the config cache between shops and shoppers", () => {
  it("never answers a shop with another's config, though both have the same version", async () => {
    const [first, second] = [uniqueShop("config-cache-a"), uniqueShop("config-cache-b")];
    await Promise.all([install(first), install(second)]);
    await save(first, "PUT", "/settings", { store_name: "First shop" });
    await save(second, "PUT", "/settings", { store_name: "Second shop" });
    expect((await config(first)).body.store_name).toBe("First shop");
    expect((await config(first)).cache).toBe("hit");
    const other = await config(second);
    expect(other.cache).toBe("miss");
    expect(other.body.store_name).toBe("Second shop");
    expect((await config(second)).body.store_name).toBe("Second shop");
  });

  it("gives each signed-in shopper their own PostHog id from the shared entry, and a guest none", async () => {
    const shop = uniqueShop("config-cache-posthog");
    await install(shop);
    await save(shop, "PUT", "/settings", { analytics: { posthog_enabled: true, posthog_project_api_key: "phc_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg" } });
    const keys = await dataKeys(env.ENCRYPTION_KEY);
    const alice = await config(shop, { customerId: "9001" });
    const bob = await config(shop, { customerId: "9002" });
    const guest = await config(shop);
    expect([alice.cache, bob.cache, guest.cache]).toEqual(["miss", "hit", "hit"]);
    expect(alice.body.analytics.posthog.distinct_id).toBe(await posthogDistinctId(keys, shop, "9001"));
    expect(bob.body.analytics.posthog.distinct_id).toBe(await posthogDistinctId(keys, shop, "9002"));
    expect(guest.body.analytics.posthog.distinct_id).toBeNull();
  });
});

describe("configCacheKey", () => {
  it("keys by shop, the language the config would read and the version, on the Worker's own host", () => {
    const key = (shop: string, locale: string | undefined, version = "v1", acceptLanguage?: string) =>
      configCacheKey("https://app.loyalnest.test/proxy/v1/api/widget/config?x=1", shop, { locale, acceptLanguage }, version);
    expect(key("a.myshopify.com", "es-MX")).toBe("https://app.loyalnest.test/__cache/widget-config/a.myshopify.com/es/v1");
    expect(key("a.myshopify.com", "ES")).toBe(key("a.myshopify.com", "es"));
    expect(key("a.myshopify.com", "ja")).toBe(key("a.myshopify.com", undefined));
    expect(key("a.myshopify.com", "es")).not.toBe(key("b.myshopify.com", "es"));
    expect(key("a.myshopify.com", "es", "v1")).not.toBe(key("a.myshopify.com", "es", "v2"));
    // Without a locale, Accept-Language's spoken languages in order: the shop's offer picks among them.
    expect(key("a.myshopify.com", undefined, "v1", "de-CH, fr;q=0.8, ja;q=0.9")).toBe("https://app.loyalnest.test/__cache/widget-config/a.myshopify.com/accept-de-fr/v1");
    expect(key("a.myshopify.com", undefined, "v1", "fr;q=0.5, de")).toBe(key("a.myshopify.com", undefined, "v1", "de, fr-CA;q=0.4"));
    expect(key("a.myshopify.com", undefined, "v1", "ja, zh")).toBe(key("a.myshopify.com", undefined));
    // A locale wins over the header, as in the config.
    expect(key("a.myshopify.com", "es", "v1", "fr")).toBe(key("a.myshopify.com", "es"));
  });

  it("answers each Accept-Language from its own entry: a shop offering en and fr gives fr to 'de, fr' and en to 'en'", async () => {
    const shop = uniqueShop("cache-accept");
    await install(shop);
    await save(shop, "PUT", "/settings", { languages: ["en", "fr"], default_language: "en" });
    const ask = async (acceptLanguage: string) => {
      const response = await call(await proxyUrl("/widget/config", { shop, customerId: null }), { headers: { "accept-language": acceptLanguage } });
      return { cache: response.headers.get("x-loyalnest-config-cache"), language: ((await response.json()) as { language: string }).language };
    };
    expect(await ask("de, fr;q=0.8")).toEqual({ cache: "miss", language: "fr" });
    expect(await ask("en")).toEqual({ cache: "miss", language: "en" });
    expect(await ask("de, fr;q=0.8")).toEqual({ cache: "hit", language: "fr" });
    expect(await ask("en-GB")).toEqual({ cache: "hit", language: "en" });
  });
});
