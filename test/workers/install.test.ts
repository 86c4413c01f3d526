// Installation by token exchange against the Shopify emulator, and the retrying HTTP client.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { decryptText, keyring, tokenContext } from "../../core/crypto";
import { backoffDelayMs, fetchWithRetries } from "../../core/retry";
import { exchangeSessionToken } from "../../workers/auth/shopify-oauth";
import { call, json } from "../helpers/app";
import { sessionToken, uniqueShop } from "../helpers/shopify";
import { emulatorRequests } from "../helpers/shopify-emulator";

async function exchange(token: string) {
  const response = await call(new Request("https://loyalnest.test/auth/token-exchange", { method: "POST", headers: { authorization: `Bearer ${token}` } }));
  return { status: response.status, body: await json(response) };
}

describe("POST /auth/token-exchange", () => {
  it("installs a new shop with its offline token encrypted at rest", async () => {
    const shop = uniqueShop("install");
    const { status, body } = await exchange(await sessionToken(shop));
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "ok", shop, installed: true, error: null });

    const row = await env.DB.prepare(`SELECT * FROM shops WHERE domain = ?`).bind(shop).first<Record<string, string | number>>();
    expect(row).toMatchObject({ status: "installed" });
    const sealed = String(row!.access_token_encrypted);
    const keys = await keyring(env);
    expect(sealed).toMatch(new RegExp(`^v2\\.${keys.current.kid}\\.`));
    expect(sealed).not.toContain("shpat_");
    expect(await decryptText(keys, sealed, tokenContext(shop, "access"))).toMatch(/^shpat_[0-9a-f]{32}$/);
    expect(await decryptText(keys, String(row!.refresh_token_encrypted), tokenContext(shop, "refresh"))).toMatch(/^shprt_/);
    // Each token is bound to its column: the access token read as the refresh token fails.
    await expect(decryptText(keys, sealed, tokenContext(shop, "refresh"))).rejects.toThrow();
    expect(Number(row!.access_token_expires_at)).toBeGreaterThan(Date.now() + 3_500_000);

    const rewards = await env.DB.prepare(`SELECT COUNT(*) AS n FROM rewards WHERE shop = ?`).bind(shop).first<{ n: number }>();
    expect(rewards!.n).toBe(3);
    // The shop's dashboard API now answers.
    const list = await call(new Request("https://loyalnest.test/v1/api/customers", { headers: { authorization: `Bearer ${await sessionToken(shop)}` } }));
    expect(list.status).toBe(200);
  });

  it("refuses a forged session token before calling Shopify", async () => {
    const { status, body } = await exchange(await sessionToken(uniqueShop("forged"), {}, { secret: "not-ours" }));
    expect(status).toBe(401);
    expect(body.error.code).toBe("invalid_signature");
  });

  it("passes on Shopify's refusal of the session token without a token", async () => {
    // Signed with our secret, so the library's own check passes, but not for a shop: Shopify refuses it.
    const shop = uniqueShop("refused");
    const result = await exchangeSessionToken(env, shop, await sessionToken(shop, { dest: "https://example.com" }));
    expect(result).toEqual({ ok: false, status: 400, reason: "invalid_subject_token" });
    expect((await emulatorRequests(shop)).length).toBe(0); // the emulator could not tell whose it was
  });

  it("checks the session token again in the library before sending it to Shopify", async () => {
    const shop = uniqueShop("refused-locally");
    const result = await exchangeSessionToken({ ...env, SHOPIFY_API_KEY: "someone-else" }, shop, await sessionToken(shop));
    expect(result).toEqual({ ok: false, status: 401, reason: "invalid_session_token" });
  });
});

describe("fetchWithRetries", () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  function scripted(statuses: (number | "network")[], headers: Record<string, string> = {}) {
    const seen: number[] = [];
    globalThis.fetch = (async () => {
      const next = statuses[seen.length] ?? 200;
      seen.push(seen.length);
      if (next === "network") throw new TypeError("connection refused");
      return new Response("{}", { status: next, headers });
    }) as typeof fetch;
    return seen;
  }

  const noSleep = async () => {};
  const request = () => new Request("https://shop.example/x");

  it("retries 5xx, 429 and network errors, then succeeds", async () => {
    const seen = scripted([503, "network", 429, 200]);
    const response = await fetchWithRetries(request, { attempts: 5, baseDelayMs: 1, maxDelayMs: 2 }, noSleep);
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(4);
  });

  it("does not retry a 4xx", async () => {
    const seen = scripted([400]);
    expect((await fetchWithRetries(request, { attempts: 5, baseDelayMs: 1, maxDelayMs: 2 }, noSleep)).status).toBe(400);
    expect(seen).toHaveLength(1);
  });

  it("returns the last answer when every attempt fails, and throws when the network never answers", async () => {
    scripted([500, 500, 500]);
    expect((await fetchWithRetries(request, { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 }, noSleep)).status).toBe(500);
    scripted(["network", "network"]);
    await expect(fetchWithRetries(request, { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 }, noSleep)).rejects.toThrow("connection refused");
  });

  it("honours Retry-After, capped, and otherwise backs off exponentially with jitter", () => {
    const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 5_000 };
    expect(backoffDelayMs(policy, 0, "2")).toBe(2_000);
    expect(backoffDelayMs(policy, 0, "3600")).toBe(5_000);
    expect(backoffDelayMs(policy, 3, null, () => 0)).toBe(400);
    expect(backoffDelayMs(policy, 3, null, () => 1)).toBe(800);
  });
});
