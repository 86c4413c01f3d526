// A missing or empty required setting: one clear 503 naming it on every route, never a 500.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../workers/app";
import { configurationProblems } from "../../workers/http/require-config";
import { json } from "../helpers/app";
import { proxyUrl, sessionToken, uniqueShop, webhookRequest } from "../helpers/shopify";

async function callWith(vars: Partial<Env>, request: Request) {
  const ctx = createExecutionContext();
  const response = await app.fetch(request, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: response.status, body: await json(response) };
}

const get = (path: string) => new Request(`https://loyalnest.test${path}`);
const key31 = btoa("x".repeat(31));

describe("required settings", () => {
  it("answers 503 missing_configuration naming an empty SHOPIFY_API_SECRET on every surface", async () => {
    const shop = uniqueShop("config");
    const requests = [
      new Request(await proxyUrl("/customer", { shop, customerId: "1001" })),
      await webhookRequest("orders/paid", shop, JSON.stringify({ id: 1 })),
      new Request("https://loyalnest.test/v1/api/customers", { headers: { authorization: `Bearer ${await sessionToken(shop)}` } }),
      new Request("https://loyalnest.test/auth/token-exchange", { method: "POST" }),
      get("/openapi.json"),
      get("/no/such/route"),
    ];
    for (const request of requests) {
      const { status, body } = await callWith({ SHOPIFY_API_SECRET: "" }, request);
      expect({ path: new URL(request.url).pathname, status }).toEqual({ path: new URL(request.url).pathname, status: 503 });
      expect(body).toEqual({
        status: "error",
        error: { code: "missing_configuration", message: expect.stringContaining("SHOPIFY_API_SECRET is missing or empty") },
      });
    }
  });

  it("reports not ready on GET /health with the same message", async () => {
    const { status, body } = await callWith({ SHOPIFY_API_KEY: " ", ENCRYPTION_KEY: undefined }, get("/health"));
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "error", ready: false, error: { code: "missing_configuration" } });
    expect(body.error.message).toContain("SHOPIFY_API_KEY is missing or empty");
    expect(body.error.message).toContain("ENCRYPTION_KEY is missing or empty");
    expect(body.error.message).not.toContain("SHOPIFY_API_SECRET");
  });

  it("requires ENCRYPTION_KEY to decode to 32 bytes", async () => {
    for (const bad of [key31, "not base64!", btoa("x".repeat(33))]) {
      const { status, body } = await callWith({ ENCRYPTION_KEY: bad }, get("/health"));
      expect(status).toBe(503);
      expect(body.error.message).toContain("ENCRYPTION_KEY must be 32 bytes, base64-encoded");
    }
    expect(configurationProblems({ ...env, ENCRYPTION_KEY: btoa("x".repeat(32)) })).toEqual([]);
  });

  it("serves normally when every setting is there", async () => {
    const { status, body } = await callWith({}, get("/health"));
    expect(status).toBe(200);
    expect(body).toEqual({ status: "ok", error: null });
  });

  it("decides once per env object, not per request", async () => {
    const vars = { ...env, SHOPIFY_API_SECRET: "" };
    const first = await app.fetch(get("/health"), vars, createExecutionContext());
    expect(first.status).toBe(503);
    vars.SHOPIFY_API_SECRET = "set-afterwards";
    const second = await app.fetch(get("/health"), vars, createExecutionContext());
    expect(second.status).toBe(503);
    const fresh = await app.fetch(get("/health"), { ...vars }, createExecutionContext());
    expect(fresh.status).toBe(200);
  });
});
