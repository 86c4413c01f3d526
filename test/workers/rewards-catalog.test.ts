// The rewards catalog: the merchant's API, a version per edit with who made it, one shop never
// seeing another's rewards, and the storefront's localized view of what is enabled.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_REWARDS, rewardInput, type Reward, type RewardInput } from "../../core/rewards";
import { MAX_REWARDS_PER_SHOP, listRewards } from "../../d1/rewards";
import { call, install, json, merchantApi } from "../helpers/app";
import { storefrontRewards } from "../helpers/redemption";
import { sessionToken, uniqueShop } from "../helpers/shopify";

const api = merchantApi;

const tenOff = (overrides: Partial<RewardInput> = {}): RewardInput => ({
  type: "percentage",
  points_cost: 800,
  value: "10",
  min_points: null,
  max_points: null,
  product_variant_gid: null,
  min_order_subtotal: "40.00",
  code_expiry_days: 14,
  enabled: true,
  sort: 5,
  translations: {
    en: { title: "10% off", description: "Ten percent off one order" },
    es: { title: "10 % de descuento", description: "Diez por ciento" },
    fr: { title: "10 % de réduction", description: "Dix pour cent" },
  },
  ...overrides,
});

async function newShop(label: string) {
  const shop = uniqueShop(label);
  await install(shop);
  return shop;
}

describe("the merchant's catalog", () => {
  it("starts with the defaults, each with a version written by the install", async () => {
    const shop = await newShop("defaults");
    const { rewards } = await json(await api(shop, "GET", "/rewards"));
    expect(rewards.map((r: { type: string; points_cost: number; enabled: boolean }) => [r.type, r.points_cost, r.enabled])).toEqual([
      ["fixed_amount", 500, true],
      ["free_shipping", 1_000, true],
      ["free_product", 1_500, false],
    ]);
    expect(rewards.map((r: Reward) => rewardInput(r))).toEqual(DEFAULT_REWARDS);
    for (const reward of rewards) {
      const { versions } = await json(await api(shop, "GET", `/rewards/${reward.reward_id}/versions`));
      expect(versions).toEqual([{ version: 1, change: "created", changed_by: "system", reward, created_at: reward.created_at }]);
    }
  });

  it("creates, replaces and disables, keeping every version with who and when", async () => {
    const shop = await newShop("edits");
    const created = await api(shop, "POST", "/rewards", tenOff(), "staff-1");
    expect(created.status).toBe(201);
    const { reward } = await json(created);
    expect(reward).toMatchObject({ version: 1, type: "percentage", value: "10", enabled: true });

    const replaced = await json(await api(shop, "PUT", `/rewards/${reward.reward_id}`, tenOff({ points_cost: 900 }), "staff-2"));
    expect(replaced.reward).toMatchObject({ version: 2, points_cost: 900 });
    const disabled = await json(await api(shop, "DELETE", `/rewards/${reward.reward_id}`, undefined, "staff-3"));
    expect(disabled.reward).toMatchObject({ version: 3, enabled: false });

    const { versions } = await json(await api(shop, "GET", `/rewards/${reward.reward_id}/versions`));
    expect(versions.map((v: { version: number; change: string; changed_by: string; reward: { points_cost: number } }) => [v.version, v.change, v.changed_by, v.reward.points_cost])).toEqual([
      [3, "disabled", "staff-3", 900],
      [2, "updated", "staff-2", 900],
      [1, "created", "staff-1", 800],
    ]);
    // When: each version row is stamped with the edit that made it.
    for (const version of versions) expect(version.created_at).toBe(version.reward.updated_at);
    expect(versions[0].reward).toEqual(disabled.reward);
    // Disabled: gone from the storefront, still in the merchant's list.
    expect((await storefrontRewards(shop)).map((r) => r.reward_id)).not.toContain(reward.reward_id);
    expect((await json(await api(shop, "GET", "/rewards"))).rewards.map((r: { reward_id: string }) => r.reward_id)).toContain(reward.reward_id);
  });

  it("of two edits made from the same version, exactly one wins; a stale expected_version is refused", async () => {
    const shop = await newShop("race");
    const { reward } = await json(await api(shop, "POST", "/rewards", tenOff()));
    const answers = await Promise.all(
      [700, 750, 850, 950].map((cost) => api(shop, "PUT", `/rewards/${reward.reward_id}?expected_version=1`, tenOff({ points_cost: cost }))),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409]);
    const stale = await api(shop, "PUT", `/rewards/${reward.reward_id}?expected_version=1`, tenOff());
    expect(stale.status).toBe(409);
    expect(await json(stale)).toMatchObject({ error: { code: "version_conflict" } });
    const { versions } = await json(await api(shop, "GET", `/rewards/${reward.reward_id}/versions`));
    expect(versions).toHaveLength(2);
  });

  it("refuses each malformed reward with a 400 that names the problem", async () => {
    const shop = await newShop("invalid");
    const cases: [Partial<RewardInput> & Record<string, unknown>, RegExp][] = [
      [{ value: "150" }, /at most 100/],
      [{ value: null }, /needs a value/],
      [{ type: "points_to_money", value: null, points_cost: 100 }, /min_points and max_points/],
      [{ type: "points_to_money", value: null, points_cost: 100, min_points: 150, max_points: 1_000 }, /multiples/],
      [{ type: "free_product", value: "25.00" }, /variant/],
      [{ type: "fixed_amount", value: "5.00", product_variant_gid: "gid://shopify/ProductVariant/1" }, /only free_product/],
      [{ translations: { en: { title: "" } } as never }, /translations/],
      [{ surprise: true }, /surprise|Unrecognized/i],
      [{ translations: { en: { title: "10% off", descripton: "misspelt" } } as never }, /descripton|Unrecognized/i],
      [{ translations: { en: { title: "10% off" }, de: { title: "10 % Rabatt" } } as never }, /de|Unrecognized/i],
    ];
    for (const [overrides, message] of cases) {
      const response = await api(shop, "POST", "/rewards", { ...tenOff(), ...overrides });
      expect(response.status, JSON.stringify(overrides)).toBe(400);
      const body = await json(response);
      expect(body.error.code).toBe("invalid_request");
      expect(body.error.message).toMatch(message);
    }
    const ok = await api(shop, "POST", "/rewards", { ...tenOff(), type: "points_to_money", value: null, points_cost: 100, min_points: 100, max_points: 2_000 });
    expect(ok.status).toBe(201);
  });

  it("never shows or changes another shop's reward", async () => {
    const [mine, theirs] = [await newShop("mine"), await newShop("theirs")];
    const { reward } = await json(await api(theirs, "POST", "/rewards", tenOff()));
    expect((await api(mine, "PUT", `/rewards/${reward.reward_id}`, tenOff())).status).toBe(404);
    expect((await api(mine, "DELETE", `/rewards/${reward.reward_id}`)).status).toBe(404);
    expect((await api(mine, "GET", `/rewards/${reward.reward_id}/versions`)).status).toBe(404);
    expect((await json(await api(mine, "GET", "/rewards"))).rewards.map((r: { reward_id: string }) => r.reward_id)).not.toContain(reward.reward_id);
    expect((await json(await api(theirs, "GET", "/rewards"))).rewards.find((r: { reward_id: string }) => r.reward_id === reward.reward_id)).toMatchObject({ version: 1 });
  });
});

