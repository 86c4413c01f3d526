// The dry run: its answer equals what the saved change then does, on the same customers, all
// through real webhooks, the real projection and the customer's objects; and it saves nothing.
import { env, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EarnSnapshot } from "../../core/program";
import { getProgram } from "../../d1/shops";
import { customerAccount } from "../../durable-objects/stubs";
import { connectReporting } from "../../postgres/client";
import { call, eventually, install, json, merchantApi } from "../helpers/app";
import { orderBody, sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";

const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

let nextId = 7_300_000_000_000n;
const newId = () => String(nextId++);

const api = merchantApi;

async function pay(shop: string, customerId: string, subtotal: string): Promise<{ points: number; orderGid: string }> {
  const id = newId();
  const response = await call(await webhookRequest("orders/paid", shop, orderBody({ id, customerId, subtotal })));
  expect(response.status).toBe(200);
  return { points: (await json(response)).points, orderGid: `gid://shopify/Order/${id}` };
}

/** The snapshot the object recorded for an order (orders table), whether or not it earned. */
async function snapshotOf(shop: string, customerId: string, orderGid: string): Promise<EarnSnapshot> {
  return runInDurableObject(customerAccount(env, shop, customerId), (_o, state) =>
    JSON.parse(state.storage.sql.exec<{ snapshot: string }>(`SELECT snapshot FROM orders WHERE order_gid = ?`, orderGid).one().snapshot),
  );
}

/** What an order itself earned (orders.earned), goal-spend bonuses apart. */
async function earnedBy(shop: string, customerId: string, orderGid: string): Promise<number> {
  return runInDurableObject(customerAccount(env, shop, customerId), (_o, state) =>
    state.storage.sql.exec<{ earned: number }>(`SELECT earned FROM orders WHERE order_gid = ?`, orderGid).one().earned,
  );
}

/** The tier the object gives a customer now: a $0.00 order earns nothing but records it. */
async function tierNow(shop: string, customerId: string): Promise<string | null> {
  const { orderGid } = await pay(shop, customerId, "0.00");
  return (await snapshotOf(shop, customerId, orderGid)).multipliers.find((m) => m.source === "tier")?.id ?? null;
}

/** The shop's default tiers (Bronze 0, Silver 1,000, Gold 5,000, all 1×), changed: Silver from 600 at 1.25×, Gold at 1.5×. */
const PROPOSED_TIERS = {
  update: [
    { id: "tier_silver", tier: { translations: { en: { name: "Silver" } }, threshold: 600, earn_multiplier: 1.25 } },
    { id: "tier_gold", tier: { translations: { en: { name: "Gold" } }, threshold: 5_000, earn_multiplier: 1.5 } },
  ],
};
const campaign = (fields: Record<string, unknown>) => ({
  kind: "multiplier",
  translations: { en: { name: String(fields.name ?? "Bonus") } },
  starts_at: new Date(Date.now() - 60_000).toISOString(),
  ends_at: null,
  ...fields,
  name: undefined,
});
const SILVER_DOUBLE = campaign({ name: "Silver double", multiplier: 2, stackable: false, eligible_tier_ids: ["tier_silver"] });
const EVERYONE_TEN_PERCENT = campaign({ name: "Ten percent more", multiplier: 1.1, stackable: true });
/** Each customer's one seeded order. */
const SEEDED: [string, string][] = [
  ["601", "20.00"],
  ["602", "70.00"],
  ["603", "70.00"],
  ["604", "120.00"],
  ["605", "550.00"],
  ["606", "70.00"],
];

describe("simulate, then save", () => {
  const shop = uniqueShop("simulate");
  const seeded = new Map<string, number>();

  beforeAll(async () => {
    await install(shop);
    for (const [customerId, subtotal] of SEEDED) seeded.set(customerId, (await pay(shop, customerId, subtotal)).points);
    await eventually(
      () => sql`SELECT count(*)::int AS n FROM points_transactions WHERE shop = ${shop}`,
      (rows) => rows[0]!.n === SEEDED.length,
    );
  });

  it("predicts the sample order's points, the tier moves and the points per $100 that the saved change gives", async () => {
    const from = new Map<string, string | null>();
    for (const [customerId] of SEEDED) from.set(customerId, await tierNow(shop, customerId));

    // From now: only orders placed from here on count toward the goal.
    const goal = { kind: "goal_spend", translations: { en: { name: "Spend $25" } }, starts_at: new Date().toISOString(), ends_at: null, amount: "25.00", days: 7, points: 150 };
    const request = {
      program: { config: { purchase: 12 } },
      tiers: PROPOSED_TIERS,
      campaigns: { create: [SILVER_DOUBLE, EVERYONE_TEN_PERCENT, goal] },
      sample_order: { subtotal: "30.00", shipping: "5.00", tax: "2.40", customer_id: "602" },
    };
    const response = await api(shop, "POST", "/points-program/simulate", request);
    expect(response.status).toBe(200);
    const answer = await json(response);

    // Nothing was saved by the dry run.
    expect((await getProgram(env, shop)).earning.purchase.points_per_currency_unit).toBe(10);
    expect((await json(await api(shop, "GET", "/campaigns"))).campaigns).toEqual([]);

    // "now": a twin of the sample's customer (same history) pays the sample order before the save.
    expect(answer.sample.now.campaign_bonuses).toEqual([]);
    expect((await pay(shop, "606", "30.00")).points).toBe(answer.sample.now.total_points);

    // Save the same change, as a merchant would.
    expect((await api(shop, "PUT", "/points-program", request.program)).status).toBe(200);
    for (const { id, tier } of PROPOSED_TIERS.update) expect((await api(shop, "PUT", `/vip-tiers/${id}`, tier)).status).toBe(200);
    for (const body of [SILVER_DOUBLE, EVERYONE_TEN_PERCENT, goal]) expect((await api(shop, "POST", "/campaigns", body)).status).toBe(201);

    // Tier moves: observed from the objects after the save, against the prediction.
    const observed = new Map<string, number>();
    for (const [customerId] of SEEDED) {
      const to = await tierNow(shop, customerId);
      if (to !== from.get(customerId)) observed.set(JSON.stringify([from.get(customerId), to]), (observed.get(JSON.stringify([from.get(customerId), to])) ?? 0) + 1);
    }
    expect(answer.customers.total).toBe(SEEDED.length);
    expect(Object.fromEntries(answer.customers.tier_moves.map((m: { from: string; to: string; count: number }) => [JSON.stringify([m.from, m.to]), m.count]))).toEqual(
      Object.fromEntries(observed),
    );
    expect(answer.customers.moved).toBe([...observed.values()].reduce((a, b) => a + b, 0));
    expect(answer.customers.moved).toBeGreaterThan(0);

    // The sample order, paid by the same customer after the save, earns what was predicted, by the same multipliers.
    const { points, orderGid } = await pay(shop, "602", "30.00");
    expect(answer.sample.proposed.campaign_bonuses).toMatchObject([{ campaign_id: "cmp_proposed_03", points: 150 }]);
    expect(points).toBe(answer.sample.proposed.total_points);
    expect(points).not.toBe(answer.sample.now.total_points);
    expect((await earnedBy(shop, "602", orderGid))).toBe(answer.sample.proposed.points);
    const recorded = await snapshotOf(shop, "602", orderGid);
    // The same but for the campaigns' ids (proposed ones are named cmp_proposed_…) and the
    // program version number.
    const strip = ({ program_version: _v, ...s }: EarnSnapshot) => ({ ...s, multipliers: s.multipliers.map(({ id: _id, ...m }) => m) });
    expect(strip(recorded)).toEqual(strip(answer.sample.proposed.snapshot));
    expect(recorded.program_version).toBe((await getProgram(env, shop)).version);

    // Points per $100: "now" is what the seeded orders earned; "proposed" is what the same orders
    // earn for the same customers after the save (each customer's tier as it stood).
    const seededSales = SEEDED.reduce((sum, [, s]) => sum + Number(s) * 100, 0);
    const earnedNow = [...seeded.values()].reduce((a, b) => a + b, 0);
    expect(answer.points_per_100.now).toBe(Math.floor((earnedNow * 100 * 100 * 100) / seededSales) / 100);
    expect(answer.points_per_100).toMatchObject({ window_days: 90, orders: SEEDED.length, sales: (seededSales / 100).toFixed(2) });
    // (602 and 606 have paid $30 since, which keeps them in Silver, the tier they were judged in.)
    let earnedAfter = 0;
    for (const [customerId, subtotal] of SEEDED) {
      const replay = await pay(shop, customerId, subtotal);
      earnedAfter += await earnedBy(shop, customerId, replay.orderGid); // the order's own points, without goal bonuses
    }
    expect(answer.points_per_100.proposed).toBe(Math.floor((earnedAfter * 100 * 100 * 100) / seededSales) / 100);
    expect(answer.points_per_100.proposed).toBeGreaterThan(answer.points_per_100.now);
  });
});

describe("simulate refuses what saving would refuse, with 400s", () => {
  const shop = uniqueShop("simulate-bad");
  beforeAll(() => install(shop));

  it.each([
    ["a negative rate", { program: { config: { purchase: -1 } } }, 400, "invalid_request"],
    ["an unknown program field", { program: { config: { bonus: true } } }, 400, "invalid_request"],
    ["a tier that is not a tier", { tiers: { create: [{ translations: { en: { name: "" } }, threshold: -5 }] } }, 400, "invalid_request"],
    ["changing a tier the shop does not have", { tiers: { disable: ["tier_nope"] } }, 404, "tier_not_found"],
    ["ending an unknown campaign", { campaigns: { end: ["cmp_00000000000000000000000000000000"] } }, 400, "unknown_campaign_id"],
    ["a campaign for an unknown tier", { campaigns: { create: [campaign({ multiplier: 2, stackable: true, eligible_tier_ids: ["Platinum"] })] } }, 400, "unknown_tier_id"],
    ["a campaign ending before it starts", { campaigns: { create: [campaign({ multiplier: 2, stackable: true, ends_at: "2000-01-01T00:00:00Z" })] } }, 400, "invalid_request"],
    ["a sample without a subtotal", { sample_order: { shipping: "1.00" } }, 400, "invalid_request"],
    ["a sample for a customer the shop does not have", { sample_order: { subtotal: "1.00", customer_id: "999999" } }, 404, "customer_not_found"],
  ])("%s", async (_name, body, status, code) => {
    const response = await api(shop, "POST", "/points-program/simulate", body);
    expect([response.status, (await json(response)).error.code]).toEqual([status, code]);
  });

  it("answers an empty shop with zeros and no rate", async () => {
    const answer = await json(await api(shop, "POST", "/points-program/simulate", { sample_order: { subtotal: "10.00" } }));
    expect(answer).toMatchObject({
      sample: { customer_id: null, earn_base: "10.00", now: { points: 100 }, proposed: { points: 100 } },
      customers: { total: 0, tier_moves: [], moved: 0 },
      points_per_100: { now: null, proposed: null, orders: 0, sales: "0.00" },
    });
  });
});
