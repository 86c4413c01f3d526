// Cloudflare Access in front of /admin: only an RS256 token signed by a key of the team's JWKS,
// for our audience, from our team domain, inside its validity window, opens it, and then only
// for the email of an active admin. Everything else is refused, every route alike; a merchant's
// session token opens nothing. Keys are cached and fetched again when an unknown kid appears.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyAccessToken } from "../../core/access-jwt";
import { activeAdminByEmail, createAdmin, updateAdmin, type AdminUser } from "../../d1/admin-users";
import { accessKeys, certsUrl, forgetAccessKeys } from "../../workers/admin/access-keys";
import { install, json } from "../helpers/app";
import {
  accessClaims,
  accessToken,
  adminApi,
  certsFetches,
  teamEnv,
  hs256Token,
  jwks,
  makeAdmin,
  retireAccessKey,
  rotateAccessKey,
  tokenFromOtherKey,
  unsignedToken,
} from "../helpers/access";
import { base64Url, sessionToken, signJwt, uniqueShop } from "../helpers/shopify";
import { call } from "../helpers/app";

let superadmin: AdminUser;
let currentKid: string;
const shop = uniqueShop("admin-access");

// Every route the surface has: each must refuse the same way before it judges its input.
const ROUTES: [string, string, unknown?][] = [
  ["GET", "/me"],
  ["GET", "/users"],
  ["POST", "/users", { username: "x", email: "x@example.com", role: "support" }],
  ["PUT", "/users/00000000-0000-4000-8000-000000000000", { role: "support" }],
  ["DELETE", "/users/00000000-0000-4000-8000-000000000000"],
  ["GET", "/overview"],
  ["GET", "/merchants"],
  ["GET", `/merchants/${shop}`],
  ["POST", "/points/adjust", { shop, customer_id: "1", points: 5, reason: "x" }],
  ["GET", "/plans"],
  ["PUT", "/plans", { shop, plan: "plus", reason: "x" }],
  ["GET", "/logs"],
  ["GET", "/integrations/health"],
  ["POST", `/integrations/${shop}/sendgrid/check`],
];

beforeAll(async () => {
  await install(shop);
  superadmin = await makeAdmin("superadmin");
  currentKid = (await jwks()).keys.at(-1)!.kid;
});

async function refusal(response: Response): Promise<{ status: number; code: string }> {
  const body = await json(response);
  return { status: response.status, code: body.error?.code };
}

