// The dashboard's one way to the merchant API (/v1/api): every call carries the session token
// App Bridge issues (`shopify.idToken()`), and every answer is the envelope of DESIGN.md. A shop
// the API does not know yet is installed on the way (token exchange), invisibly to the screens.

import { idToken } from "./app-bridge";

/** An answer with status "error", or no answer at all (status 0: the network). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The input field a 400 `invalid_request` names (zod's path, e.g. "config.purchase"), else null. */
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | null | undefined>;
type Envelope<T> = T & { status: "ok" | "error"; error: null | { code: string; message: string; field?: string } };

/** Where /v1/api lives: the build's `loyalnest-api-origin` meta, else this page's origin. */
export function apiOrigin(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="loyalnest-api-origin"]')?.content ?? "";
  return meta && !meta.startsWith("%") ? meta.replace(/\/$/, "") : location.origin;
}

export function apiUrl(path: string, query: Query = {}): string {
  const url = new URL(`/v1/api${path}`, apiOrigin());
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  return url.toString();
}

async function call<T>(method: string, path: string, query: Query, body: unknown, headers: Record<string, string>): Promise<T> {
  try {
    return await callOnce<T>(apiUrl(path, query), method, body, headers);
  } catch (error) {
    // The app's first open in this shop (or the first after a reinstall): Shopify's managed
    // install has run, ours has not. The refused call did nothing, so it is sent again once.
    if (!(error instanceof ApiFailure && error.status === 403 && error.code === "shop_not_installed")) throw error;
    await installShop();
    return callOnce<T>(apiUrl(path, query), method, body, headers);
  }
}

let installing: Promise<void> | null = null;

/**
 * Installs the shop by token exchange (POST /auth/token-exchange with the session token): one
 * exchange however many screens' calls were refused at once.
 */
function installShop(): Promise<void> {
  installing ??= callOnce(new URL("/auth/token-exchange", apiOrigin()).toString(), "POST", undefined, {})
    .then(() => undefined)
    .finally(() => {
      installing = null;
    });
  return installing;
}

async function callOnce<T>(url: string, method: string, body: unknown, headers: Record<string, string>): Promise<T> {
  const token = await idToken();
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json", ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiFailure(0, "network", "LoyalNest could not be reached. Check your connection and try again.");
  }
  let parsed: Envelope<T> | null = null;
  try {
    parsed = (await response.json()) as Envelope<T>;
  } catch {
    // Not JSON: a proxy's error page, say. Reported below by status.
  }
  if (response.ok && parsed?.status === "ok") return parsed;
  const error = parsed?.error;
  throw new ApiFailure(response.status, error?.code ?? "unexpected_response", error?.message ?? `Unexpected answer (HTTP ${response.status}).`, error?.field ?? null);
}

export const api = {
  get: <T>(path: string, query: Query = {}) => call<T>("GET", path, query, undefined, {}),
  /** A write. `idempotencyKey`: the same key makes a repeated click or retry one change. */
  send: <T>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown, options: { idempotencyKey?: string } = {}) =>
    call<T>(method, path, {}, body, options.idempotencyKey ? { "Idempotency-Key": options.idempotencyKey } : {}),
};
