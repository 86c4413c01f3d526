// Shopify's library against the emulator: token refresh (one per shop at a time, before expiry,
// after a 401, refused cleanly), the GraphQL client under the throttle and within its time
// budgets, and where requests go.
import { env, runInDurableObject } from "cloudflare:test";
import type { ShopCoordinator } from "../../durable-objects/shop-coordinator";
import { shopCoordinator } from "../../durable-objects/stubs";
import { afterEach, describe, expect, it } from "vitest";
import { adminAccessToken, ShopifyTokenError } from "../../workers/shopify/admin-token";
import { AdminApiError, adminGraphql } from "../../workers/shopify/admin-graphql";
import { adminOriginOverride } from "../../workers/shopify/api";
import { readShopTokens, sealTokens } from "../../workers/shopify/tokens";
import { exchangeSessionToken } from "../../workers/auth/shopify-oauth";
import { sessionToken } from "../helpers/shopify";
import {
  DISCOUNT_MUTATION,
  discountInput,
  emulatorRequests,
  expireAccessTokens,
  graphqlCalls,
  injectFault,
  installedShop,
  listDiscounts,
  refreshes,
  setStoredExpiry,
  type DiscountData,
} from "../helpers/shopify-emulator";

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

describe("adminAccessToken", () => {
  it("uses the stored token while it has more than five minutes left", async () => {
    const shop = await installedShop("fresh");
    const stored = (await readShopTokens(env, shop))!;
    expect(await adminAccessToken(env, shop)).toBe(stored.accessToken);
    expect(refreshes(await emulatorRequests(shop))).toHaveLength(0);
  });

  it("refreshes a token that expires within five minutes before using it, and stores the new pair", async () => {
    const shop = await installedShop("expiring");
    const before = (await readShopTokens(env, shop))!;
    await setStoredExpiry(shop, Date.now() + 60_000);

    const token = await adminAccessToken(env, shop);
    expect(token).not.toBe(before.accessToken);
    const after = (await readShopTokens(env, shop))!;
    expect(after.accessToken).toBe(token);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessTokenExpiresAt).toBeGreaterThan(Date.now() + 3_500_000);
    expect(refreshes(await emulatorRequests(shop)).map((r) => r.status)).toEqual([200]);

    // The new token is the one Shopify now accepts.
    const { data } = await adminGraphql<DiscountData>(env, shop, DISCOUNT_MUTATION, discountInput("FRESH-1"));
    expect(data.discountCodeBasicCreate.codeDiscountNode?.id).toMatch(/^gid:\/\/shopify\/DiscountCodeNode\//);
    expect(graphqlCalls(await emulatorRequests(shop)).map((r) => r.status)).toEqual([200]);
  });

  it("ten callers at once with an expired token cause exactly one refresh, and all get its token", async () => {
    const shop = await installedShop("concurrent");
    await setStoredExpiry(shop, Date.now() - 1);

    const tokens = await Promise.all(Array.from({ length: 10 }, () => adminAccessToken(env, shop)));
    expect(new Set(tokens).size).toBe(1);
    expect(refreshes(await emulatorRequests(shop))).toHaveLength(1);
    expect((await readShopTokens(env, shop))!.accessToken).toBe(tokens[0]);
  });

  it("a refused refresh (the refresh token was already spent) is a clear error, asked of Shopify once", async () => {
    const shop = await installedShop("revoked");
    const stored = (await readShopTokens(env, shop))!;
    // Someone else spends the rotating refresh token first: ours is now refused.
    const burnt = await fetch(`${env.SHOPIFY_ADMIN_ORIGIN}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: env.SHOPIFY_API_KEY, client_secret: env.SHOPIFY_API_SECRET, grant_type: "refresh_token", refresh_token: stored.refreshToken }),
    });
    expect(burnt.status).toBe(200);
    await setStoredExpiry(shop, Date.now() - 1);

    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await adminAccessToken(env, shop).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShopifyTokenError);
      expect(error).toMatchObject({ reason: "refresh_refused" });
      expect(String((error as Error).message)).toMatch(/refused.*merchant must open the app/);
    }
    // The emulator saw the other party's refresh and one refused attempt of ours, no more.
    expect(refreshes(await emulatorRequests(shop)).map((r) => [r.status, r.errorCode])).toEqual([
      [200, null],
      [400, "invalid_grant"],
    ]);
  });

  it("a refreshed pair that never reached D1 is taken from the coordinator's storage, not refreshed again", async () => {
    const shop = await installedShop("pending");
    const stored = (await readShopTokens(env, shop))!;
    // A refresh that succeeded at Shopify, whose D1 write then failed: the pair waits in the object.
    const answer = await fetch(`${env.SHOPIFY_ADMIN_ORIGIN}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: env.SHOPIFY_API_KEY, client_secret: env.SHOPIFY_API_SECRET, grant_type: "refresh_token", refresh_token: stored.refreshToken }),
    });
    const pair = (await answer.json()) as { access_token: string; refresh_token: string; expires_in: number };
    const sealed = await sealTokens(env, shop, { accessToken: pair.access_token, accessTokenExpiresAt: Date.now() + pair.expires_in * 1000, refreshToken: pair.refresh_token });
    await runInDurableObject(shopCoordinator(env, shop), (_object: ShopCoordinator, state) => state.storage.put("pendingTokens", sealed));
    await setStoredExpiry(shop, Date.now() - 1);

    expect(await adminAccessToken(env, shop)).toBe(pair.access_token);
    expect((await readShopTokens(env, shop))!.refreshToken).toBe(pair.refresh_token);
    expect(refreshes(await emulatorRequests(shop))).toHaveLength(1); // the one above, none of ours
  });

  it("says so when the shop is not installed", async () => {
    await expect(adminAccessToken(env, "never-installed.myshopify.com")).rejects.toMatchObject({ reason: "not_installed" });
  });
});

