// Bonus campaigns end to end: the merchant's API (versions, ending early, clear refusals, one
// shop never touching another's), and earning through real webhooks: multipliers judged at the
// order's placed time, tier eligibility, goal-spend bonuses awarded once, and refunds that
// reverse what the order earned whatever happened to the campaign or the rate since.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { saveProgramChange } from "../../d1/program";
import { accountState, call, eventually, install, json, merchantApi } from "../helpers/app";
import { orderBody, proxyUrl, refundBody, sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
let nextId = 7_100_000_000_000n;
const newId = () => String(nextId++);

const api = merchantApi;

async function newShop(label: string) {
  const shop = uniqueShop(label);
  await install(shop);
  return shop;
}

const double = (overrides: Record<string, unknown> = {}) => ({
  kind: "multiplier",
  translations: { en: { name: "Double points", description: "2x all weekend" }, fr: { name: "Points doublés" } },
  starts_at: iso(Date.now() - HOUR),
  ends_at: null,
  multiplier: 2,
  stackable: false,
  ...overrides,
});

async function create(shop: string, body: unknown) {
  const response = await api(shop, "POST", "/campaigns", body);
  expect(response.status).toBe(201);
  return (await json(response)).campaign;
}

/** An orders/paid body, placed at `placedAt` when given (processed_at). */
function paid(order: { id: string; customerId: string; subtotal: string; placedAt?: number }) {
  const body = orderBody(order);
  return order.placedAt === undefined ? body : body.replace(`"financial_status"`, `"processed_at":"${iso(order.placedAt)}","financial_status"`);
}

async function deliver(shop: string, topic: string, body: string) {
  const response = await call(await webhookRequest(topic, shop, body));
  expect(response.status).toBe(200);
  return json(response);
}

describe("the merchant's campaigns", () => {
  it("creates, replaces and ends early, keeping every version with who and when", async () => {
    const shop = await newShop("cmp-api");
    const created = await create(shop, double({ ends_at: "2099-01-01T00:00:00+02:00" }));
    expect(created).toMatchObject({ id: expect.stringMatching(/^cmp_[0-9a-f]{32}$/), version: 1, ended_at: null, ends_at: "2098-12-31T22:00:00.000Z" });

    const stale = await api(shop, "PUT", `/campaigns/${created.id}?expected_version=2`, double({ multiplier: 3 }));
    expect(stale.status).toBe(409);
    expect((await json(stale)).error.code).toBe("version_conflict");
    const replaced = await json(await api(shop, "PUT", `/campaigns/${created.id}?expected_version=1`, double({ multiplier: 3 }), "staff-2"));
    expect(replaced.campaign).toMatchObject({ version: 2, multiplier: 3 });

    const before = Date.now();
    const ended = await json(await api(shop, "POST", `/campaigns/${created.id}/end`, undefined, "staff-3"));
    const after = Date.now();
    expect(ended.campaign.version).toBe(3);
    expect(Date.parse(ended.campaign.ends_at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(ended.campaign.ends_at)).toBeLessThanOrEqual(after);
    expect(ended.campaign.ended_at).toBe(ended.campaign.ends_at);

    // Ending again changes nothing, and an ended campaign is not edited back to life.
    expect((await json(await api(shop, "POST", `/campaigns/${created.id}/end`))).campaign).toEqual(ended.campaign);
    const edit = await api(shop, "PUT", `/campaigns/${created.id}`, double());
    expect([edit.status, (await json(edit)).error.code]).toEqual([409, "campaign_ended"]);

    const { versions } = await json(await api(shop, "GET", `/campaigns/${created.id}/versions`));
    expect(versions.map((v: { version: number; change: string; changed_by: string }) => [v.version, v.change, v.changed_by])).toEqual([
      [3, "ended", "staff-3"],
      [2, "updated", "staff-2"],
      [1, "created", "42"],
    ]);
    expect(versions[0].campaign).toEqual(ended.campaign);
    expect((await json(await api(shop, "GET", "/campaigns"))).campaigns).toEqual([ended.campaign]);
  });

  it("ends once when ended ten times at once", async () => {
    const shop = await newShop("cmp-end-race");
    const { id } = await create(shop, double());
    const responses = await Promise.all(Array.from({ length: 10 }, () => api(shop, "POST", `/campaigns/${id}/end`)));
    const bodies = await Promise.all(responses.map((r) => json(r)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(bodies.map((b) => JSON.stringify(b.campaign))).size).toBe(1);
    const { versions } = await json(await api(shop, "GET", `/campaigns/${id}/versions`));
    expect(versions.map((v: { change: string }) => v.change)).toEqual(["ended", "created"]);
  });

  it("lets one of two racing edits of the same version win, telling the other", async () => {
    const shop = await newShop("cmp-edit-race");
    const { id } = await create(shop, double());
    const statuses = (await Promise.all([2, 3].map((m) => api(shop, "PUT", `/campaigns/${id}?expected_version=1`, double({ multiplier: m }))))).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 409]);
  });

  it("lists a page at a time, newest first, with the total; a bad page is a 400", async () => {
    const shop = await newShop("cmp-pages");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(shop, double({ translations: { en: { name: `C${i}` } } }))).id);
    const page = async (query: string) => json(await api(shop, "GET", `/campaigns${query}`));
    const first = await page("?per_page=2");
    expect([first.total, first.page, first.per_page, first.campaigns.map((c: { id: string }) => c.id)]).toEqual([5, 1, 2, [ids[4], ids[3]]]);
    expect((await page("?per_page=2&page=3")).campaigns.map((c: { id: string }) => c.id)).toEqual([ids[0]]);
    expect((await page("?per_page=2&page=4")).campaigns).toEqual([]);
    const bad = await api(shop, "GET", "/campaigns?per_page=251");
    const { error } = await json(bad);
    expect([bad.status, error.code]).toEqual([400, "invalid_request"]);
    expect(error.message).toContain("per_page");
    // The field the message is about, for the dashboard to show the message beside it.
    expect(error.field).toBe("per_page");
  });

  it.each([
    ["ends before it starts", double({ starts_at: "2026-12-02T00:00:00Z", ends_at: "2026-12-01T00:00:00Z" }), "invalid_ends_at"],
    ["a multiplier under 1", double({ multiplier: 0.5 }), "invalid_multiplier"],
    ["a multiplier of 5 decimals", double({ multiplier: 1.23456 }), "invalid_multiplier"],
    ["an unknown tier", double({ eligible_tier_ids: ["Platinum"] }), "unknown_tier_id"],
    ["an RFM segment", double({ eligible_segments: ["champions"] }), "invalid_eligible_segments"],
    ["a goal without an amount", { ...double(), kind: "goal_spend", multiplier: undefined, stackable: undefined, days: 7, points: 5 }, "invalid_amount"],
    ["an unknown action", { ...double(), kind: "bonus_action", multiplier: undefined, stackable: undefined, action: "dance", points: 5 }, "invalid_action"],
    ["a misspelt field", { ...double(), multiplyer: 2 }, "invalid_request"],
  ])("refuses %s with 400 and a code naming it, saving nothing", async (_name, body, code) => {
    const shop = await newShop("cmp-bad");
    const response = await api(shop, "POST", "/campaigns", body);
    expect([response.status, (await json(response)).error.code]).toEqual([400, code]);
    expect((await json(await api(shop, "GET", "/campaigns"))).campaigns).toEqual([]);
  });

  it("accepts the shop's own tiers by id", async () => {
    const shop = await newShop("cmp-tier-ok");
    expect((await create(shop, double({ eligible_tier_ids: ["tier_silver", "tier_gold"] }))).eligible_tier_ids).toEqual(["tier_silver", "tier_gold"]);
  });

  it("answers 404 for another shop's campaign, changing nothing", async () => {
    const mine = await newShop("cmp-mine");
    const theirs = await newShop("cmp-theirs");
    const { id } = await create(theirs, double());
    for (const [method, path, body] of [
      ["PUT", `/campaigns/${id}`, double({ multiplier: 5 })],
      ["POST", `/campaigns/${id}/end`, undefined],
      ["GET", `/campaigns/${id}/versions`, undefined],
    ] as const) {
      const response = await api(mine, method, path, body);
      expect([response.status, (await json(response)).error.code]).toEqual([404, "campaign_not_found"]);
    }
    expect((await json(await api(mine, "GET", "/campaigns"))).campaigns).toEqual([]);
    expect((await json(await api(theirs, "GET", "/campaigns"))).campaigns).toMatchObject([{ id, version: 1, ended_at: null }]);
  });

  it("documents its routes in the OpenAPI document", async () => {
    const doc = await json(await call("https://loyalnest.test/openapi.json"));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/api/campaigns", "/v1/api/campaigns/{id}", "/v1/api/campaigns/{id}/end"]));
  });
});