describe("the catalog's edges", () => {
  it("lists by sort, then points cost", async () => {
    const shop = await newShop("order");
    for (const [sort, points_cost] of [[1, 300], [0, 900], [1, 200]] as const) await api(shop, "POST", "/rewards", tenOff({ sort, points_cost }));
    const { rewards } = await json(await api(shop, "GET", "/rewards"));
    expect(rewards.map((r: Reward) => [r.sort, r.points_cost])).toEqual([
      [0, 500],
      [0, 900],
      [1, 200],
      [1, 300],
      [1, 1_000],
      [2, 1_500],
    ]);
  });

  it("answers 404 reward_not_found for an id no shop has", async () => {
    const shop = await newShop("unknown");
    for (const [method, path, body] of [
      ["PUT", "/rewards/no-such-reward", tenOff()],
      ["DELETE", "/rewards/no-such-reward", undefined],
      ["GET", "/rewards/no-such-reward/versions", undefined],
    ] as const) {
      const response = await api(shop, method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect((await json(response)).error.code).toBe("reward_not_found");
    }
  });

  it(`keeps at most ${MAX_REWARDS_PER_SHOP} rewards, disabled ones included (409 too_many_rewards); a disabled one can be replaced`, async () => {
    const shop = await newShop("cap");
    const defaults = (await listRewards(env, shop)).length;
    for (let i = defaults; i < MAX_REWARDS_PER_SHOP; i += 20) {
      const batch = Array.from({ length: Math.min(20, MAX_REWARDS_PER_SHOP - i) }, () => api(shop, "POST", "/rewards", tenOff()));
      expect((await Promise.all(batch)).map((r) => r.status)).not.toContain(409);
    }
    expect((await listRewards(env, shop)).length).toBe(MAX_REWARDS_PER_SHOP);
    const refused = await api(shop, "POST", "/rewards", tenOff());
    expect(refused.status).toBe(409);
    expect((await json(refused)).error.code).toBe("too_many_rewards");
    const disabled = (await listRewards(env, shop)).find((r) => !r.enabled)!;
    const replaced = await api(shop, "PUT", `/rewards/${disabled.reward_id}`, tenOff({ points_cost: 1_234 }));
    expect(await json(replaced)).toMatchObject({ reward: { enabled: true, points_cost: 1_234, version: disabled.version + 1 } });
  });
});

describe("the storefront's view", () => {
  it("localizes titles and descriptions, falling back to English", async () => {
    const shop = await newShop("i18n");
    await api(shop, "POST", "/rewards", tenOff({ translations: { en: { title: "10% off", description: "" }, fr: { title: "10 % de réduction", description: "" } } }));
    const titles = async (locale: string) => (await storefrontRewards(shop, locale)).filter((r) => r.type === "percentage").map((r) => r.title);
    expect(await titles("fr")).toEqual(["10 % de réduction"]);
    expect(await titles("es")).toEqual(["10% off"]);
    expect((await storefrontRewards(shop, "es")).find((r) => r.type === "fixed_amount")?.title).toBe("5 $ de descuento");
  });
});