describe("the Access token", () => {
  it("a valid token of an active admin opens /admin (GET /admin/me names them)", async () => {
    const response = await adminApi(superadmin, "GET", "/me");
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ status: "ok", id: superadmin.id, email: superadmin.email, role: "superadmin" });
  });

  it.each(ROUTES)("%s %s without the header is 401 missing_access_token", async (method, path, body) => {
    expect(await refusal(await adminApi(null, method, path, body))).toEqual({ status: 401, code: "missing_access_token" });
  });

  const forged: [string, () => Promise<string>, string][] = [
    ["wrong audience", () => accessToken(superadmin.email, { aud: ["another-application"] }), "wrong_audience"],
    ["no audience", () => accessToken(superadmin.email, { aud: [] }), "wrong_audience"],
    ["another team's issuer", () => accessToken(superadmin.email, { iss: "https://someone-else.cloudflareaccess.com" }), "wrong_issuer"],
    ["expired", () => accessToken(superadmin.email, { ttl_seconds: -120 }), "token_expired"],
    ["not yet valid", () => accessToken(superadmin.email, { nbf_offset_seconds: 600 }), "token_not_yet_valid"],
    ["signed by another key under the team's kid", () => tokenFromOtherKey(superadmin.email, currentKid), "bad_signature"],
    ["signed by another key under an unknown kid", () => tokenFromOtherKey(superadmin.email, "not-a-team-key"), "unknown_key"],
    ["alg none", () => unsignedToken(superadmin.email, currentKid), "unsupported_algorithm"],
    ["HS256 keyed with the team's public key", async () => hs256Token(superadmin.email, currentKid, (await jwks()).keys.at(-1)!.n), "unsupported_algorithm"],
    ["HS256 keyed with the Shopify app secret", () => hs256Token(superadmin.email, currentKid, "test-api-secret"), "unsupported_algorithm"],
    ["garbage", async () => "not.a.jwt", "malformed_token"],
    ["two parts", async () => "eyJhbGciOiJSUzI1NiJ9.e30", "malformed_token"],
  ];

  it.each(forged)("%s is refused with a 401 on every route", async (_name, make, code) => {
    const token = await make();
    for (const [method, path, body] of ROUTES) {
      expect(await refusal(await adminApi({ token }, method, path, body)), `${method} ${path}`).toEqual({ status: 401, code });
    }
  });

  it("a token with its payload edited after signing is refused", async () => {
    const [h, , s] = (await accessToken(superadmin.email)).split(".");
    const token = `${h}.${base64Url(JSON.stringify(accessClaims("someone@else.test")))}.${s}`;
    expect(await refusal(await adminApi({ token }, "GET", "/me"))).toEqual({ status: 401, code: "bad_signature" });
  });

  it("a valid token for an email that is no admin, or an inactive admin, is 403 not_an_admin", async () => {
    const stranger = { token: await accessToken("stranger@example.com") };
    expect(await refusal(await adminApi(stranger, "GET", "/me"))).toEqual({ status: 403, code: "not_an_admin" });
    const leaver = await makeAdmin("support", "leaver");
    expect((await adminApi(leaver, "GET", "/me")).status).toBe(200);
    expect((await updateAdmin(env, leaver.id, { active: false })).ok).toBe(true);
    for (const [method, path, body] of ROUTES) {
      expect(await refusal(await adminApi(leaver, method, path, body)), `${method} ${path}`).toEqual({ status: 403, code: "not_an_admin" });
    }
  });

  it("an admin written under a key since retired (ENCRYPTION_KEYS_PREVIOUS) is still found and opened", async () => {
    const retired = "AQEB".repeat(10) + "AQE=";
    const email = `rotated-${crypto.randomUUID().slice(0, 8)}@staff.loyalnest.test`;
    const made = await createAdmin({ ...env, ENCRYPTION_KEY: retired }, { username: `rotated-${crypto.randomUUID().slice(0, 8)}`, email, role: "support", createdBy: "test" });
    expect(made.ok).toBe(true);
    expect(await activeAdminByEmail(env, email)).toBeNull();
    expect(await activeAdminByEmail({ ...env, ENCRYPTION_KEYS_PREVIOUS: retired }, email)).toMatchObject({ email, role: "support" });
  });

  it("the email is matched whatever its case (Access may send it as typed)", async () => {
    const token = await accessToken(superadmin.email.toUpperCase());
    expect((await adminApi({ token }, "GET", "/me")).status).toBe(200);
  });
});

describe("other credentials open nothing under /admin", () => {
  it.each(ROUTES)("%s %s with a merchant's session token (no Access header) is 401", async (method, path, body) => {
    const headers = { authorization: `Bearer ${await sessionToken(shop)}` };
    expect(await refusal(await adminApi(null, method, path, body, headers))).toEqual({ status: 401, code: "missing_access_token" });
  });

  it("a merchant's session token in the Access header is refused", async () => {
    const token = await sessionToken(shop);
    expect(await refusal(await adminApi({ token }, "GET", "/me"))).toEqual({ status: 401, code: "unsupported_algorithm" });
    const rs = await signJwt({ alg: "RS256", kid: currentKid }, { dest: `https://${shop}`, aud: "test-api-key" }, "x");
    expect((await adminApi({ token: rs }, "GET", "/me")).status).toBe(401);
  });

  it("the merchant surface does not take an Access token either", async () => {
    const response = await call(new Request("https://loyalnest.test/v1/api/plan", { headers: { "cf-access-jwt-assertion": await accessToken(superadmin.email) } }));
    expect(response.status).toBe(401);
  });
});

