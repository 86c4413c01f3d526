// The shop's currency: read from Shopify at install and set by Shopify's shop/update; GET
// /v1/api/settings answers it for the dashboard's money amounts (USD, marked not known, until
// Shopify has said), an older report arriving late does not undo a newer one, and a payload
// without a currency code is refused.
import { describe, expect, it } from "vitest";
import { call, install, json, merchantApi } from "../helpers/app";
import { sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";
import { clearFaults, emulatorRequests, injectFault, setShopifyCurrency } from "../helpers/shopify-emulator";

const shopBody = (shop: string, currency: unknown) => JSON.stringify({ id: 548380009, name: "Shop", myshopify_domain: shop, currency, money_format: "€{{amount}}" });

async function deliver(shop: string, currency: unknown, triggeredAt: Date) {
  const response = await call(await webhookRequest("shop/update", shop, shopBody(shop, currency), { "x-shopify-triggered-at": triggeredAt.toISOString() }));
  return { status: response.status, body: await json(response) };
}

const settingsCurrency = async (shop: string) => {
  const response = await merchantApi(shop, "GET", "/settings");
  expect(response.status).toBe(200);
  return (await json(response)).currency;
};

describe("the shop's currency", () => {
  it("is USD, marked as a default, until Shopify reports the shop's currency in shop/update", async () => {
    const shop = uniqueShop("currency");
    await install(shop);
    expect(await settingsCurrency(shop)).toEqual({ code: "USD", known: false });

    const now = Date.now();
    expect((await deliver(shop, "EUR", new Date(now))).status).toBe(200);
    expect(await settingsCurrency(shop)).toEqual({ code: "EUR", known: true });

    // A retry of an earlier change, arriving after: the newer report stays.
    const late = await deliver(shop, "GBP", new Date(now - 60_000));
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ outcome: "ignored", reason: "older_than_recorded" });
    expect(await settingsCurrency(shop)).toEqual({ code: "EUR", known: true });

    expect((await deliver(shop, "JPY", new Date(now + 1_000))).status).toBe(200);
    expect(await settingsCurrency(shop)).toEqual({ code: "JPY", known: true });
  });

  it("refuses a shop/update without a currency code, changing nothing", async () => {
    const shop = uniqueShop("badcurrency");
    await install(shop);
    for (const bad of ["euro", "", null, 978]) {
      const answer = await deliver(shop, bad, new Date());
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: "invalid_payload", message: expect.stringContaining("currency") });
    }
    expect(await settingsCurrency(shop)).toEqual({ code: "USD", known: false });
  });

  it("keeps each shop's currency its own", async () => {
    const [a, b] = [uniqueShop("cur-a"), uniqueShop("cur-b")];
    await install(a);
    await install(b);
    await deliver(a, "CAD", new Date());
    expect(await settingsCurrency(a)).toEqual({ code: "CAD", known: true });
    expect(await settingsCurrency(b)).toEqual({ code: "USD", known: false });
  });
});

describe("the shop's currency read from Shopify at install", () => {
  const exchange = async (shop: string) => {
    const response = await call(new Request("https://loyalnest.test/auth/token-exchange", { method: "POST", headers: { authorization: `Bearer ${await sessionToken(shop)}` } }));
    expect(response.status, await response.clone().text()).toBe(200);
  };
  const currencyReads = async (shop: string) => (await emulatorRequests(shop)).filter((r) => r.path.endsWith("/graphql.json") && r.operation === "shop").map((r) => r.status);

  it("is the store's own from the first screen, without waiting for a shop/update", async () => {
    const shop = uniqueShop("cur-install");
    await setShopifyCurrency(shop, "EUR");
    await exchange(shop);
    expect(await settingsCurrency(shop)).toEqual({ code: "EUR", known: true });
    expect(await currencyReads(shop)).toEqual([200]);

    // Known now: a later exchange (a token refresh by the dashboard, a reinstall) does not ask again.
    await exchange(shop);
    expect(await currencyReads(shop)).toEqual([200]);
  });

  it("loses to a shop/update Shopify sent after the read, and beats one sent before it", async () => {
    const shop = uniqueShop("cur-order");
    await setShopifyCurrency(shop, "EUR");
    const beforeInstall = new Date(Date.now() - 60_000);
    await exchange(shop);

    const stale = await deliver(shop, "GBP", beforeInstall); // a retry of a change from before the install
    expect(stale.body).toMatchObject({ outcome: "ignored", reason: "older_than_recorded" });
    expect(await settingsCurrency(shop)).toEqual({ code: "EUR", known: true });

    expect((await deliver(shop, "CHF", new Date(Date.now() + 1_000))).body).toMatchObject({ outcome: "recorded" });
    expect(await settingsCurrency(shop)).toEqual({ code: "CHF", known: true });
  });

  it("installs even when Shopify cannot say; the next exchange reads it", async () => {
    const shop = uniqueShop("cur-down");
    await setShopifyCurrency(shop, "JPY");
    await injectFault(shop, { mode: "http_500", operation: "shop", times: 0 });
    await exchange(shop);
    expect(await settingsCurrency(shop)).toEqual({ code: "USD", known: false });
    expect((await currencyReads(shop)).length).toBeGreaterThan(0);
    expect((await currencyReads(shop)).every((status) => status === 500)).toBe(true);

    await clearFaults(shop);
    await exchange(shop);
    expect(await settingsCurrency(shop)).toEqual({ code: "JPY", known: true });
  });
});
