// The dashboard API: session tokens, shop isolation, search over the Postgres projection.
import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectReporting } from "../../postgres/client";
import { call, eventually, install, json } from "../helpers/app";
import { customerBody, orderBody, sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";

const shopA = uniqueShop("merchant-a");
const shopB = uniqueShop("merchant-b");
const reportingSql = connectReporting(env);
afterAll(() => reportingSql.end({ timeout: 1 }));

async function get(path: string, token: string | null) {
  const response = await call(
    new Request(`https://loyalnest.test/v1/api${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } }),
  );
  return { status: response.status, body: await json(response) };
}

beforeAll(async () => {
  await install(shopA);
  await install(shopB);
  const people = [
    { id: "601", email: "Ada.Lovelace@example.com", firstName: "Ada", lastName: "Lovelace" },
    { id: "602", email: "grace@example.com", firstName: "Grace", lastName: "Hopper" },
    { id: "603", email: "alan@example.com", firstName: "Alan", lastName: "Turing" },
  ];
  for (const p of people) await call(await webhookRequest("customers/create", shopA, customerBody(p)));
  await call(await webhookRequest("orders/paid", shopA, orderBody({ id: "9601", customerId: "601", subtotal: "30.00" })));
  await call(await webhookRequest("customers/create", shopB, customerBody({ id: "901", email: "bob@example.com", firstName: "Bob" })));
  // The projection is filled by the ledger-events queue.
  await eventually(
    async () => (await get("/customers?search=601", await sessionToken(shopA))).body,
    (b) => b.customers?.[0]?.points_balance === 500,
  );
});

describe("session token", () => {
  it.each([
    ["no token", async () => null, "missing_session_token"],
    ["another app's audience", () => sessionToken(shopA, { aud: "someone-else" }), "wrong_audience"],
    ["an expired token", () => sessionToken(shopA, { exp: Math.floor(Date.now() / 1000) - 11 }), "expired"],
    ["a token not valid yet", () => sessionToken(shopA, { nbf: Math.floor(Date.now() / 1000) + 60 }), "not_yet_valid"],
    ["a token signed with another secret", () => sessionToken(shopA, {}, { secret: "forged" }), "invalid_signature"],
    ["alg none", () => sessionToken(shopA, {}, { alg: "none" }), "unsupported_algorithm"],
    ["an issuer of another shop", () => sessionToken(shopA, { iss: `https://${shopB}/admin` }), "issuer_mismatch"],
    ["a destination that is not a shop", () => sessionToken(shopA, { dest: "https://evil.example.com", iss: "https://evil.example.com/admin" }), "invalid_destination"],
    ["garbage", async () => "not.a.jwt", "unsupported_algorithm"],
  ])("refuses %s", async (_name, make, code) => {
    const response = await get("/customers", await make());
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe(code);
  });

  it("accepts a token within the 10 s leeway after expiry", async () => {
    const response = await get("/customers", await sessionToken(shopA, { exp: Math.floor(Date.now() / 1000) - 5 }));
    expect(response.status).toBe(200);
  });

  it("refuses a valid token for a shop that has not installed the app", async () => {
    expect((await get("/customers", await sessionToken("stranger.myshopify.com"))).status).toBe(403);
  });
});

describe("GET /v1/api/customers", () => {
  it("lists only the token's shop, with decrypted emails", async () => {
    const { body } = await get("/customers", await sessionToken(shopA));
    expect(body.status).toBe("ok");
    expect(body.total).toBe(3);
    expect(body.customers.map((c: { id: string }) => c.id).sort()).toEqual(["601", "602", "603"]);
    expect(body.customers.find((c: { id: string }) => c.id === "602").email).toBe("grace@example.com");
    const b = await get("/customers", await sessionToken(shopB));
    expect(b.body.customers.map((c: { id: string }) => c.id)).toEqual(["901"]);
  });

  it.each([
    ["an exact email, any case", "ADA.LOVELACE@example.com", ["601"]],
    ["a name fragment", "hop", ["602"]],
    ["a customer id", "603", ["603"]],
    ["a LIKE wildcard taken literally", "%", []],
    ["another shop's customer's email", "bob@example.com", []],
  ])("finds by %s", async (_name, search, ids) => {
    const { body } = await get(`/customers?search=${encodeURIComponent(search)}`, await sessionToken(shopA));
    expect(body.customers.map((c: { id: string }) => c.id)).toEqual(ids);
    expect(body.total).toBe(ids.length);
  });

  it("pages", async () => {
    const token = await sessionToken(shopA);
    const first = await get("/customers?per_page=2&page=1", token);
    const second = await get("/customers?per_page=2&page=2", token);
    expect(first.body.customers).toHaveLength(2);
    expect(second.body.customers).toHaveLength(1);
    expect(first.body.total).toBe(3);
  });

  it.each(["page=0", "per_page=1000", "page=abc", `search=${"x".repeat(201)}`])("answers 400 for %s", async (query) => {
    const { status, body } = await get(`/customers?${query}`, await sessionToken(shopA));
    expect(status).toBe(400);
    expect(body.error.code).toBe("invalid_request");
  });
});

