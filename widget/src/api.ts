// The storefront API (workers/storefront), reached through Shopify's App Proxy.
export interface Customer {
  id: string;
  points_balance: number;
  total_points_earned: number;
  total_points_redeemed: number;
  total_points_reversed: number;
  vip_tier: string | null;
  next_tier: { name: string; points_needed: number } | null;
}

export interface Reward {
  reward_id: string;
  type: string;
  title: string;
  points_cost: number;
  value: string | null;
}

export interface WidgetConfig {
  language: string;
  translations: Record<string, string>;
  rewards: Reward[];
  earn: { points_per_currency_unit: number; signup_points: number };
}

/** `code` is the envelope's error code, or `network` / `bad_response` when there was none. */
export type Fetched<T> = { ok: true; data: T } | { ok: false; code: string };

const TIMEOUT_MS = 10_000;

export async function getJson<T>(url: string): Promise<Fetched<T>> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: "application/json" }, credentials: "same-origin", signal: abort.signal });
  } catch {
    return { ok: false, code: "network" };
  } finally {
    clearTimeout(timer);
  }
  const body = await response.json().catch(() => null);
  if (body?.status === "ok") return { ok: true, data: body as T };
  return { ok: false, code: typeof body?.error?.code === "string" ? body.error.code : "bad_response" };
}
