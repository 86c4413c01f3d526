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

export type RewardType = "fixed_amount" | "percentage" | "free_shipping" | "free_product" | "points_to_money";

/** The optional fields are absent from configs served before the rewards catalog. */
export interface Reward {
  reward_id: string;
  type: RewardType;
  title: string;
  description?: string;
  /** For points_to_money, the points that make one unit of the shop's currency. */
  points_cost: number;
  value: string | null;
  min_points?: number | null;
  max_points?: number | null;
  min_order_subtotal?: string | null;
  code_expiry_days?: number | null;
}

export interface WidgetConfig {
  language: string;
  translations: Record<string, string>;
  rewards: Reward[];
  earn: { points_per_currency_unit: number; signup_points: number };
}

export type RedemptionStatus = "pending" | "issued" | "used" | "expired" | "failed" | "cancelled";

export interface Redemption {
  redemption_id: string;
  reward_id: string;
  title: string;
  type: string;
  points: number;
  status: RedemptionStatus;
  discount_code: string | null;
  expires_at: string | null;
  created_at: string;
  failure_reason: string | null;
}

export interface Redeemed {
  redemption_id: string;
  discount_code: string | null;
  redemption: Redemption;
  points_balance: number;
}

export interface PointsTransaction {
  id: string;
  kind: string;
  points: number;
  balance_after: number;
  note: string | null;
  created_at: string;
}

export interface History {
  redemptions: Redemption[];
  transactions: PointsTransaction[];
}

/**
 * `code` is the envelope's error code, or `network` / `bad_response` when there was none;
 * `pointsBalance` is the balance a failed redemption reports (its points were not spent).
 */
export type Fetched<T> = { ok: true; data: T } | { ok: false; code: string; pointsBalance?: number };

export const HISTORY_LIMIT = 20;
const TIMEOUT_MS = 10_000;

async function request<T>(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Fetched<T>> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers: { accept: "application/json", ...init.headers },
      credentials: "same-origin",
      signal: abort.signal,
    });
  } catch {
    return { ok: false, code: "network" };
  } finally {
    clearTimeout(timer);
  }
  const body = await response.json().catch(() => null);
  if (body?.status === "ok") return { ok: true, data: body as T };
  const code = typeof body?.error?.code === "string" ? body.error.code : "bad_response";
  return typeof body?.points_balance === "number" ? { ok: false, code, pointsBalance: body.points_balance } : { ok: false, code };
}

/** `locale` is the storefront's, so the server answers titles in the shopper's language. */
export function createApi(base: string, locale: string) {
  const localeQuery = locale ? `?locale=${encodeURIComponent(locale)}` : "";
  return {
    config: () => request<WidgetConfig>(`${base}/widget/config${localeQuery}`),
    customer: () => request<{ customer: Customer }>(`${base}/customer`),
    /**
     * The same key answers the same redemption: a retry cannot spend twice. Sent in the query
     * too, which the App Proxy forwards and signs whatever it does with headers.
     */
    redeem: (body: { reward_id: string; points?: number }, idempotencyKey: string) =>
      request<Redeemed>(`${base}/rewards/redeem${localeQuery ? `${localeQuery}&` : "?"}idempotency_key=${idempotencyKey}`, {
        method: "POST",
        headers: { "content-type": "application/json", "Idempotency-Key": idempotencyKey },
        body: JSON.stringify(body),
      }),
    history: () => request<History>(`${base}/customer/history?limit=${HISTORY_LIMIT}`),
  };
}

export type Api = ReturnType<typeof createApi>;