describe("earning during campaigns", () => {
  it("a refund after the campaign ended and the rate changed reverses exactly its share of the doubled points", async () => {
    const shop = await newShop("cmp-refund");
    const { id } = await create(shop, double());
    const order = newId();
    expect(await deliver(shop, "orders/paid", paid({ id: order, customerId: "501", subtotal: "50.00" }))).toMatchObject({ outcome: "applied", points: 1_000 });
    await api(shop, "POST", `/campaigns/${id}/end`);
    expect((await api(shop, "PUT", "/points-program", { config: { purchase: 1 } })).status).toBe(200);

    // The refund applies once the order is indexed (at once, or when the inbox re-drives it).
    await deliver(shop, "refunds/create", refundBody({ id: newId(), orderId: order, lineSubtotals: ["25.00"] }));
    await eventually(() => accountState(shop, "501"), (s) => s.ledger.length === 2);
    // A later order earns by today's rules: no campaign, 1 point per $1.
    expect(await deliver(shop, "orders/paid", paid({ id: newId(), customerId: "501", subtotal: "50.00" }))).toMatchObject({ points: 50 });
    const state = await accountState(shop, "501");
    expect(state.ledger.map((e) => [e.kind, e.points])).toEqual([
      ["earn", 1_000],
      ["reversal", -500],
      ["earn", 50],
    ]);
    expect(state.balance).toBe(550);
  });

  it("judges an order by when it was placed, not when its webhook arrived", async () => {
    const shop = await newShop("cmp-placed");
    const start = Date.now() - 3 * HOUR;
    await create(shop, double({ starts_at: iso(start), ends_at: iso(start + HOUR) }));
    const during = await deliver(shop, "orders/paid", paid({ id: newId(), customerId: "502", subtotal: "10.00", placedAt: start + HOUR - 1 }));
    const after = await deliver(shop, "orders/paid", paid({ id: newId(), customerId: "502", subtotal: "10.00", placedAt: start + HOUR }));
    const before = await deliver(shop, "orders/paid", paid({ id: newId(), customerId: "502", subtotal: "10.00", placedAt: start - 1 }));
    expect([during.points, after.points, before.points]).toEqual([200, 100, 100]);
  });

  it("stacks with the tier and other campaigns, and applies tier-only campaigns to that tier alone", async () => {
    const shop = await newShop("cmp-stack");
    // Tiers: Bronze from 0 (1×), Silver from 1,000 lifetime points (1.5×).
    expect((await api(shop, "PUT", "/vip-tiers/tier_silver", { translations: { en: { name: "Silver" } }, threshold: 1_000, earn_multiplier: 1.5 })).status).toBe(200);
    await create(shop, double({ stackable: true, multiplier: 1.1 }));
    await create(shop, double({ multiplier: 2, eligible_tier_ids: ["tier_silver"] }));
    await create(shop, double({ multiplier: 1.5 }));

    // Bronze: 1.1 × 1.5 (the larger non-stackable open to all) = 1.65 → 100 base points give 165.
    expect((await deliver(shop, "orders/paid", paid({ id: newId(), customerId: "503", subtotal: "10.00" }))).points).toBe(165);
    expect((await deliver(shop, "orders/paid", paid({ id: newId(), customerId: "503", subtotal: "60.00" }))).points).toBe(990);
    // Silver now (1,155 lifetime): 1.5 × 1.1 × 2 (Silver's non-stackable beats 1.5) = 3.3 → 330.
    expect((await deliver(shop, "orders/paid", paid({ id: newId(), customerId: "503", subtotal: "10.00" }))).points).toBe(330);
  });

  it("awards a goal-spend bonus once per campaign, whatever the repeats and races", async () => {
    const shop = await newShop("cmp-goal");
    const goal = await create(shop, { ...double(), kind: "goal_spend", multiplier: undefined, stackable: undefined, amount: "100.00", days: 7, points: 300 });
    const first = await deliver(shop, "orders/paid", paid({ id: newId(), customerId: "504", subtotal: "60.00" }));
    expect(first.points).toBe(600);
    // Two orders that each reach the goal, at once, each delivered twice.
    const bodies = [paid({ id: newId(), customerId: "504", subtotal: "50.00" }), paid({ id: newId(), customerId: "504", subtotal: "45.00" })];
    await Promise.all([...bodies, ...bodies].map((body) => deliver(shop, "orders/paid", body)));
    await deliver(shop, "orders/paid", paid({ id: newId(), customerId: "504", subtotal: "200.00" }));
    const state = await accountState(shop, "504");
    const bonuses = state.ledger.filter((e) => e.kind === "campaign");
    expect(bonuses).toEqual([expect.objectContaining({ points: 300, source_id: goal.id, idempotency_key: `campaign:${goal.id}:goal` })]);
    expect(state.balance).toBe(600 + 500 + 450 + 2_000 + 300);
    expect(state.balance).toBe(state.ledgerSum);
  });

  it("reaches the goal when the order that completes it was placed before one already recorded", async () => {
    const shop = await newShop("cmp-goal-late");
    const now = Date.now();
    await create(shop, { ...double({ starts_at: iso(now - 5 * HOUR) }), kind: "goal_spend", multiplier: undefined, stackable: undefined, amount: "100.00", days: 1, points: 250 });
    expect((await deliver(shop, "orders/paid", paid({ id: newId(), customerId: "505", subtotal: "60.00", placedAt: now - HOUR }))).points).toBe(600);
    // Placed before the campaign began: it counts toward nothing.
    expect((await deliver(shop, "orders/paid", paid({ id: newId(), customerId: "505", subtotal: "90.00", placedAt: now - 6 * HOUR }))).points).toBe(900);
    // Placed two hours before the $60 order, delivered after it: $110 within a day.
    expect((await deliver(shop, "orders/paid", paid({ id: newId(), customerId: "505", subtotal: "50.00", placedAt: now - 3 * HOUR }))).points).toBe(500 + 250);
    expect((await accountState(shop, "505")).ledger.filter((e) => e.kind === "campaign").map((e) => e.points)).toEqual([250]);
  });
});

