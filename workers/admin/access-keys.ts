// The Access team's signing keys, fetched from <team domain>/cdn-cgi/access/certs and kept per
// isolate for an hour. Access rotates keys every 6 weeks and keeps the old one valid 7 more
// days, so a token with a kid we do not hold means a rotation: the set is fetched again at
// once, but at most every REFRESH_FLOOR_MS per isolate, so tokens with invented kids cannot
// make us hammer the certs endpoint. In dev and tests ACCESS_CERTS_ORIGIN points the fetch at
// the local stand-in (scripts/access-standin.mjs); production always uses the team domain.
import { importAccessKey, normalizeTeamDomain, type AccessJwk, type KeySource } from "../../core/access-jwt";

const KEYS_TTL_MS = 60 * 60_000;
const REFRESH_FLOOR_MS = 10_000;
const FETCH_TIMEOUT_MS = 5_000;

export type AccessEnv = Pick<Env, "ACCESS_TEAM_DOMAIN" | "ENVIRONMENT"> & { ACCESS_CERTS_ORIGIN?: string };

/** Where the team's keys are: <team domain>/cdn-cgi/access/certs, or under ACCESS_CERTS_ORIGIN (an origin, optionally with a path prefix) outside production. */
export function certsUrl(env: AccessEnv): string {
  const override = env.ENVIRONMENT === "production" ? "" : (env.ACCESS_CERTS_ORIGIN ?? "").trim();
  const base = override !== "" ? override : normalizeTeamDomain(env.ACCESS_TEAM_DOMAIN);
  const url = new URL(base);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("the Access certs origin must be http(s)");
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}/cdn-cgi/access/certs`;
}

interface KeySet {
  keys: Map<string, CryptoKey>;
  fetchedAt: number;
}

const sets = new Map<string, Promise<KeySet>>();

async function fetchKeySet(url: string, now: number): Promise<KeySet> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`Access certs answered ${response.status} at ${url}`);
  const body = (await response.json()) as { keys?: AccessJwk[] };
  const keys = new Map<string, CryptoKey>();
  for (const jwk of body.keys ?? []) {
    const key = typeof jwk.kid === "string" ? await importAccessKey(jwk) : null;
    if (key) keys.set(jwk.kid, key);
  }
  return { keys, fetchedAt: now };
}

/** The key source the Access check uses: the cached set, refreshed on expiry or (rate-limited) on an unknown kid. */
export function accessKeys(env: AccessEnv, clock: () => number = Date.now): KeySource {
  const url = certsUrl(env);
  const load = (now: number) => {
    const loading = fetchKeySet(url, now);
    sets.set(url, loading);
    loading.catch(() => sets.delete(url));
    return loading;
  };
  return {
    async key(kid, refresh) {
      const now = clock();
      let set = await (sets.get(url) ?? load(now));
      if (now - set.fetchedAt > KEYS_TTL_MS) set = await load(now);
      else if (refresh && !set.keys.has(kid) && now - set.fetchedAt >= REFRESH_FLOOR_MS) set = await load(now);
      return set.keys.get(kid) ?? null;
    },
  };
}

/** Forgets every cached key set (tests of rotation start from nothing). */
export function forgetAccessKeys(): void {
  sets.clear();
}
