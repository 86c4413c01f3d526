// D1's migrations against rows written before them: an empty database taken to 0002, rewards
// as the install wrote them before the catalog, 0003, rows as the catalog wrote them before its
// rebuild, then every later migration, read back through d1/rewards.ts.
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { RewardInputSchema, rewardInput, type Reward } from "../../core/rewards";
import { listRewards, rewardVersionsOf } from "../../d1/rewards";

const db = env.MIGRATION_CHECK_DB;
const migrated = { ...env, DB: db } as Env;
const SHOP = "legacy-shop.myshopify.com";
const CREATED = 1_764_000_000_123;
const EDITED = CREATED + 86_400_000;

const upTo = (last: string) => env.TEST_MIGRATIONS.filter((m) => m.name.slice(0, 4) <= last);

/** id, type, title, points_cost, value, product_gid, active, sort: as installShop and the old catalog wrote them. */
const LEGACY: [string, string, string, number, string | null, string | null, number, number][] = [
  [`${SHOP}:default:1`, "fixed_amount", "$5 off your order", 500, "5.00", null, 1, 0],
  [`${SHOP}:default:2`, "free_shipping", "Free shipping", 1_000, null, null, 1, 1],
  [`${SHOP}:default:3`, "free_product", "A free product", 1_500, null, null, 1, 2],
  ["variant", "free_product", "A mug", 800, "12.00", "gid://shopify/ProductVariant/4401", 1, 3],
  ["product-not-variant", "free_product", "A tee", 900, "15.00", "gid://shopify/Product/77", 1, 4],
  ["variant-without-value", "free_product", "A cap", 700, null, "gid://shopify/ProductVariant/55", 1, 5],
  ["fixed-with-a-variant", "fixed_amount", "$10 off", 1_000, "10.00", "gid://shopify/ProductVariant/66", 1, 6],
  ["retired", "percentage", "10% off", 800, "10", null, 0, 7],
];

/** Written through the catalog between 0003 and the rebuild: complete, with its version row. */
const CATALOG_ROW = {
  id: "from-the-catalog",
  translations: { en: { title: "Points to money", description: "1 $ per 100 points" }, es: { title: "Puntos a dinero", description: "" } },
};
const CATALOG_VERSION_JSON = '{"written":"by the catalog before the rebuild"}';

beforeAll(async () => {
  await applyD1Migrations(db, upTo("0002"));
  await db.batch(
    LEGACY.map(([id, ...fields]) =>
      db
        .prepare(`INSERT INTO rewards (id, shop, type, title, points_cost, value, product_gid, active, sort, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .bind(id, SHOP, ...fields, CREATED),
    ),
  );
  await applyD1Migrations(db, upTo("0003"));
  await db.batch([
    // The seed's edit of the demo's free product, as updateReward wrote it: version 2, its row.
    db.prepare(`UPDATE rewards SET version = 2, updated_at = ? WHERE id = ?`).bind(EDITED, `${SHOP}:default:1`),
    db
      .prepare(`INSERT INTO reward_versions (reward_id, version, shop, change, changed_by, reward, created_at) VALUES (?, 2, ?, 'updated', 'staff-1', '{}', ?)`)
      .bind(`${SHOP}:default:1`, SHOP, EDITED),
    db
      .prepare(
        `INSERT INTO rewards (id, shop, type, title, points_cost, value, product_gid, active, sort, created_at, min_points, max_points, min_order_subtotal, code_expiry_days, translations, version, updated_at)
         VALUES (?, ?, 'points_to_money', ?, 100, NULL, NULL, 1, 8, ?, 100, 5000, '20.00', NULL, ?, 1, ?)`,
      )
      .bind(CATALOG_ROW.id, SHOP, CATALOG_ROW.translations.en.title, CREATED, JSON.stringify(CATALOG_ROW.translations), CREATED),
    db
      .prepare(`INSERT INTO reward_versions (reward_id, version, shop, change, changed_by, reward, created_at) VALUES (?, 1, ?, 'created', 'staff-1', ?, ?)`)
      .bind(CATALOG_ROW.id, SHOP, CATALOG_VERSION_JSON, CREATED),
  ]);
  await applyD1Migrations(db, env.TEST_MIGRATIONS);
});

async function rewardsById(): Promise<Map<string, Reward>> {
  return new Map((await listRewards(migrated, SHOP)).map((r) => [r.reward_id, r]));
}

describe("the rewards catalog's migrations", () => {
  it("carry every reward over: English title, enabled, a variant only where a free product names one", async () => {
    const rewards = await rewardsById();
    expect([...rewards.values()].map((r) => [r.reward_id, r.enabled, r.product_variant_gid, r.translations.en.title])).toEqual([
      [`${SHOP}:default:1`, true, null, "$5 off your order"],
      [`${SHOP}:default:2`, true, null, "Free shipping"],
      // A free product without its variant or its value waits, disabled, for the merchant.
      [`${SHOP}:default:3`, false, null, "A free product"],
      ["variant", true, "gid://shopify/ProductVariant/4401", "A mug"],
      ["product-not-variant", false, null, "A tee"],
      ["variant-without-value", false, "gid://shopify/ProductVariant/55", "A cap"],
      ["fixed-with-a-variant", true, null, "$10 off"],
      ["retired", false, null, "10% off"],
      [CATALOG_ROW.id, true, null, "Points to money"],
    ]);
    expect(rewards.get("retired")).toMatchObject({ translations: { en: { title: "10% off", description: "" } }, code_expiry_days: 30, version: 1 });
    expect(rewards.get(`${SHOP}:default:1`)).toMatchObject({ version: 2, created_at: new Date(CREATED).toISOString(), updated_at: new Date(EDITED).toISOString() });
    expect(rewards.get(CATALOG_ROW.id)).toMatchObject({
      translations: CATALOG_ROW.translations,
      min_points: 100,
      max_points: 5_000,
      min_order_subtotal: "20.00",
      code_expiry_days: null,
    });
  });

  it("leave only rewards the merchant API would accept back as they are", async () => {
    for (const reward of (await rewardsById()).values()) {
      const parsed = RewardInputSchema.safeParse(rewardInput(reward));
      expect(parsed.success, `${reward.reward_id}: ${parsed.error?.message}`).toBe(true);
    }
  });

  it("give each reward still at version 1 its version row, as the catalog writes one", async () => {
    const rewards = await rewardsById();
    for (const [id] of LEGACY.filter(([id]) => id !== `${SHOP}:default:1`)) {
      expect(await rewardVersionsOf(migrated, SHOP, id), id).toEqual([
        { version: 1, change: "created", changed_by: "system", reward: rewards.get(id), created_at: new Date(CREATED).toISOString() },
      ]);
    }
  });

  it("invent no history: an edited reward keeps only its own versions, a catalog reward its own row", async () => {
    expect((await rewardVersionsOf(migrated, SHOP, `${SHOP}:default:1`)).map((v) => [v.version, v.changed_by])).toEqual([[2, "staff-1"]]);
    const [only, ...rest] = await rewardVersionsOf(migrated, SHOP, CATALOG_ROW.id);
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ version: 1, changed_by: "staff-1", reward: JSON.parse(CATALOG_VERSION_JSON) });
  });
});