describe("GET /v1/api/customers/:id", () => {
  it("answers the balance and ledger from the customer's account", async () => {
    const { body } = await get("/customers/601", await sessionToken(shopA));
    expect(body.customer).toMatchObject({ id: "601", email: "Ada.Lovelace@example.com", first_name: "Ada", points_balance: 500 });
    expect(body.transactions.map((t: { kind: string; points: number }) => [t.kind, t.points])).toEqual([
      ["earn", 300],
      ["signup", 200],
    ]);
    expect(body.transactions[0].snapshot).toMatchObject({ points_per_currency_unit: 10 });
  });

  it("never reads another shop's customer", async () => {
    const { status, body } = await get("/customers/901", await sessionToken(shopA));
    expect(status).toBe(404);
    expect(body.error.code).toBe("customer_not_found");
  });

  it("refuses an id that is not Shopify's numeric id", async () => {
    expect((await get("/customers/abc", await sessionToken(shopA))).status).toBe(400);
  });

  it("answers the email decrypted and never what is stored for it (ciphertext, blind index)", async () => {
    const { body } = await get("/customers/601", await sessionToken(shopA));
    const [stored] = await reportingSql<{ email_encrypted: string; email_blind_index: string }[]>`
      SELECT email_encrypted, email_blind_index FROM customers WHERE shop = ${shopA} AND customer_id = '601'`;
    expect(stored!.email_encrypted.length).toBeGreaterThan(20);
    const text = JSON.stringify(body);
    expect(text).toContain("Ada.Lovelace@example.com");
    expect(text).not.toContain(stored!.email_encrypted);
    expect(text).not.toContain(stored!.email_blind_index);
    const list = JSON.stringify((await get("/customers?search=ada", await sessionToken(shopA))).body);
    expect(list).toContain("Ada.Lovelace@example.com");
    expect(list).not.toContain(stored!.email_encrypted);
    expect(list).not.toContain(stored!.email_blind_index);
  });
});

describe("the total beside a page", () => {
  it("is the same on a page past the end", async () => {
    const { body } = await get("/customers?per_page=2&page=9", await sessionToken(shopA));
    expect(body).toMatchObject({ customers: [], total: 3 });
  });
});

describe("a name fragment matched by thousands", () => {
  // Seeded straight into the projection: 2,100 customers of a shop of their own named "Mira …".
  const crowded = uniqueShop("merchant-crowded");
  beforeAll(async () => {
    await install(crowded);
    await reportingSql`
      INSERT INTO customers (shop, customer_id, first_name, last_name, points_balance, total_points_earned, balance_seq, created_at)
      SELECT ${crowded}, (700000 + i)::text, 'Mira', 'Number ' || i, 0, 0, 0, now() - (i || ' minutes')::interval
      FROM generate_series(1, 2100) AS i`;
  });

  it("is counted up to a round thousand past the page, and says the count is a floor", async () => {
    const token = await sessionToken(crowded);
    const first = await get("/customers?search=mira&per_page=25", token);
    expect(first.body).toMatchObject({ total: 1000, total_exact: false });
    expect(first.body.customers.map((c: { id: string }) => c.id).slice(0, 2)).toEqual(["700001", "700002"]);
    // A page past the first thousand counts to the next thousand.
    const deep = await get("/customers?search=mira&per_page=25&page=41", token);
    expect(deep.body).toMatchObject({ total: 2000, total_exact: false });
    expect(deep.body.customers[0].id).toBe(String(700000 + 1001));
    // Past the last match the count is exact again.
    const last = await get("/customers?search=mira&per_page=250&page=9", token);
    expect(last.body).toMatchObject({ total: 2100, total_exact: true });
    expect(last.body.customers).toHaveLength(100);
  });

  it("counts the whole list exactly, and an exact fragment's few matches exactly", async () => {
    const token = await sessionToken(crowded);
    expect((await get("/customers?per_page=25", token)).body).toMatchObject({ total: 2100, total_exact: true });
    expect((await get("/customers?search=number%202099", token)).body).toMatchObject({ total: 1, total_exact: true });
  });
});
