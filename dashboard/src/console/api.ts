// The console's one way to the admin API: same-origin /admin/..., no token of its own. Cloudflare
// Access (production) or the dev console server (scripts/console-server.mjs) adds the
// Cf-Access-Jwt-Assertion header on the way; the Worker checks it and the admin's role.
import { ApiFailure } from "../api";

/**
 * Dispatched on window when an /admin call finds the Access sign-in gone: a 401 (token expired or
 * missing; every 401 under /admin is Access's) or Access's own redirect to its login page, which a
 * fetch sees as an opaque redirect. The console answers by loading itself again (main.tsx).
 */
export const ACCESS_LOST_EVENT = "loyalnest:access-lost";

type Query = Record<string, string | number | null | undefined>;

export function adminUrl(path: string, query: Query = {}): string {
  const url = new URL(`/admin${path}`, location.origin);
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  return url.pathname + url.search;
}

async function call<T>(method: string, path: string, query: Query, body: unknown, headers: Record<string, string>): Promise<T> {
  let response: Response;
  try {
    response = await fetch(adminUrl(path, query), {
      method,
      credentials: "same-origin",
      headers: { Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      // Access answers an expired session with a redirect to its login (another origin): seen, not followed.
      redirect: "manual",
    });
  } catch {
    throw new ApiFailure(0, "network", "LoyalNest could not be reached. Check your connection and try again.");
  }
  if (response.type === "opaqueredirect") throw accessLost(new ApiFailure(401, "access_redirect", "Cloudflare Access asked you to sign in again."));
  let parsed: (T & { status?: string; error?: { code: string; message: string; field?: string } | null }) | null = null;
  try {
    parsed = await response.json();
  } catch {
    // Not JSON (Access's login page, a proxy's error page): reported by status below.
  }
  if (response.ok && parsed?.status === "ok") return parsed;
  const error = parsed?.error;
  if (response.status === 401) throw accessLost(new ApiFailure(401, error?.code ?? "unauthenticated", error?.message ?? "Cloudflare Access did not let the request through."));
  throw new ApiFailure(response.status, error?.code ?? "unexpected_response", error?.message ?? `Unexpected answer (HTTP ${response.status}).`, error?.field ?? null);
}

function accessLost(failure: ApiFailure): ApiFailure {
  window.dispatchEvent(new CustomEvent(ACCESS_LOST_EVENT, { detail: failure }));
  return failure;
}

export const adminApi = {
  get: <T>(path: string, query: Query = {}) => call<T>("GET", path, query, undefined, {}),
  send: <T>(method: "POST" | "PUT" | "DELETE", path: string, body?: unknown, options: { idempotencyKey?: string } = {}) =>
    call<T>(method, path, {}, body, options.idempotencyKey ? { "Idempotency-Key": options.idempotencyKey } : {}),
};

export interface Me {
  id: string;
  username: string;
  email: string;
  role: "superadmin" | "support" | "analytics";
  permissions: string[];
}