describe("adminGraphql", () => {
  it("meets a 401 with one refresh and one retry", async () => {
    const shop = await installedShop("unauthorized");
    expect(await expireAccessTokens(shop)).toBe(1); // an hour passes at Shopify; our copy still looks valid

    const { data } = await adminGraphql<DiscountData>(env, shop, DISCOUNT_MUTATION, discountInput("AFTER-401"));
    expect(data.discountCodeBasicCreate.userErrors).toEqual([]);
    // After the install (its token exchange and its read of the shop's currency):
    const seen = (await emulatorRequests(shop)).filter((r) => r.grantType !== "urn:ietf:params:oauth:grant-type:token-exchange" && r.operation !== "shop");
    expect(seen.map((r) => [r.grantType ?? "graphql", r.status])).toEqual([
      ["graphql", 401],
      ["refresh_token", 200],
      ["graphql", 200],
    ]);
  });

  it("does not go round again when Shopify refuses the refresh after a 401", async () => {
    const shop = await installedShop("unauthorized-revoked");
    const stored = (await readShopTokens(env, shop))!;
    await fetch(`${env.SHOPIFY_ADMIN_ORIGIN}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: env.SHOPIFY_API_KEY, client_secret: env.SHOPIFY_API_SECRET, grant_type: "refresh_token", refresh_token: stored.refreshToken }),
    });
    await expireAccessTokens(shop);

    await expect(adminGraphql(env, shop, DISCOUNT_MUTATION, discountInput("NEVER"))).rejects.toMatchObject({ name: "ShopifyTokenError", reason: "refresh_refused" });
    expect(graphqlCalls(await emulatorRequests(shop)).map((r) => r.status)).toEqual([401]);
  });

  it("a burst that runs the bucket dry: THROTTLED answers are waited out by Shopify's figures and every call succeeds", async () => {
    const shop = await installedShop("burst");
    const calls = 120; // the bucket holds 1,000 points, a discount costs 10
    // The reservation guesses low (1 point), as an estimate can: Shopify's THROTTLED answers correct it.
    const results = await Promise.all(
      Array.from({ length: calls }, (_, i) => adminGraphql<DiscountData>(env, shop, DISCOUNT_MUTATION, discountInput(`BURST-${i}`), { estimatedCost: 1 })),
    );
    expect(results.every((r) => r.data.discountCodeBasicCreate.codeDiscountNode !== null)).toBe(true);

    const answers = graphqlCalls(await emulatorRequests(shop));
    const throttled = answers.filter((r) => r.errorCode === "THROTTLED");
    const succeeded = answers.filter((r) => r.status === 200 && r.errorCode === null);
    expect(throttled.length).toBeGreaterThan(0);
    expect(succeeded).toHaveLength(calls);
    expect(answers).toHaveLength(calls + throttled.length);
    // Retries came after the throttled answers and succeeded.
    const lastThrottled = Math.max(...throttled.map((r) => r.at));
    expect(succeeded.some((r) => r.at > lastThrottled)).toBe(true);
  }, 60_000);

  it("retries a 5xx and a network failure with backoff, then succeeds", async () => {
    const shop = await installedShop("flaky");
    const failures: (number | "network")[] = [503, "network"];
    const outbound: string[] = [];
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.includes("/graphql.json")) {
        outbound.push(url);
        const next = failures.shift();
        if (next === "network") throw new TypeError("Network connection lost.");
        if (next !== undefined) return new Response("upstream unavailable", { status: next });
      }
      return realFetch(input, init);
    }) as typeof fetch;
    const waits: number[] = [];
    const { data } = await adminGraphql<DiscountData>(env, shop, DISCOUNT_MUTATION, discountInput("FLAKY"), {
      retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 },
      sleep: async (ms) => void waits.push(ms),
    });
    expect(data.discountCodeBasicCreate.userErrors).toEqual([]);
    expect(outbound).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(graphqlCalls(await emulatorRequests(shop)).map((r) => r.status)).toEqual([200]);
  });

  it("passes GraphQL errors other than THROTTLED to the caller without retrying", async () => {
    const shop = await installedShop("bad-query");
    await expect(adminGraphql(env, shop, `{ orders(first: 1) { nodes { id } } }`)).rejects.toMatchObject({ name: "AdminApiError", kind: "graphql" });
    expect(graphqlCalls(await emulatorRequests(shop))).toHaveLength(1);
  });
});

describe("adminGraphql time budgets (deadline, attemptTimeoutMs)", () => {
  const noWait = { sleep: async () => {} };

  it("without budgets, a slow answer is waited for as before: a dropped connection is retried", async () => {
    const shop = await installedShop("budget-defaults");
    await injectFault(shop, { mode: "timeout", holdMs: 500 });

    const { data } = await adminGraphql<DiscountData>(env, shop, DISCOUNT_MUTATION, discountInput("SLOW"), noWait);
    expect(data.discountCodeBasicCreate.userErrors).toEqual([]);
    expect(graphqlCalls(await emulatorRequests(shop)).map((r) => [r.fault, r.status])).toEqual([
      ["timeout", null],
      [null, 200],
    ]);
  });

  it("a deadline already passed: nothing is sent, and the error says it cannot have reached Shopify", async () => {
    const shop = await installedShop("budget-late");
    const error = await adminGraphql(env, shop, DISCOUNT_MUTATION, discountInput("LATE"), { deadline: Date.now() - 1 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AdminApiError);
    expect(error).toMatchObject({ kind: "timeout", ambiguous: false });
    expect(graphqlCalls(await emulatorRequests(shop))).toEqual([]);
  });

  it("THROTTLED whose wait would pass the deadline: throttled, not ambiguous", async () => {
    const shop = await installedShop("budget-throttled");
    // A restore rate of 1 a second makes the wait 10 s, far past a 5 s deadline however slow
    // the first answer is on a loaded machine.
    await injectFault(shop, { mode: "throttled", times: 0, restoreRate: 1 });

    const error = await adminGraphql(env, shop, DISCOUNT_MUTATION, discountInput("THROTTLED"), { deadline: Date.now() + 5_000 }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "AdminApiError", kind: "throttled", ambiguous: false });
    expect(String((error as Error).message)).toMatch(/deadline/);
    expect(await listDiscounts(shop)).toEqual([]);
  });

  it("a 5xx on every attempt: http, ambiguous (Shopify may have done the work before failing)", async () => {
    const shop = await installedShop("budget-5xx");
    await injectFault(shop, { mode: "http_500", times: 0 });

    const error = await adminGraphql(env, shop, DISCOUNT_MUTATION, discountInput("DOWN"), { ...noWait, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 } }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "AdminApiError", kind: "http", ambiguous: true });
    expect(graphqlCalls(await emulatorRequests(shop))).toHaveLength(3);
  });

  it("an attempt that timed out keeps the error ambiguous when later attempts are THROTTLED until the deadline", async () => {
    const shop = await installedShop("budget-mixed");
    await injectFault(shop, { mode: "timeout", holdMs: 10_000, createThenFail: true });
    await injectFault(shop, { mode: "throttled", times: 0, restoreRate: 1 }); // a 10 s wait: past the deadline

    const error = await adminGraphql(env, shop, DISCOUNT_MUTATION, discountInput("MIXED"), { deadline: Date.now() + 3_000, attemptTimeoutMs: 1_000 }).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "AdminApiError", kind: "throttled", ambiguous: true });
    expect(await listDiscounts(shop)).toHaveLength(1); // the first attempt did create it
  });

  it("a 401 after an uncertain attempt, with the refresh refused: ambiguous, not just a token error", async () => {
    const shop = await installedShop("budget-401");
    const stored = (await readShopTokens(env, shop))!;
    await fetch(`${env.SHOPIFY_ADMIN_ORIGIN}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: env.SHOPIFY_API_KEY, client_secret: env.SHOPIFY_API_SECRET, grant_type: "refresh_token", refresh_token: stored.refreshToken }),
    });
    await expireAccessTokens(shop);
    let graphqlFetches = 0;
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      // The first attempt loses its connection (after sending, for all we know); the next meets the 401.
      if (url.includes("/graphql.json") && graphqlFetches++ === 0) throw new TypeError("Network connection lost.");
      return realFetch(input, init);
    }) as typeof fetch;

    const error = await adminGraphql(env, shop, DISCOUNT_MUTATION, discountInput("UNCERTAIN"), noWait).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: "AdminApiError", kind: "http", ambiguous: true });
    expect((error as Error).cause).toBeInstanceOf(ShopifyTokenError);
    expect(graphqlCalls(await emulatorRequests(shop)).map((r) => r.status)).toEqual([401]);
  });
});

