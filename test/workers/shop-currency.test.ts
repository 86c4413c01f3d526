// The shop's currency: Shopify's shop/update sets it, GET /v1/api/settings answers it for the
// dashboard's money amounts (USD, marked not known, until Shopify has said), an older delivery
// arriving late does not undo a newer one, and a payload without a currency code is refused.
import { describe, expect, it } from "vitest";
import { call, install, json, merchantApi } from "../helpers/app";
import { uniqueShop, webhookRequest } from "../helpers/shopify";

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
