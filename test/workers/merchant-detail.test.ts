// GET /v1/api/customers/:id must not create a customer object for an id nobody has: the
// projection is asked first. With Postgres down, balances still come from the object.
import { createExecutionContext, env, listDurableObjectIds, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../workers/app";
import { call, eventually, install, json } from "../helpers/app";
import { customerBody, sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";

const shop = uniqueShop("detail");

function detail(id: string, token: string) {
  return new Request(`https://loyalnest.test/v1/api/customers/${id}`, { headers: { authorization: `Bearer ${token}` } });
}

beforeAll(async () => {
  await install(shop);
  await call(await webhookRequest("customers/create", shop, customerBody({ id: "801", email: "known@example.com", firstName: "Known" })));
  const token = await sessionToken(shop);
  await eventually(
    async () => (await call(detail("801", token))).status,
    (status) => status === 200,
  );
});

describe("unknown ids", () => {
  it("answers 404 for 50 random ids and creates no object for any of them", async () => {
    const token = await sessionToken(shop);
    const before = (await listDurableObjectIds(env.CUSTOMER_ACCOUNT)).map((id) => id.toString()).sort();
    for (let i = 0; i < 50; i++) {
      const id = String(1_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
      const response = await call(detail(id, token));
      expect(response.status).toBe(404);
      expect(await json(response)).toMatchObject({ status: "error", error: { code: "customer_not_found" } });
    }
    const after = (await listDurableObjectIds(env.CUSTOMER_ACCOUNT)).map((id) => id.toString()).sort();
    expect(after).toEqual(before);
  });

  it("still answers a known customer from their object, with the projection's profile", async () => {
    const response = await call(detail("801", await sessionToken(shop)));
    expect(response.status).toBe(200);
    expect((await json(response)).customer).toMatchObject({ id: "801", email: "known@example.com", first_name: "Known", points_balance: 200 });
  });
});

describe("with Postgres down", () => {
  const down = () => ({ ...env, HYPERDRIVE: { ...env.HYPERDRIVE, connectionString: env.UNREACHABLE_PG_URL } }) as Env;

  async function send(id: string) {
    const ctx = createExecutionContext();
    const response = await app.fetch(detail(id, await sessionToken(shop)), down(), ctx);
    await waitOnExecutionContext(ctx);
    return response;
  }

  it("answers the balance from the customer's object, without the profile", async () => {
    const response = await send("801");
    expect(response.status).toBe(200);
    expect((await json(response)).customer).toMatchObject({ id: "801", email: null, first_name: null, points_balance: 200 });
  });

  it("answers 404 for an id whose object holds nothing", async () => {
    const response = await send("555000111");
    expect(response.status).toBe(404);
  });
});
