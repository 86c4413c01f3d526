// Rate limits on the storefront and merchant surfaces: 429 in the envelope with Retry-After,
// counted per verified customer / user and per shop. The first tests go through the Worker and
// the real rate-limiting binding (miniflare implements it locally with wall-clock windows);
// the last ones drive the middleware with a local limiter to show the per-shop rule.
import { env } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import wranglerToml from "../../wrangler.toml?raw";
import { RATE_LIMITS, type RateLimitRule } from "../../core/rate-limits";
import type { App } from "../../workers/http/context";
import { errorBody } from "../../workers/http/envelope";
import { rateLimit, type Limiter } from "../../workers/http/rate-limit";
import { call, install, json } from "../helpers/app";
import { proxyUrl, sessionToken, uniqueShop } from "../helpers/shopify";

/**
 * Sends requests until the first 429, at most two windows' worth: the binding's windows are
 * aligned to the clock, so one rollover during the run can restart the count once.
 */
async function untilRefused(limit: number, send: () => Promise<Response>): Promise<{ served: number; refusal: Response }> {
  for (let served = 0; served <= 2 * limit; served++) {
    const response = await send();
    if (response.status === 429) return { served, refusal: response };
    expect(response.status).not.toBe(500);
  }
  throw new Error(`no 429 after ${2 * limit + 1} requests`);
}

async function expectRefusal(refusal: Response, period: number) {
  expect(refusal.headers.get("retry-after")).toBe(String(period));
  expect(await json(refusal)).toMatchObject({ status: "error", error: { code: "rate_limited" } });
}

describe("storefront, per customer", () => {
  it("answers 429 with Retry-After past the limit, and still serves another customer of the shop", async () => {
    const shop = uniqueShop("rl-storefront");
    await install(shop);
    const rule = RATE_LIMITS.storefrontCustomer;
    const { served, refusal } = await untilRefused(rule.limit, async () =>
      call(await proxyUrl("/customer", { shop, customerId: "501" })),
    );
    expect(served).toBeGreaterThanOrEqual(rule.limit);
    await expectRefusal(refusal, rule.period);

    const other = await call(await proxyUrl("/customer", { shop, customerId: "502" }));
    expect(other.status).toBe(200);
  });
});

describe("merchant, per user", () => {
  it("answers 429 with Retry-After past the limit, and still serves another user of the shop", async () => {
    const shop = uniqueShop("rl-merchant");
    await install(shop);
    const rule = RATE_LIMITS.merchantUser;
    const token = await sessionToken(shop, { sub: "7" });
    // Counted before validation, so cheap invalid requests (400) spend the budget as well.
    const { served, refusal } = await untilRefused(rule.limit, () =>
      call(new Request("https://loyalnest.test/v1/api/customers?page=0", { headers: { authorization: `Bearer ${token}` } })),
    );
    expect(served).toBeGreaterThanOrEqual(rule.limit);
    await expectRefusal(refusal, rule.period);

    const other = await call(
      new Request("https://loyalnest.test/v1/api/customers", { headers: { authorization: `Bearer ${await sessionToken(shop, { sub: "8" })}` } }),
    );
    expect(other.status).toBe(200);
  });

  it("never counts a request whose credentials fail: those are 401 before the limiter", async () => {
    const shop = uniqueShop("rl-forged");
    await install(shop);
    const forged = await sessionToken(shop, { sub: "9" }, { secret: "not-ours" });
    const response = await call(new Request("https://loyalnest.test/v1/api/customers", { headers: { authorization: `Bearer ${forged}` } }));
    expect(response.status).toBe(401);
  });
});

/** A fixed-window counter with an explicit clock: the binding's behaviour, in the test. */
function localLimiters() {
  const counts = new Map<string, number>();
  const limiterFor = (_env: Env, rule: RateLimitRule): Limiter => ({
    async limit({ key }) {
      const id = `${rule.binding}\u0000${key}`;
      const n = counts.get(id) ?? 0;
      if (n >= rule.limit) return { success: false };
      counts.set(id, n + 1);
      return { success: true };
    },
  });
  return { limiterFor, counts };
}

describe("the middleware, with a local limiter", () => {
  const perCustomer: RateLimitRule = { binding: "STOREFRONT_CUSTOMER_LIMITER", limit: 3, period: 60 };
  const perShop: RateLimitRule = { binding: "STOREFRONT_SHOP_LIMITER", limit: 5, period: 10 };

  function appWith(limiterFor: ReturnType<typeof localLimiters>["limiterFor"]) {
    const app = new Hono<App>();
    // Stands in for the App Proxy check: identity from the (here trusted) query.
    app.use("*", async (c, next) => {
      c.set("proxy", { shop: c.req.query("shop")!, customerId: c.req.query("customer") ?? null });
      await next();
    });
    app.use(
      "*",
      rateLimit(
        [
          { rule: perCustomer, key: (c) => (c.get("proxy").customerId ? `${c.get("proxy").shop}:${c.get("proxy").customerId}` : null) },
          { rule: perShop, key: (c) => c.get("proxy").shop },
        ],
        { limiterFor },
      ),
    );
    app.get("/", (c) => c.json({ status: "ok", error: null }));
    app.onError((error, c) => ("getResponse" in error ? (error as { getResponse(): Response }).getResponse() : c.json(errorBody("x", String(error)), 500)));
    return (query: string) => app.request(`/?${query}`, {}, env);
  }

  it("limits the shop as a whole, with its own period as Retry-After, and leaves other shops alone", async () => {
    const send = appWith(localLimiters().limiterFor);
    const statuses = [];
    for (const customer of ["1", "2", "3", "4", "5", "6"]) statuses.push((await send(`shop=a&customer=${customer}`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await send("shop=a");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("10");
    expect((await send("shop=b&customer=1")).status).toBe(200);
  });

  it("does not spend the shop's budget on a customer already refused", async () => {
    const { limiterFor, counts } = localLimiters();
    const send = appWith(limiterFor);
    for (let i = 0; i < 10; i++) await send("shop=a&customer=1");
    expect(counts.get("STOREFRONT_SHOP_LIMITER\u0000a")).toBe(3);
    expect((await send("shop=a&customer=2")).status).toBe(200);
  });

  it("refuses to be built without rules", () => {
    expect(() => rateLimit([])).toThrow();
  });
});

describe("configuration", () => {
  it("wrangler.toml binds each rule with the numbers core/rate-limits.ts states", () => {
    for (const rule of Object.values(RATE_LIMITS)) {
      const block = new RegExp(`name = "${rule.binding}"\\s+namespace_id = "\\d+"\\s+simple = \\{ limit = (\\d+), period = (\\d+) \\}`).exec(wranglerToml);
      expect(block, rule.binding).not.toBeNull();
      expect([Number(block![1]), Number(block![2])], rule.binding).toEqual([rule.limit, rule.period]);
    }
  });
});
