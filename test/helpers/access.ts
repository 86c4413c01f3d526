// Cloudflare Access seen from inside workerd: tokens signed by the Access stand-in
// (scripts/access-standin.mjs, started by the global setup), forged ones, admin users made
// straight in D1, and calls to /admin as one of them.
import { env } from "cloudflare:test";
import type { AdminRole } from "../../core/admin-roles";
import { createAdmin, type AdminUser } from "../../d1/admin-users";
import { call } from "./app";
import { base64Url, signJwt } from "./shopify";

const control = (path: string) => new URL(path, env.ACCESS_CERTS_ORIGIN).toString();

export interface TokenOptions {
  aud?: unknown;
  iss?: string;
  ttl_seconds?: number;
  nbf_offset_seconds?: number;
  exp_offset_seconds?: number;
  kid?: string;
  /** A key set of its own on the stand-in (for rotation tests); default the configured team's. */
  team?: string;
}

/** A token the stand-in signs with the team's current key (or `kid`), as Access would issue it. */
export async function accessToken(email: string, options: TokenOptions = {}): Promise<string> {
  const response = await fetch(control("/__access/token"), { method: "POST", body: JSON.stringify({ email, ...options }) });
  if (response.status !== 200) throw new Error(`the Access stand-in refused: ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

export async function jwks(): Promise<{ keys: { kid: string; n: string; e: string }[] }> {
  return (await fetch(control("/cdn-cgi/access/certs"))).json();
}

/** The env a test's own team's keys are fetched with (ACCESS_CERTS_ORIGIN with the team's path). */
export function teamEnv(team: string) {
  return { ...env, ACCESS_CERTS_ORIGIN: control(`/${team}`) };
}

export async function rotateAccessKey(team: string): Promise<{ kid: string; previous: string }> {
  return (await fetch(control("/__access/rotate"), { method: "POST", body: JSON.stringify({ team }) })).json();
}

export async function retireAccessKey(team: string, kid: string): Promise<void> {
  const response = await fetch(control("/__access/retire"), { method: "POST", body: JSON.stringify({ team, kid }) });
  if (response.status !== 200) throw new Error(await response.text());
}

export async function certsFetches(team: string): Promise<number> {
  return ((await (await fetch(control(`/__access/fetches?team=${team}`))).json()) as { count: number }).count;
}

export function accessClaims(email: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { aud: [env.ACCESS_AUD], email, exp: now + 3600, iat: now, nbf: now, iss: env.ACCESS_TEAM_DOMAIN, type: "app", sub: crypto.randomUUID(), ...overrides };
}

/** An RS256 token signed by a key of our own (not the team's), under `kid`. */
export async function tokenFromOtherKey(email: string, kid: string): Promise<string> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const h = base64Url(JSON.stringify({ alg: "RS256", kid, typ: "JWT" }));
  const p = base64Url(JSON.stringify(accessClaims(email)));
  const signature = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", pair.privateKey, new TextEncoder().encode(`${h}.${p}`)));
  return `${h}.${p}.${base64Url(signature)}`;
}

/** `alg: none`, claims otherwise perfect. */
export function unsignedToken(email: string, kid: string): Promise<string> {
  return signJwt({ alg: "none", kid, typ: "JWT" }, accessClaims(email), null);
}

/** HS256 keyed with the team's public key modulus: the classic algorithm-confusion forgery. */
export async function hs256Token(email: string, kid: string, secret: string): Promise<string> {
  return signJwt({ alg: "HS256", kid, typ: "JWT" }, accessClaims(email), secret);
}

let counter = 0;
/** An admin made straight in D1 with a unique username and email. */
export async function makeAdmin(role: AdminRole, label: string = role): Promise<AdminUser> {
  counter += 1;
  const tag = `${label}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 6)}`;
  const result = await createAdmin(env, { username: tag.toLowerCase(), email: `${tag}@staff.loyalnest.test`, role, createdBy: "test" });
  if (!result.ok) throw new Error(`could not make an admin: ${result.conflict}`);
  return result.admin;
}

/** A call to /admin{path} with the Access header (a token, or an admin whose token the stand-in signs). */
export async function adminApi(
  who: AdminUser | { token: string } | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const all: Record<string, string> = { ...headers };
  if (who) all["cf-access-jwt-assertion"] = "token" in who ? who.token : await accessToken(who.email);
  if (body !== undefined) all["content-type"] = "application/json";
  return call(new Request(`https://loyalnest.test/admin${path}`, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) }));
}
