// The Pages dashboard's origin, and only it, may read /v1/api answers from another origin.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, install, merchantApi } from "../helpers/app";
import { sessionToken, uniqueShop } from "../helpers/shopify";

const DASHBOARD = env.DASHBOARD_ORIGIN;

function preflight(origin: string, path = "/v1/api/points-program", method = "PUT"): Promise<Response> {
  return call(
    new Request(`https://loyalnest.test${path}`, {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "authorization, content-type, idempotency-key" },
    }),
  );
}

describe("CORS for the dashboard on its own origin", () => {
  it("is configured (a production origin, not empty)", () => {
    expect(DASHBOARD).toMatch(/^https:\/\/[^/]+$/);
  });

  it("a preflight from the dashboard's origin is allowed with the headers the app sends", async () => {
    const response = await preflight(DASHBOARD);
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    expect(response.headers.get("access-control-allow-methods")).toContain("PUT");
    expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("idempotency-key");
  });

  it("another origin gets no CORS grant, so its pages cannot read the answers", async () => {
    for (const origin of ["https://evil.example", `${DASHBOARD}.evil.example`, "null"]) {
      const response = await preflight(origin);
      expect(response.headers.get("access-control-allow-origin"), origin).toBeNull();
    }
  });

  it("an authenticated call from the dashboard's origin carries the grant; the token still decides", async () => {
    const shop = uniqueShop("cors");
    await install(shop);
    const allowed = await call(new Request("https://loyalnest.test/v1/api/points-program", { headers: { Origin: DASHBOARD, Authorization: `Bearer ${await sessionToken(shop)}` } }));
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    const anonymous = await call(new Request("https://loyalnest.test/v1/api/points-program", { headers: { Origin: DASHBOARD } }));
    expect(anonymous.status).toBe(401);
    expect((await merchantApi(shop, "GET", "/points-program")).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets the dashboard install its shop (POST /auth/token-exchange) and no other origin", async () => {
    const allowed = await preflight(DASHBOARD, "/auth/token-exchange", "POST");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    expect(allowed.headers.get("access-control-allow-methods")).toContain("POST");
    expect((await preflight("https://evil.example", "/auth/token-exchange", "POST")).headers.get("access-control-allow-origin")).toBeNull();
  });
});