describe("bonus-action campaigns", () => {
  const follow = async (shop: string, customerId: string, network: string, key: string) => {
    const url = await proxyUrl("/actions/social-follow", { shop, customerId });
    const response = await call(new Request(url, { method: "POST", headers: { "content-type": "application/json", "idempotency-key": key }, body: JSON.stringify({ network }) }));
    expect(response.status, await response.clone().text()).toBe(200);
    return json(response);
  };
  const bonus = (action: string, points: number, overrides: Record<string, unknown> = {}) =>
    ({ ...double(), kind: "bonus_action", multiplier: undefined, stackable: undefined, action, points, ...overrides });

  it("add their points to the action, once with it, for the tiers they name, while they run", async () => {
    const shop = await newShop("cmp-bonus");
    const created = await api(shop, "POST", "/campaigns", bonus("social_follow", 30));
    expect(created.status, await created.clone().text()).toBe(201);
    const everyone = (await json(created)).campaign;
    await create(shop, bonus("social_follow", 7, { translations: { en: { name: "Gold only" } }, eligible_tier_ids: ["tier_gold"] }));
    await create(shop, bonus("review", 99));

    const answers = await Promise.all([follow(shop, "701", "instagram", "follow-key-1"), follow(shop, "701", "instagram", "follow-key-1")]);
    expect(answers.map((a) => [a.outcome, a.points, a.campaign_points]).sort()).toEqual([
      ["applied", 50, 30],
      ["duplicate", 50, 30],
    ]);
    expect((await follow(shop, "701", "instagram", "follow-key-2")).outcome).toBe("limit_reached");
    const state = await eventually(() => accountState(shop, "701"), (s) => s.ledger.length === 2);
    expect(state.ledger.map((e) => [e.kind, e.points])).toEqual([
      ["social_follow", 50],
      ["campaign", 30],
    ]);
    expect(state.balance).toBe(80);

    expect((await api(shop, "POST", `/campaigns/${everyone.id}/end`)).status).toBe(200);
    const after = await follow(shop, "701", "facebook", "follow-key-3");
    expect([after.outcome, after.campaign_points, after.balance]).toEqual(["applied", 0, 130]);
  });
});

describe("the widget's running campaigns", () => {
  it("lists the campaigns running now in the shopper's language, none once ended or while the program is off", async () => {
    const shop = await newShop("cmp-widget");
    const running = await create(shop, double());
    await create(shop, double({ starts_at: iso(Date.now() + 24 * HOUR), translations: { en: { name: "Later" } } }));
    const config = async (locale = "en") => json(await call(await proxyUrl("/widget/config", { shop, customerId: null, extra: { locale } })));
    expect((await config("fr")).campaigns).toEqual([
      { id: running.id, name: "Points doublés", description: "2x all weekend", kind: "multiplier", multiplier: 2, starts_at: running.starts_at, ends_at: null, eligible_tier_ids: null },
    ]);
    await api(shop, "PUT", "/points-program", { config: { enabled: false } });
    expect((await config()).campaigns).toEqual([]);
    await api(shop, "PUT", "/points-program", { config: { enabled: true } });
    await api(shop, "POST", `/campaigns/${running.id}/end`);
    expect((await config()).campaigns).toEqual([]);
  });
});