describe("the team's keys", () => {
  it("fetches the JWKS from the stand-in in tests, and from the team domain in production", () => {
    expect(certsUrl(env)).toBe(`${new URL(env.ACCESS_CERTS_ORIGIN).origin}/cdn-cgi/access/certs`);
    expect(certsUrl({ ...env, ENVIRONMENT: "production" })).toBe("https://loyalnest-test.cloudflareaccess.com/cdn-cgi/access/certs");
    expect(certsUrl({ ...env, ACCESS_CERTS_ORIGIN: "" })).toBe("https://loyalnest-test.cloudflareaccess.com/cdn-cgi/access/certs");
  });

  it("caches the key set, fetches it again for an unknown kid (a rotation), at most once per 10 s, and drops a retired key", async () => {
    forgetAccessKeys();
    const team = `rotation-${crypto.randomUUID().slice(0, 8)}`;
    let now = 1_000_000_000_000;
    const keys = accessKeys(teamEnv(team), () => now);
    const expected = { teamDomain: env.ACCESS_TEAM_DOMAIN, audience: env.ACCESS_AUD };
    const at = () => Math.floor(Date.now() / 1000);
    const sign = (kid?: string) => accessToken(superadmin.email, { team, kid });

    expect(await verifyAccessToken(await sign(), expected, keys, at())).toMatchObject({ valid: true });
    expect(await verifyAccessToken(await sign(), expected, keys, at())).toMatchObject({ valid: true });
    expect(await certsFetches(team)).toBe(1);
    // The configured team's keys are another set: its tokens do not verify against this one.
    expect(await verifyAccessToken(await accessToken(superadmin.email), expected, keys, at())).toEqual({ valid: false, reason: "unknown_key" });

    const { kid, previous } = await rotateAccessKey(team);
    expect(kid).not.toBe(previous);
    const rotated = await sign();
    now += 1_000; // within the floor of the last fetch: the new kid stays unknown, nothing fetched
    expect(await verifyAccessToken(rotated, expected, keys, at())).toEqual({ valid: false, reason: "unknown_key" });
    const fetchedBefore = await certsFetches(team);
    now += 10_000;
    expect(await verifyAccessToken(rotated, expected, keys, at())).toMatchObject({ valid: true });
    expect(await certsFetches(team)).toBe(fetchedBefore + 1);
    // The previous key stays valid after a rotation (Access keeps it for a while), from the cache.
    expect(await verifyAccessToken(await sign(previous), expected, keys, at())).toMatchObject({ valid: true });
    expect(await certsFetches(team)).toBe(fetchedBefore + 1);

    // Retired: once the cached set expires (an hour), the key is gone.
    const old = await sign(previous);
    await retireAccessKey(team, previous);
    expect(await verifyAccessToken(old, expected, keys, at())).toMatchObject({ valid: true });
    now += 60 * 60_000 + 1;
    expect(await verifyAccessToken(old, expected, keys, at())).toEqual({ valid: false, reason: "unknown_key" });
    forgetAccessKeys();
  });

  it("an unreachable JWKS fails the check (the middleware answers 503 access_keys_unavailable), never opens it", async () => {
    forgetAccessKeys();
    const verify = verifyAccessToken;
    const keys = accessKeys({ ...env, ACCESS_CERTS_ORIGIN: "http://127.0.0.1:9/nowhere" });
    await expect(verify(await accessToken(superadmin.email), { teamDomain: env.ACCESS_TEAM_DOMAIN, audience: env.ACCESS_AUD }, keys, Math.floor(Date.now() / 1000))).rejects.toThrow();
    forgetAccessKeys();
  });
});