describe("where Admin API requests go", () => {
  it("dev and tests name an origin; production ignores it", () => {
    expect(adminOriginOverride({ ENVIRONMENT: "development", SHOPIFY_ADMIN_ORIGIN: "http://127.0.0.1:8788/" })).toBe("http://127.0.0.1:8788");
    expect(adminOriginOverride({ ENVIRONMENT: "production", SHOPIFY_ADMIN_ORIGIN: "http://127.0.0.1:8788" })).toBeNull();
    expect(adminOriginOverride({ ENVIRONMENT: "development", SHOPIFY_ADMIN_ORIGIN: "" })).toBeNull();
    expect(adminOriginOverride({ ENVIRONMENT: "development" })).toBeNull();
  });

  function interceptOutbound(answer: (url: URL) => Response): URL[] {
    const seen: URL[] = [];
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      seen.push(url);
      return answer(url);
    }) as typeof fetch;
    return seen;
  }

  it.each([
    ["ENVIRONMENT=production, even with an origin set", { ENVIRONMENT: "production" }],
    ["no SHOPIFY_ADMIN_ORIGIN", { ENVIRONMENT: "development", SHOPIFY_ADMIN_ORIGIN: undefined }],
  ])("with %s, GraphQL and token exchange go to https://{shop}", async (_label, overrides) => {
    const shop = await installedShop("production");
    const productionEnv = { ...env, ...overrides } as Env;
    const seen = interceptOutbound((url) =>
      url.pathname.endsWith("/graphql.json")
        ? Response.json({ data: { discountCodeBasicCreate: { codeDiscountNode: { id: "gid://shopify/DiscountCodeNode/1" }, userErrors: [] } } })
        : Response.json({ access_token: "shpat_prod", scope: "write_discounts", expires_in: 3600, refresh_token: "shprt_prod", refresh_token_expires_in: 7776000 }),
    );

    await adminGraphql(productionEnv, shop, DISCOUNT_MUTATION, discountInput("PROD"));
    const exchanged = await exchangeSessionToken(productionEnv, shop, await sessionToken(shop));
    expect(exchanged.ok).toBe(true);
    expect(seen.map((url) => url.href)).toEqual([
      `https://${shop}/admin/api/2026-10/graphql.json`,
      `https://${shop}/admin/oauth/access_token`,
    ]);
  });
});
