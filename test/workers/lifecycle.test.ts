// Uninstall and reinstall never drop points: a stale app/uninstalled changes nothing, a
// reinstall records its time, and what arrived while the shop was away is applied on return.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { processInboxEntry } from "../../queues/ingest";
import { customerAccount } from "../../durable-objects/stubs";
import { accountState, call, eventually, install, json, merchantApi } from "../helpers/app";
import { redeem, rewardOfType } from "../helpers/redemption";
import { installedShop } from "../helpers/shopify-emulator";
import { customerBody, orderBody, proxyUrl, refundBody, sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";

let nextId = 6_100_000_000_000_000_000n;
const newId = () => String(nextId++);

async function deliver(shop: string, topic: string, body: string, headers: Record<string, string | null> = {}) {
  const response = await call(await webhookRequest(topic, shop, body, headers));
  return { status: response.status, body: await json(response) };
}

const shopRow = (shop: string) =>
  env.DB.prepare(`SELECT status, installed_at, install_confirmed_at, uninstalled_at FROM shops WHERE domain = ?`)
    .bind(shop)
    .first<{ status: string; installed_at: number; install_confirmed_at: number; uninstalled_at: number | null }>();

const inboxRow = (shop: string, topic: string) =>
  env.DB.prepare(`SELECT id, status, last_error FROM webhook_inbox WHERE shop = ? AND topic = ? ORDER BY id DESC`)
    .bind(shop, topic)
    .first<{ id: number; status: string; last_error: string | null }>();

const uninstallBody = (shop: string) => JSON.stringify({ id: 548380009, name: "Shop", myshopify_domain: shop, domain: "www.example.com", email: "owner@example.com" });

describe("app/uninstalled against the latest installation", () => {
  it("ignores an uninstall Shopify triggered before the shop's latest install, which stays installed", async () => {
    const shop = uniqueShop("stale");
    await install(shop);
    const installed = await shopRow(shop);
    const anHourBefore = new Date(installed!.install_confirmed_at - 3_600_000).toISOString();
    const response = await deliver(shop, "app/uninstalled", uninstallBody(shop), { "x-shopify-triggered-at": anHourBefore });
    expect(response.body).toMatchObject({ outcome: "queued" });
    const row = await eventually(() => inboxRow(shop, "app/uninstalled"), (r) => r?.status === "processed");
    expect(row?.status).toBe("processed");
    expect(await shopRow(shop)).toMatchObject({ status: "installed", uninstalled_at: null });
    // The sweeper re-driving it (or Shopify retrying it) changes nothing either.
    expect(await processInboxEntry(env, row!.id)).toBe("gone");
    const retried = await deliver(shop, "app/uninstalled", uninstallBody(shop), { "x-shopify-triggered-at": anHourBefore });
    expect(retried.status).toBe(200);
    await eventually(() => inboxRow(shop, "app/uninstalled"), (r) => r?.status === "processed");
    expect((await shopRow(shop))?.status).toBe("installed");
  });

  it("applies an uninstall triggered after the latest install", async () => {
    const shop = uniqueShop("leaves");
    await install(shop);
    await deliver(shop, "app/uninstalled", uninstallBody(shop), { "x-shopify-triggered-at": new Date(Date.now() + 1_000).toISOString() });
    const row = await eventually(() => shopRow(shop), (r) => r?.status === "uninstalled");
    expect(row).toMatchObject({ status: "uninstalled", uninstalled_at: expect.any(Number) });
  });

  it("takes the first arrival as the trigger time when Shopify sent none, so a delivery received before a reinstall stays stale", async () => {
    const shop = uniqueShop("noheader");
    await install(shop);
    // Arrives and is recorded, but its processing is lost until after the merchant reinstalls.
    const { recordInbox } = await import("../../d1/inbox");
    const { id } = await recordInbox(env, {
      shop,
      topic: "app/uninstalled",
      deliveryId: `late-${crypto.randomUUID()}`,
      body: uninstallBody(shop),
      orderGid: null,
      triggeredAt: null,
    }, Date.now() - 60_000);
    await install(shop);
    expect(await processInboxEntry(env, id)).toBe("processed");
    expect((await shopRow(shop))?.status).toBe("installed");
  });
});

describe("uninstall, orders while away, reinstall", () => {
  it("keeps what arrived while the shop was uninstalled and applies it on reinstall, once", async () => {
    const shop = uniqueShop("returns");
    const customerId = "61001";
    await install(shop);
    expect((await deliver(shop, "orders/paid", orderBody({ id: newId(), customerId, subtotal: "10.00" }))).body).toMatchObject({ points: 100 });

    await deliver(shop, "app/uninstalled", uninstallBody(shop), { "x-shopify-triggered-at": new Date(Date.now() + 1_000).toISOString() });
    const gone = await eventually(() => shopRow(shop), (r) => r?.status === "uninstalled");
    expect(gone?.status).toBe("uninstalled");

    const whileAway = orderBody({ id: newId(), customerId, subtotal: "20.00" });
    expect((await deliver(shop, "orders/paid", whileAway)).body).toMatchObject({ outcome: "queued", reason: "shop_not_installed" });
    expect((await accountState(shop, customerId)).balance).toBe(100);
    // The sweeper's re-drive while still away parks it again; nothing is applied.
    const parked = await inboxRow(shop, "orders/paid");
    expect(await processInboxEntry(env, parked!.id)).toBe("parked");
    expect((await accountState(shop, customerId)).balance).toBe(100);

    await new Promise((r) => setTimeout(r, 5));
    await install(shop);
    const back = await shopRow(shop);
    expect(back).toMatchObject({ status: "installed", uninstalled_at: null });
    expect(back!.installed_at).toBeGreaterThan(gone!.installed_at);

    const applied = await eventually(() => accountState(shop, customerId), (s) => s.balance === 300);
    expect(applied.balance).toBe(300);
    expect((await eventually(() => inboxRow(shop, "orders/paid"), (r) => r?.status === "processed"))?.status).toBe("processed");
    // Shopify's retry of the same delivery after the fact: still one award.
    await deliver(shop, "orders/paid", whileAway);
    expect((await accountState(shop, customerId)).ledger.filter((e) => e.kind === "earn")).toHaveLength(2);
  });
});

describe("while uninstalled: the storefront and the dashboard say so", () => {
  it("answers 403 shop_not_installed in the envelope on the widget's config, the customer and the merchant API", async () => {
    const shop = await installedShop("away");
    await uninstall(shop);
    for (const path of ["/widget/config", "/customer", "/vip-tiers/status"]) {
      const response = await call(await proxyUrl(path, { shop, customerId: "61001" }));
      expect(response.status, path).toBe(403);
      expect(await json(response)).toEqual({ status: "error", error: { code: "shop_not_installed", message: expect.stringContaining("not installed") } });
    }
    const merchant = await merchantApi(shop, "GET", "/settings");
    expect(merchant.status).toBe(403);
    expect((await json(merchant)).error.code).toBe("shop_not_installed");
  });
});

describe("a reinstall within the retention restores the program and every balance", () => {
  // Several customers with earned, redeemed and adjusted points; orders, a refund, a
  // cancellation and a signup arrive while the app is uninstalled and apply on reinstall.
  it("keeps settings, rewards, tiers, campaigns and balances, and applies what arrived while away, once", async () => {
    const shop = await installedShop("comeback");
    const ok = async (method: string, path: string, body?: unknown, status = 200) => {
      const response = await merchantApi(shop, method, path, body, OWNER);
      expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBe(status);
      return json(response);
    };

    // The merchant's program, different from every default.
    await ok("PUT", "/points-program", { config: { purchase: 20, signup: 300 } });
    await ok("PUT", "/settings", {
      store_name: "Comeback Co",
      languages: ["en", "fr"],
      default_language: "fr",
      branding: { primary_color: "#223344", launcher_position: "bottom-left", launcher_label: { fr: "Fidélité" } },
      staff_roles: { [OWNER]: "owner", "2002": "viewer" },
    });
    const defaults = (await ok("GET", "/rewards")).rewards as { reward_id: string; type: string }[];
    await ok("DELETE", `/rewards/${defaults.find((r) => r.type === "free_product")!.reward_id}`);
    await ok("POST", "/rewards", { type: "percentage", points_cost: 800, value: "10", translations: { en: { title: "10% off" } } }, 201);
    await ok("DELETE", "/vip-tiers/tier_gold");
    await ok("POST", "/vip-tiers", { translations: { en: { name: "Platinum", perks: ["Early access"] } }, threshold: 20_000, earn_multiplier: 2 }, 201);
    await ok(
      "POST",
      "/campaigns",
      {
        kind: "multiplier",
        translations: { en: { name: "Spring double" } },
        starts_at: new Date(Date.now() + 10 * 86_400_000).toISOString(),
        ends_at: null,
        multiplier: 2,
        stackable: false,
      },
      201,
    );
    const program = await readProgram(shop);

    // Customers: A earns; B earns and redeems; C earns and is adjusted up and down; D signs up.
    const [A, B, C, D, E] = ["62001", "62002", "62003", "62004", "62005"];
    await expectApplied(shop, "orders/paid", orderBody({ id: newId(), customerId: A, subtotal: "10.00" }));
    const orderB = newId();
    await expectApplied(shop, "orders/paid", orderBody({ id: orderB, customerId: B, subtotal: "50.00" }));
    const orderC = newId();
    await expectApplied(shop, "orders/paid", orderBody({ id: orderC, customerId: C, subtotal: "30.00" }));
    await expectApplied(shop, "customers/create", customerBody({ id: D, email: "d@example.com" }));
    const fiveOff = await rewardOfType(shop, "fixed_amount");
    const redeemed = await redeem(shop, B, { reward_id: fiveOff.reward_id });
    expect(redeemed.status, await redeemed.clone().text()).toBe(200);
    expect((await json(redeemed)).discount_code).toMatch(/^LN-/);
    for (const points of [250, -100]) {
      const key = crypto.randomUUID();
      const adjust = async () =>
        call(
          new Request(`https://loyalnest.test/v1/api/customers/${C}/adjust`, {
            method: "POST",
            headers: { authorization: `Bearer ${await sessionToken(shop, { sub: OWNER })}`, "content-type": "application/json", "idempotency-key": key },
            body: JSON.stringify({ points, reason: "goodwill" }),
          }),
        );
      // 404 until the projection knows the customer (nothing applied then); the key makes it one adjustment.
      const adjusted = await eventually(adjust, (r) => r.status !== 404);
      expect(adjusted.status, await adjusted.clone().text()).toBe(200);
    }
    const before = await summaries(shop, [A, B, C, D, E]);
    expect(before.map((s) => s.points_balance)).toEqual([200, 1000 - 500, 600 + 250 - 100, 300, 0]);
    expect(before[1]).toMatchObject({ total_points_earned: 1000, total_points_redeemed: 500 });
    // B's order must be in the order index before a refund of it can be placed.
    await eventually(() => orderIndexed(shop, orderB), Boolean);
    await eventually(() => orderIndexed(shop, orderC), Boolean);

    await uninstall(shop);

    // While away: each is kept, parked, and changes nothing.
    const whileAway: [string, string][] = [
      ["orders/paid", orderBody({ id: newId(), customerId: A, subtotal: "5.00" })],
      ["refunds/create", refundBody({ id: newId(), orderId: orderB, lineSubtotals: ["20.00"] })],
      ["orders/cancelled", orderBody({ id: orderC, customerId: C, subtotal: "30.00", cancelled: true })],
      ["customers/create", customerBody({ id: E, email: "e@example.com" })],
    ];
    for (const [topic, body] of whileAway) {
      const answer = await deliver(shop, topic, body);
      expect(answer.status, topic).toBe(200);
      expect(answer.body, topic).toMatchObject({ outcome: "queued", reason: "shop_not_installed" });
    }
    expect(await summaries(shop, [A, B, C, D, E])).toEqual(before);

    // Reinstalled (a token exchange, as Shopify's embedded app does on open).
    await new Promise((r) => setTimeout(r, 5));
    await exchangeToken(shop);
    expect((await shopRow(shop))?.status).toBe("installed");

    expect(await readProgram(shop)).toEqual(program);
    const expected = [200 + 100, 500 - 400, 750 - 600, 300, 300];
    const after = await eventually(
      () => summaries(shop, [A, B, C, D, E]),
      (s) => s.every((one, i) => one.points_balance === expected[i]),
    );
    expect(after.map((s) => s.points_balance)).toEqual(expected);
    expect(after[1]).toMatchObject({ total_points_earned: 1000, total_points_redeemed: 500, total_points_reversed: 400 });
    // C: the cancellation (600) and the negative adjustment (100).
    expect(after[2]).toMatchObject({ total_points_reversed: 700 });
    for (const customer of [A, B, C, D, E]) {
      const state = await accountState(shop, customer);
      expect(state.ledgerSum, customer).toBe(state.balance);
    }
    // The storefront answers again, with the shop's settings.
    const config = await json(await call(await proxyUrl("/widget/config", { shop, customerId: B, extra: { locale: "es" } })));
    expect(config).toMatchObject({ language: "fr", store_name: "Comeback Co", branding: { launcher_label: "Fidélité", launcher_position: "bottom-left" } });
    const customer = await json(await call(await proxyUrl("/customer", { shop, customerId: B })));
    expect(customer.customer.points_balance).toBe(100);
    // Every parked delivery processed once; Shopify retrying them now changes nothing.
    for (const [topic, body] of whileAway) await deliver(shop, topic, body);
    const settled = await eventually(
      () => summaries(shop, [A, B, C, D, E]),
      (s) => s.every((one, i) => one.points_balance === expected[i]),
    );
    expect(settled).toEqual(after);
    // The staff roles came back too: the viewer is still a viewer.
    expect((await merchantApi(shop, "PUT", "/settings", { store_name: "Mine" }, "2002")).status).toBe(403);
  });
});

const OWNER = "2001";

async function uninstall(shop: string) {
  await deliver(shop, "app/uninstalled", uninstallBody(shop), { "x-shopify-triggered-at": new Date().toISOString() });
  const row = await eventually(() => shopRow(shop), (r) => r?.status === "uninstalled");
  expect(row?.status).toBe("uninstalled");
}

async function exchangeToken(shop: string) {
  const response = await call(new Request("https://loyalnest.test/auth/token-exchange", { method: "POST", headers: { authorization: `Bearer ${await sessionToken(shop)}` } }));
  expect(response.status).toBe(200);
}

async function expectApplied(shop: string, topic: string, body: string) {
  const answer = await deliver(shop, topic, body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.outcome, JSON.stringify(answer.body)).toBe("applied");
}

/** What the merchant set up, as the dashboard reads it. */
async function readProgram(shop: string) {
  const read = async (path: string) => {
    const response = await merchantApi(shop, "GET", path, undefined, OWNER);
    expect(response.status, path).toBe(200);
    // Not configuration: who asks, this month's plan usage (the orders below count in it), and
    // when the storefront last loaded the widget (the storefront calls below set it, after their answer).
    const { you: _you, usage: _usage, widget_seen_at: _seen, ...body } = await json(response);
    return body;
  };
  return {
    program: await read("/points-program"),
    settings: await read("/settings"),
    rewards: await read("/rewards"),
    tiers: await read("/vip-tiers"),
    campaigns: await read("/campaigns"),
  };
}

function summaries(shop: string, customers: string[]) {
  return Promise.all(customers.map((id) => customerAccount(env, shop, id).summary()));
}

const orderIndexed = (shop: string, orderId: string) =>
  env.DB.prepare(`SELECT 1 AS found FROM order_index WHERE shop = ? AND order_gid = ?`).bind(shop, `gid://shopify/Order/${orderId}`).first();
