// The merchant's program API: the seed's shape, partial changes as new versions with who and
// when, stale edits refused, bad input named, and awards that keep the rules they used.
import { describe, expect, it } from "vitest";
import { accountState, call, eventually, install, json, merchantApi } from "../helpers/app";
import { inAccount } from "../helpers/redemption";
import { customerBody, orderBody, proxyUrl, refundBody, sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";

const api = (shop: string, method: string, path: string, body?: unknown, sub = "staff-1") => merchantApi(shop, method, path, body, sub);

async function newShop(label: string) {
  const shop = uniqueShop(label);
  await install(shop);
  return shop;
}

let nextId = 9_300_000_000;
const newId = () => String(nextId++);

/** Each ledger entry's snapshot, oldest first. */
const snapshots = (shop: string, customerId: string) =>
  inAccount(shop, customerId, (sql) =>
    sql.exec<{ snapshot: string | null }>(`SELECT snapshot FROM ledger ORDER BY seq`).toArray().map((row) => (row.snapshot ? JSON.parse(row.snapshot) : null)),
  );

async function deliver(shop: string, topic: string, body: string) {
  const response = await call(await webhookRequest(topic, shop, body));
  expect(response.status, await response.clone().text()).toBe(200);
  return json(response);
}

/** An order with shipping and tax beside its subtotal, as Shopify sends them. */
function orderWithExtras(o: { id: string; customerId: string; subtotal: string; shipping: string; tax: string; taxesIncluded?: boolean }) {
  return orderBody({ id: o.id, customerId: o.customerId, subtotal: o.subtotal }).replace(
    /"line_items":\[\]/,
    `"line_items":[],"total_shipping_price_set":{"shop_money":{"amount":"${o.shipping}","currency_code":"USD"},"presentment_money":{"amount":"${o.shipping}","currency_code":"USD"}},"total_tax":"${o.tax}","taxes_included":${o.taxesIncluded ?? false}`,
  );
}

describe("GET /v1/api/points-program", () => {
  it("answers the default program in the seed's shape", async () => {
    const shop = await newShop("program-default");
    const body = await json(await api(shop, "GET", "/points-program"));
    expect(body).toMatchObject({
      status: "ok",
      version: 1,
      config: {
        enabled: true,
        purchase: 10,
        signup: 200,
        newsletter: 100,
        review: 100,
        birthday: 200,
        referral: { referrer: 50, referee: 50 },
        earn_base: { include_shipping: false, include_tax: false },
        limits: { signup: { count: 1, period: "lifetime" }, birthday: { count: 1, period: "year" } },
        tiers: { basis: "points", period: "lifetime", downgrade: "never" },
      },
      branding: { points_currency_singular: "point", points_currency_plural: "points" },
      error: null,
    });
  });
});

describe("PUT /v1/api/points-program", () => {
  it("changes only what it names, as a new version with who and when", async () => {
    const shop = await newShop("program-put");
    const saved = await json(
      await api(shop, "PUT", "/points-program", {
        config: { purchase: 5, review: 0, limits: { review: { count: 2, period: "week" } }, goal_spend: { enabled: true, amount: "150.00" } },
        branding: { points_currency_singular: "star", points_currency_plural: "stars", translations: { fr: { singular: "étoile", plural: "étoiles" } } },
      }),
    );
    expect(saved).toMatchObject({
      version: 2,
      config: { purchase: 5, signup: 200, review: 0, limits: { review: { count: 2, period: "week" } }, goal_spend: { enabled: true, amount: "150.00", days: 30, points: 500 } },
      branding: { points_currency_singular: "star", points_currency_plural: "stars", translations: { fr: { singular: "étoile", plural: "étoiles" } } },
    });
    expect(await json(await api(shop, "GET", "/points-program"))).toMatchObject({ version: 2, config: { purchase: 5 } });
    await api(shop, "PUT", "/points-program", { config: { signup: 300 } }, "staff-2");

    const { versions } = await json(await api(shop, "GET", "/points-program/versions"));
    expect(versions.map((v: { version: number; created_by: string }) => [v.version, v.created_by])).toEqual([
      [3, "staff-2"],
      [2, "staff-1"],
      [1, "install"],
    ]);
    expect(versions[0].config).toMatchObject({ purchase: 5, signup: 300 });
    expect(versions[2].config).toMatchObject({ purchase: 10, signup: 200 });
    expect(Date.parse(versions[0].created_at)).toBeGreaterThan(Date.now() - 60_000);
    const older = await json(await api(shop, "GET", "/points-program/versions?limit=1&before=3"));
    expect(older.versions.map((v: { version: number }) => v.version)).toEqual([2]);
  });

  it("refuses a stale edit, and of two edits from the same version exactly one wins", async () => {
    const shop = await newShop("program-race");
    const answers = await Promise.all([
      api(shop, "PUT", "/points-program?expected_version=1", { config: { purchase: 7 } }),
      api(shop, "PUT", "/points-program?expected_version=1", { config: { purchase: 8 } }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const loser = await json(answers.find((r) => r.status === 409)!);
    expect(loser.error.code).toBe("version_conflict");
    const stale = await api(shop, "PUT", "/points-program?expected_version=1", { config: { purchase: 9 } });
    expect(stale.status).toBe(409);
    const { versions } = await json(await api(shop, "GET", "/points-program/versions"));
    expect(versions).toHaveLength(2);
  });

  it("names what is wrong with a bad change and saves nothing", async () => {
    const shop = await newShop("program-bad");
    const bad: [unknown, string][] = [
      [{ config: { purchase: -1 } }, "purchase"],
      [{ config: { purchse: 5 } }, "purchse"],
      [{ config: { limits: { review: { count: 1, period: "fortnight" } } } }, "period"],
      [{ config: { goal_spend: { amount: "ten" } } }, "amount"],
      [{ config: { social_follow: { myspace: 10 } } }, "myspace"],
      [{ config: { tiers: { grace_days: 0 } } }, "grace_days"],
      [{ branding: { points_currency_singular: "" } }, "points_currency_singular"],
      [{ config: { points_expiry: { mode: "after_earning", months: 0, reminder_days: null } } }, "months"],
    ];
    for (const [body, field] of bad) {
      const response = await api(shop, "PUT", "/points-program", body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify((await json(response)).error)).toContain(field);
    }
    expect((await json(await api(shop, "GET", "/points-program"))).version).toBe(1);
  });

  it("keeps each shop's program its own", async () => {
    const [a, b] = [await newShop("program-a"), await newShop("program-b")];
    await api(a, "PUT", "/points-program", { config: { purchase: 1 } });
    expect((await json(await api(b, "GET", "/points-program"))).config.purchase).toBe(10);
    expect((await json(await api(b, "GET", "/points-program/versions"))).versions).toHaveLength(1);
  });
});

describe("awards under a changing program", () => {
  it("records the version each award used; a refund after a rate change reverses the order's own share", async () => {
    const shop = await newShop("program-awards");
    const [customerId, orderId] = ["5101", newId()];
    await deliver(shop, "customers/create", customerBody({ id: customerId, email: "p@example.com" }));
    await deliver(shop, "orders/paid", orderBody({ id: orderId, customerId, subtotal: "20.00" }));
    await api(shop, "PUT", "/points-program", { config: { purchase: 50 } });
    const second = newId();
    await deliver(shop, "orders/paid", orderBody({ id: second, customerId, subtotal: "2.00" }));
    await deliver(shop, "refunds/create", refundBody({ id: newId(), orderId, lineSubtotals: ["10.00"] }));

    const state = await eventually(() => accountState(shop, customerId), (s) => s.ledger.length === 4);
    expect(state.ledger.map((e) => [e.kind, e.points])).toEqual([
      ["signup", 200],
      ["earn", 200],
      ["earn", 100],
      ["reversal", -100],
    ]);
    expect((await snapshots(shop, customerId)).map((snapshot) => snapshot?.program_version ?? null)).toEqual([1, 1, 2, 1]); // the reversal carries its order's snapshot
    expect(state.balance).toBe(400);
  });

  it("earns on shipping and tax only when the merchant includes them, and refunds stay shares of the subtotal", async () => {
    const shop = await newShop("program-base");
    const customerId = "5102";
    await deliver(shop, "orders/paid", orderWithExtras({ id: newId(), customerId, subtotal: "20.00", shipping: "5.00", tax: "2.00" }));
    await api(shop, "PUT", "/points-program", { config: { earn_base: { include_shipping: true, include_tax: true } } });
    const order = newId();
    await deliver(shop, "orders/paid", orderWithExtras({ id: order, customerId, subtotal: "20.00", shipping: "5.00", tax: "2.00" }));
    await deliver(shop, "orders/paid", orderWithExtras({ id: newId(), customerId, subtotal: "20.00", shipping: "5.00", tax: "2.00", taxesIncluded: true }));
    await deliver(shop, "refunds/create", refundBody({ id: newId(), orderId: order, lineSubtotals: ["20.00"] }));

    const state = await eventually(() => accountState(shop, customerId), (s) => s.ledger.length === 4);
    expect(state.ledger.map((e) => e.points)).toEqual([200, 270, 250, -270]);
    expect((await snapshots(shop, customerId))[1]).toMatchObject({ base_mills: 27_000, program_version: 2 });
  });

  it("earns nothing while the program is off, and the signup bonus follows its rule", async () => {
    const shop = await newShop("program-off");
    await api(shop, "PUT", "/points-program", { config: { enabled: false } });
    const off = await deliver(shop, "orders/paid", orderBody({ id: newId(), customerId: "5103", subtotal: "30.00" }));
    expect(off).toMatchObject({ outcome: "recorded", points: 0 });
    await api(shop, "PUT", "/points-program", { config: { enabled: true, signup: 0 } });
    expect(await deliver(shop, "customers/create", customerBody({ id: "5104" }))).toMatchObject({ points: 0 });
    expect((await accountState(shop, "5104")).balance).toBe(0);
  });
});

describe("the storefront's view of the program", () => {
  const widgetConfig = async (shop: string, locale?: string) =>
    json(await call(await proxyUrl("/widget/config", { shop, customerId: null, extra: locale ? { locale } : {} })));

  it("lists the ways to earn that are offered, with the points currency's name in the shopper's language", async () => {
    const shop = await newShop("program-widget");
    const before = await widgetConfig(shop);
    expect(before.program).toEqual({ enabled: true, currency: { singular: "point", plural: "points" } });
    expect(before.ways_to_earn.map((w: { action: string; network?: string }) => w.network ?? w.action)).toEqual([
      "purchase", "signup", "newsletter", "review", "birthday", "instagram", "facebook",
    ]);

    await api(shop, "PUT", "/points-program", {
      config: { purchase: 3, newsletter: 0, social_follow: { tiktok: 25 }, goal_spend: { enabled: true, amount: "150.00", days: 14, points: 400 } },
      branding: { points_currency_singular: "star", points_currency_plural: "stars", translations: { fr: { singular: "étoile", plural: "étoiles" } } },
    });
    const after = await widgetConfig(shop, "fr-CA");
    expect(after.program.currency).toEqual({ singular: "étoile", plural: "étoiles" });
    expect((await widgetConfig(shop, "es")).program.currency).toEqual({ singular: "star", plural: "stars" });
    expect(after.ways_to_earn).toEqual([
      { action: "purchase", points: 3 },
      { action: "signup", points: 200, limit: { count: 1, period: "lifetime" } },
      { action: "review", points: 100, limit: { count: 5, period: "month" } },
      { action: "birthday", points: 200, limit: { count: 1, period: "year" } },
      { action: "social_follow", network: "tiktok", points: 25, limit: { count: 1, period: "lifetime" } },
      { action: "goal_spend", points: 400, amount: "150.00", days: 14, limit: { count: 1, period: "month" } },
    ]);

    await api(shop, "PUT", "/points-program", { config: { enabled: false } });
    expect(await widgetConfig(shop)).toMatchObject({ program: { enabled: false }, ways_to_earn: [] });
  });
});
