// GET /v1/api/customers/:id/tier: the profile's tier, evaluated by the customer's object, moving
// with the balance; unknown ids and other shops' customers answer 404 without an object made.
import { beforeAll, describe, expect, it } from "vitest";
import { call, eventually, install, json } from "../helpers/app";
import { customerBody, sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";

const shop = uniqueShop("cust-tier");
const otherShop = uniqueShop("cust-tier-other");
const customerId = "9200001";

async function get(path: string, asShop = shop) {
  return call(new Request(`https://loyalnest.test/v1/api${path}`, { headers: { authorization: `Bearer ${await sessionToken(asShop)}` } }));
}

beforeAll(async () => {
  await install(shop);
  await install(otherShop);
  await call(await webhookRequest("customers/create", shop, customerBody({ id: customerId, email: "tier@example.com" })));
  await eventually(async () => (await get(`/customers/${customerId}`)).status, (status) => status === 200);
});

describe("GET /v1/api/customers/:id/tier", () => {
  it("names the default tier the signup bonus reaches, and the next one after an adjustment", async () => {
    const first = await get(`/customers/${customerId}/tier`);
    expect(first.status).toBe(200);
    expect(await json(first)).toMatchObject({ status: "ok", standing: { basis: "points", tier: { id: "tier_bronze", name: "Bronze" }, value: 200 } });
    const adjusted = await call(
      new Request(`https://loyalnest.test/v1/api/customers/${customerId}/adjust`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${await sessionToken(shop)}`, "idempotency-key": crypto.randomUUID() },
        body: JSON.stringify({ points: 900, reason: "VIP welcome" }),
      }),
    );
    expect(adjusted.status).toBe(200);
    expect(await json(await get(`/customers/${customerId}/tier`))).toMatchObject({ standing: { tier: { id: "tier_silver", name: "Silver" }, value: 1100 } });
  });

  it("answers 404 for an id this shop does not have (another shop's customer included) and 400 for a non-numeric id", async () => {
    expect(await json(await get(`/customers/9299999/tier`))).toMatchObject({ status: "error", error: { code: "customer_not_found" } });
    const foreign = await get(`/customers/${customerId}/tier`, otherShop);
    expect(foreign.status).toBe(404);
    expect((await get(`/customers/abc/tier`)).status).toBe(400);
  });
});
