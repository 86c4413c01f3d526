// VIP tiers end to end: the merchant's API (versions, bad input, conflicts, one shop never
// touching another's tiers), customers moving up and — per the downgrade policy — down through
// real webhooks, the storefront status, and every tier change reaching Postgres.
import type { EarnSnapshot } from "../../core/program";
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import type { TierPolicy } from "../../core/program";
import { customerForOrder } from "../../d1/order-index";
import { saveProgramChange } from "../../d1/program";
import { customerAccount } from "../../durable-objects/stubs";
import { connectReporting } from "../../postgres/client";
import { call, eventually, install, json, merchantApi } from "../helpers/app";
import { history, inAccount } from "../helpers/redemption";
import { clearFaults, injectFault, installedShop, listDiscounts } from "../helpers/shopify-emulator";
import { customerBody, orderBody, proxyUrl, refundBody, sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";

const DAY = 86_400_000;
let nextId = 8_800_000_000;
const sql = connectReporting(env);
afterAll(() => sql.end({ timeout: 1 }));

const api = merchantApi;

async function newShop(label: string, policy?: Partial<TierPolicy>) {
  const shop = uniqueShop(label);
  await install(shop);
  if (policy) await saveProgramChange(env, shop, (p) => ({ ...p, tier_policy: { ...p.tier_policy, ...policy } }), { actor: "test" });
  return shop;
}

const tier = (name: string, threshold: number | string, extra: Record<string, unknown> = {}) => ({ translations: { en: { name, perks: [`${name} perk`] } }, threshold, ...extra });

/** orders/paid through the webhook route; `placedAt` becomes the order's processed_at. */
async function pay(shop: string, customerId: string, subtotal: string, placedAt?: string): Promise<string> {
  const id = String(++nextId);
  let body = orderBody({ id, customerId, subtotal });
  if (placedAt) body = body.replace(/"line_items":\[\]/, `"line_items":[],"processed_at":"${placedAt}"`);
  const response = await call(await webhookRequest("orders/paid", shop, body));
  expect(response.status).toBe(200);
  return id;
}

/** refunds/create once the order is indexed (a refund before that waits for it, asynchronously). */
async function refund(shop: string, orderId: string, amount: string): Promise<void> {
  await eventually(() => customerForOrder(env, shop, `gid://shopify/Order/${orderId}`), (c) => c !== null);
  const response = await call(await webhookRequest("refunds/create", shop, refundBody({ id: String(++nextId), orderId, lineSubtotals: [amount] })));
  expect(response.status).toBe(200);
}

async function status(shop: string, customerId: string, locale?: string) {
  const response = await call(await proxyUrl("/vip-tiers/status", { shop, customerId, extra: locale ? { locale } : {} }));
  expect(response.status).toBe(200);
  return json(response);
}

const changes = (shop: string, customerId: string) => customerAccount(env, shop, customerId).tierChanges();
const moves = async (shop: string, customerId: string) => (await changes(shop, customerId)).map((c) => [c.from, c.to, c.reason]);
const tierState = (shop: string, customerId: string) =>
  inAccount(shop, customerId, (s) => s.exec<{ tier_id: string | null; below_since: number | null; wake_at: number | null }>(`SELECT tier_id, below_since, wake_at FROM tier_state`).one());

describe("the merchant's tiers", () => {
  it("start as Bronze 0, Silver 1,000 and Gold 5,000 points, all 1×, each version 1 by the install", async () => {
    const shop = await newShop("tier-defaults");
    const { tiers } = await json(await api(shop, "GET", "/vip-tiers"));
    expect(tiers.map((t: any) => [t.id, t.translations.en.name, t.basis, t.threshold, t.earn_multiplier, t.enabled, t.version])).toEqual([
      ["tier_bronze", "Bronze", "points", 0, 1, true, 1],
      ["tier_silver", "Silver", "points", 1_000, 1, true, 1],
      ["tier_gold", "Gold", "points", 5_000, 1, true, 1],
    ]);
    const { versions } = await json(await api(shop, "GET", "/vip-tiers/tier_gold/versions"));
    expect(versions).toEqual([{ version: 1, change: "created", changed_by: "system", tier: tiers[2], created_at: tiers[2].created_at }]);
  });

  it("creates, replaces and disables, a version for each with who made it; stale edits are refused", async () => {
    const shop = await newShop("tier-edits");
    const created = await api(shop, "POST", "/vip-tiers", tier("Platinum", 10_000, { earn_multiplier: 2.3, discount: { percentage: "5" }, free_shipping: true }), "staff-1");
    expect(created.status).toBe(201);
    const { tier: platinum } = await json(created);
    expect(platinum).toMatchObject({ version: 1, threshold: 10_000, earn_multiplier: 2.3, discount: { percentage: "5" }, free_shipping: true, enabled: true });
    expect(platinum.id).toMatch(/^tier_[0-9a-f]{16}$/);

    const replaced = await api(shop, "PUT", `/vip-tiers/${platinum.id}?expected_version=1`, tier("Platinum", 12_000), "staff-2");
    expect((await json(replaced)).tier).toMatchObject({ version: 2, threshold: 12_000, earn_multiplier: 1, discount: null });
    const stale = await api(shop, "PUT", `/vip-tiers/${platinum.id}?expected_version=1`, tier("Platinum", 15_000));
    expect(stale.status).toBe(409);
    expect((await json(stale)).error.code).toBe("version_conflict");
    const disabled = await json(await api(shop, "DELETE", `/vip-tiers/${platinum.id}`, undefined, "staff-3"));
    expect(disabled.tier).toMatchObject({ version: 3, enabled: false });

    const { versions } = await json(await api(shop, "GET", `/vip-tiers/${platinum.id}/versions`));
    expect(versions.map((v: any) => [v.version, v.change, v.changed_by, v.tier.threshold])).toEqual([
      [3, "disabled", "staff-3", 12_000],
      [2, "updated", "staff-2", 12_000],
      [1, "created", "staff-1", 10_000],
    ]);
    // A disabled tier's threshold is free again.
    expect((await api(shop, "POST", "/vip-tiers", tier("Platinum again", 12_000))).status).toBe(201);
  });

  it("refuses bad input with a code naming the problem", async () => {
    const shop = await newShop("tier-bad");
    const cases: [unknown, number, string][] = [
      [{ threshold: 100 }, 400, "invalid_request"],
      [tier("X", 100, { earn_multiplier: 1.23456 }), 400, "invalid_request"],
      [tier("X", 100, { earn_multiplier: 0.5 }), 400, "invalid_request"],
      [tier("X", -1), 400, "invalid_request"],
      [tier("X", 1.5), 400, "invalid_request"],
      [tier("X", 100, { discount: { percentage: "101" } }), 400, "invalid_request"],
      [tier("X", 100, { colour: "red" }), 400, "invalid_request"],
      [tier("X", "500.00"), 400, "threshold_basis_mismatch"],
      [tier("Another Silver", 1_000), 409, "threshold_taken"],
    ];
    for (const [body, statusCode, code] of cases) {
      const response = await api(shop, "POST", "/vip-tiers", body);
      expect([JSON.stringify(body), response.status, (await json(response)).error?.code]).toEqual([JSON.stringify(body), statusCode, code]);
    }
    // Raising Silver onto Gold's threshold is refused the same way.
    const onto = await api(shop, "PUT", "/vip-tiers/tier_silver", tier("Silver", 5_000));
    expect([onto.status, (await json(onto)).error.code]).toEqual([409, "threshold_taken"]);
  });

  it("lets one of two racing creates with the same threshold through", async () => {
    const shop = await newShop("tier-race");
    const answers = await Promise.all([1, 2, 3].map((n) => api(shop, "POST", "/vip-tiers", tier(`Racer ${n}`, 7_777))));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    const { tiers } = await json(await api(shop, "GET", "/vip-tiers"));
    expect(tiers.filter((t: any) => t.threshold === 7_777)).toHaveLength(1);
  });

  it("never shows or touches another shop's tiers", async () => {
    const mine = await newShop("tier-mine");
    const theirs = await newShop("tier-theirs");
    const { tier: secret } = await json(await api(theirs, "POST", "/vip-tiers", tier("Secret", 3_000)));
    for (const [method, path, body] of [
      ["PUT", `/vip-tiers/${secret.id}`, tier("Mine now", 3_001)],
      ["DELETE", `/vip-tiers/${secret.id}`, undefined],
      ["GET", `/vip-tiers/${secret.id}/versions`, undefined],
    ] as const) {
      const response = await api(mine, method, path, body);
      expect([method, response.status, (await json(response)).error.code]).toEqual([method, 404, "tier_not_found"]);
    }
    expect((await json(await api(mine, "GET", "/vip-tiers"))).tiers.map((t: any) => t.id)).not.toContain(secret.id);
    expect((await json(await api(theirs, "GET", `/vip-tiers/${secret.id}/versions`))).versions).toHaveLength(1);
  });
});

describe("customers moving between tiers through webhooks", () => {
  it("moves up at exactly 1,000 points, and the next order earns at the tier held when it was paid", async () => {
    const shop = await newShop("tier-up");
    await api(shop, "PUT", "/vip-tiers/tier_silver", tier("Silver", 1_000, { earn_multiplier: 1.25 }));
    await api(shop, "PUT", "/vip-tiers/tier_gold", tier("Gold", 5_000, { earn_multiplier: 1.5 }));
    const customerId = "100";
    await pay(shop, customerId, "99.90"); // 999 points
    expect((await status(shop, customerId)).current.id).toBe("tier_bronze");
    await pay(shop, customerId, "0.10"); // 1 point: 1,000
    expect(await moves(shop, customerId)).toEqual([
      [null, "tier_bronze", "qualified"],
      ["tier_bronze", "tier_silver", "qualified"],
    ]);
    // $400 at Silver's 1.25×: 5,000 points, reaching Gold only after this order counts.
    const gold = await pay(shop, customerId, "400.00");
    const { transactions } = await customerAccount(env, shop, customerId).history(10);
    const earn = transactions.find((t) => (t.snapshot as EarnSnapshot | null)?.base_mills === 400_000)!;
    expect(earn.points).toBe(5_000);
    expect((earn.snapshot as EarnSnapshot).multipliers).toEqual([{ source: "tier", id: "tier_silver", name: "Silver", multiplier: 1.25, bp: 12_500 }]);
    expect((await status(shop, customerId)).current).toMatchObject({ id: "tier_gold", earn_multiplier: 1.5 });
    // The storefront's customer route names the tier too (the DESIGN contract).
    expect((await json(await call(await proxyUrl("/customer", { shop, customerId })))).customer).toMatchObject({ vip_tier: "Gold", next_tier: null });

    // Policy never: a refund of the whole order leaves them Gold.
    await refund(shop, gold, "400.00");
    expect(await customerAccount(env, shop, customerId).summary()).toMatchObject({ total_points_earned: 6_000, total_points_reversed: 5_000 });
    expect((await status(shop, customerId)).current.id).toBe("tier_gold");
    expect((await moves(shop, customerId)).at(-1)).toEqual(["tier_silver", "tier_gold", "qualified"]);
  });

  it("records one change for a redelivered or racing payment", async () => {
    const shop = await newShop("tier-repeat");
    const body = orderBody({ id: String(++nextId), customerId: "150", subtotal: "100.00" });
    const deliveries = await Promise.all([1, 2, 3].map(async () => call(await webhookRequest("orders/paid", shop, body))));
    expect(deliveries.map((r) => r.status)).toEqual([200, 200, 200]);
    await call(await webhookRequest("orders/paid", shop, body));
    expect(await moves(shop, "150")).toEqual([
      [null, "tier_bronze", "qualified"],
      ["tier_bronze", "tier_silver", "qualified"],
    ]);
  });

  it("re-evaluates after effects that do not evaluate tiers themselves (an adjustment, a signup bonus)", async () => {
    const shop = await newShop("tier-adjust");
    const customerId = "160";
    const signup = await call(await webhookRequest("customers/create", shop, customerBody({ id: customerId })));
    expect(signup.status).toBe(200);
    expect(await eventually(() => moves(shop, customerId), (m) => m.length === 1)).toEqual([[null, "tier_bronze", "qualified"]]);
    // The merchant can adjust once the customer's profile has reached Postgres (404 until then).
    const adjusted = await eventually(() => api(shop, "POST", `/customers/${customerId}/adjust`, { points: 800, reason: "goodwill" }), (r) => r.status !== 404);
    expect(adjusted.status).toBe(200);
    // 200 signup + 800: Silver, after the adjustment's own transaction.
    expect((await eventually(() => moves(shop, customerId), (m) => m.length === 2)).at(-1)).toEqual(["tier_bronze", "tier_silver", "qualified"]);
  });

  it("grace: spend refunded below the threshold keeps the tier grace_days, then the alarm drops it", async () => {
    const shop = await newShop("tier-grace", { basis: "spend", downgrade: "grace", grace_days: 30 });
    expect((await api(shop, "POST", "/vip-tiers", tier("Member", "0"))).status).toBe(201);
    const vip = (await json(await api(shop, "POST", "/vip-tiers", tier("VIP", "500.00", { earn_multiplier: 2 })))).tier;
    const customerId = "200";
    const order = await pay(shop, customerId, "500.00"); // exactly at the threshold
    expect((await status(shop, customerId)).current.id).toBe(vip.id);

    await refund(shop, order, "0.01");
    const kept = await status(shop, customerId);
    expect(kept).toMatchObject({ basis: "spend", current: { id: vip.id }, progress: { value: "499.99" }, next: null });
    const { below_since, wake_at } = await tierState(shop, customerId);
    expect(kept.keeps_until).toBe(new Date(below_since! + 30 * DAY).toISOString());
    expect(wake_at).toBe(below_since! + 30 * DAY);

    // 30 days pass: the object's alarm evaluates and the customer holds what they reach.
    await inAccount(shop, customerId, (s) => s.exec(`UPDATE tier_state SET below_since = below_since - ?, wake_at = ?`, 30 * DAY, Date.now() - 1));
    await runDurableObjectAlarm(customerAccount(env, shop, customerId));
    expect((await moves(shop, customerId)).at(-1)).toEqual([vip.id, expect.stringMatching(/^tier_/), "grace_ended"]);
    expect(await status(shop, customerId)).toMatchObject({ current: { name: "Member" }, next: { id: vip.id, remaining: "0.01" }, keeps_until: null });
  });

  it("period_end: kept until 1 January after falling below; a cancellation counts as falling below", async () => {
    const shop = await newShop("tier-period", { basis: "spend", period: "calendar_year", downgrade: "period_end" });
    await api(shop, "POST", "/vip-tiers", tier("Member", "0"));
    const vip = (await json(await api(shop, "POST", "/vip-tiers", tier("VIP", "250.00")))).tier;
    const customerId = "300";
    const order = await pay(shop, customerId, "300.00");
    expect((await status(shop, customerId)).current.id).toBe(vip.id);
    const cancelled = orderBody({ id: order, customerId, subtotal: "300.00", cancelled: true });
    expect((await call(await webhookRequest("orders/cancelled", shop, cancelled))).status).toBe(200);
    const now = new Date();
    const newYear = new Date(Date.UTC(now.getUTCFullYear() + 1, 0, 1)).toISOString();
    expect(await status(shop, customerId)).toMatchObject({ current: { id: vip.id }, progress: { value: "0.00" }, keeps_until: newYear });
    // The year ends (the clock moved back a year): the next read drops them.
    await inAccount(shop, customerId, (s) => s.exec(`UPDATE tier_state SET below_since = ?`, Date.UTC(now.getUTCFullYear() - 1, 5, 1)));
    expect((await status(shop, customerId)).current.name).toBe("Member");
    expect((await moves(shop, customerId)).at(-1)).toEqual([vip.id, expect.any(String), "period_ended"]);
  });

  it("rolling_12_months: an order placed 13 months ago does not count, one placed 11 months ago does", async () => {
    const shop = await newShop("tier-rolling", { basis: "spend", period: "rolling_12_months", downgrade: "grace" });
    await api(shop, "POST", "/vip-tiers", tier("Member", "0"));
    const vip = (await json(await api(shop, "POST", "/vip-tiers", tier("VIP", "100.00")))).tier;
    const customerId = "400";
    const monthsAgo = (m: number) => new Date(Date.now() - m * 30.5 * DAY).toISOString();
    await pay(shop, customerId, "150.00", monthsAgo(13));
    expect(await status(shop, customerId)).toMatchObject({ current: { name: "Member" }, progress: { value: "0.00" } });
    await pay(shop, customerId, "100.00", monthsAgo(11));
    const now = await status(shop, customerId);
    expect(now).toMatchObject({ current: { id: vip.id }, progress: { value: "100.00" } });
    // The object wakes when that order leaves the window.
    const placed = Date.parse(monthsAgo(11));
    const { wake_at } = await tierState(shop, customerId);
    expect(Math.abs(wake_at! - new Date(placed).setUTCFullYear(new Date(placed).getUTCFullYear() + 1))).toBeLessThan(60_000);
  });

  it("a disabled tier moves its members to the highest enabled tier below it; a raised threshold strands no one", async () => {
    const shop = await newShop("tier-removed");
    const customerId = "500";
    await pay(shop, customerId, "120.00"); // 1,200 points: Silver
    expect((await status(shop, customerId)).current.id).toBe("tier_silver");
    // Silver raised to 2,000: the customer is below it, and the policy (never) keeps it.
    await api(shop, "PUT", "/vip-tiers/tier_silver", tier("Silver", 2_000, { earn_multiplier: 1.25 }));
    expect((await status(shop, customerId)).current.id).toBe("tier_silver");
    await api(shop, "DELETE", "/vip-tiers/tier_silver");
    const after = await status(shop, customerId);
    expect(after).toMatchObject({ current: { id: "tier_bronze" }, next: { id: "tier_gold", remaining: 3_800 } });
    expect(after.tiers.map((t: any) => t.id)).toEqual(["tier_bronze", "tier_gold"]);
    expect((await moves(shop, customerId)).at(-1)).toEqual(["tier_silver", "tier_bronze", "tier_removed"]);
  });
});

describe("entry rewards", () => {
  it("issue the tier's reward code once, at 0 points, after the webhook is answered", async () => {
    const shop = await installedShop("tier-entry");
    const rewardId = `${shop}:default:1`; // $5 off, 500 points in the catalog
    const unknown = await api(shop, "POST", "/vip-tiers", tier("Nope", 2_000, { entry_reward_id: "no-such-reward" }));
    expect([unknown.status, (await json(unknown)).error.code]).toEqual([400, "entry_reward_invalid"]);
    const created = await api(shop, "POST", "/vip-tiers", tier("Welcome", 2_000, { entry_reward_id: rewardId }));
    expect(created.status).toBe(201);
    const welcome = (await json(created)).tier;
    expect(welcome.entry_reward_id).toBe(rewardId);

    const customerId = "900";
    await pay(shop, customerId, "200.00"); // 2,000 points at Bronze: Welcome after it counts
    const discounts = await eventually(() => listDiscounts(shop), (d) => d.length === 1);
    expect(discounts).toHaveLength(1);
    const { redemptions, transactions } = await eventually(() => history(shop, customerId), (h) => h.redemptions.some((r) => r.status === "issued"));
    expect(redemptions).toEqual([expect.objectContaining({ status: "issued", points: 0, discount_code: expect.stringMatching(/^LN-/) })]);
    expect(transactions.filter((t) => t.kind === "redemption").map((t) => t.points)).toEqual([0]);
    expect((await customerAccount(env, shop, customerId).summary()).points_balance).toBe(2_000);

    // Entering the same tier again (moved back below it by hand) issues nothing more.
    await inAccount(shop, customerId, (s) => s.exec(`UPDATE tier_state SET tier_id = 'tier_bronze', below_since = NULL`));
    await pay(shop, customerId, "1.00");
    expect((await moves(shop, customerId)).filter(([, to]) => to === welcome.id)).toHaveLength(2);
    await runDurableObjectAlarm(customerAccount(env, shop, customerId));
    expect(await listDiscounts(shop)).toHaveLength(1);
    expect(await inAccount(shop, customerId, (s) => s.exec(`SELECT tier_id, status, attempts FROM tier_entry_rewards`).toArray())).toEqual([
      { tier_id: welcome.id, status: "done", attempts: 0 },
    ]);
  });
});

describe("an entry reward Shopify refuses", () => {
  it("is tried again later under a new key, from the alarm, and issued once", async () => {
    const shop = await installedShop("tier-entry-retry");
    const welcome = (await json(await api(shop, "POST", "/vip-tiers", tier("Welcome", 2_000, { entry_reward_id: `${shop}:default:1` })))).tier;
    await injectFault(shop, { mode: "user_error", times: 1 });
    const customerId = "910";
    try {
      await pay(shop, customerId, "200.00");
      const entry = () => inAccount(shop, customerId, (s) => s.exec<{ status: string; attempts: number; due_at: number | null }>(`SELECT status, attempts, due_at FROM tier_entry_rewards`).toArray());
      const failedOnce = await eventually(entry, (rows) => rows[0]?.attempts === 1);
      expect(failedOnce).toEqual([{ status: "due", attempts: 1, due_at: expect.any(Number) }]);
      expect(await listDiscounts(shop)).toHaveLength(0);
      // Its minute has passed: the alarm tries again.
      await inAccount(shop, customerId, (s) => s.exec(`UPDATE tier_entry_rewards SET due_at = ?`, Date.now() - 1));
      await runDurableObjectAlarm(customerAccount(env, shop, customerId));
      expect(await entry()).toEqual([{ status: "done", attempts: 1, due_at: null }]);
      expect(await listDiscounts(shop)).toHaveLength(1);
      const { redemptions } = await history(shop, customerId);
      expect(redemptions.map((r) => [r.status, r.points])).toEqual([["issued", 0], ["failed", 0]]);
      expect((await moves(shop, customerId)).filter(([, to]) => to === welcome.id)).toHaveLength(1);
    } finally {
      await clearFaults(shop);
    }
  });
});

describe("GET /proxy/v1/api/vip-tiers/status", () => {
  it("answers in the shopper's language, falling back to English", async () => {
    const shop = await newShop("tier-status");
    await pay(shop, "600", "12.34"); // 123 points
    const es = await status(shop, "600", "es-MX");
    expect(es).toEqual({
      status: "ok",
      basis: "points",
      period: "lifetime",
      current: { id: "tier_bronze", name: "Bronce", perks: [], earn_multiplier: 1 },
      next: { id: "tier_silver", name: "Plata", threshold: 1_000, remaining: 877 },
      progress: { value: 123, period_start: null },
      keeps_until: null,
      tiers: [
        { id: "tier_bronze", name: "Bronce", threshold: 0, perks: [], earn_multiplier: 1 },
        { id: "tier_silver", name: "Plata", threshold: 1_000, perks: [], earn_multiplier: 1 },
        { id: "tier_gold", name: "Oro", threshold: 5_000, perks: [], earn_multiplier: 1 },
      ],
      error: null,
    });
    const en = await status(shop, "600", "ja");
    expect(en.tiers[1]).toMatchObject({ name: "Silver", perks: [] });
  });

  it("asks a signed-out shopper to sign in", async () => {
    const shop = await newShop("tier-anon");
    const response = await call(await proxyUrl("/vip-tiers/status", { shop, customerId: null }));
    expect([response.status, (await json(response)).error.code]).toEqual([401, "not_logged_in"]);
  });
});

describe("tier changes in Postgres", () => {
  it("each change the object records reaches tier_changes once", async () => {
    const shop = await newShop("tier-projection");
    const customerId = "700";
    await pay(shop, customerId, "500.00"); // 5,000 points: Bronze before the order counts, then Gold
    const recorded = await changes(shop, customerId);
    expect(recorded.map((c) => [c.from, c.to, c.reason, c.value])).toEqual([
      [null, "tier_bronze", "qualified", 0],
      ["tier_bronze", "tier_gold", "qualified", 5_000],
    ]);
    const rows = await eventually(
      () => sql<{ change_id: string; from_tier: string | null; to_tier: string; reason: string; value: string }[]>`
        SELECT change_id, from_tier, to_tier, reason, value FROM tier_changes WHERE shop = ${shop} AND customer_id = ${customerId} ORDER BY seq`,
      (r) => r.length === recorded.length,
    );
    expect(rows.map((r) => [r.change_id, r.from_tier, r.to_tier, r.reason, Number(r.value)])).toEqual(recorded.map((c) => [c.id, c.from, c.to, c.reason, c.value]));
  });
});
