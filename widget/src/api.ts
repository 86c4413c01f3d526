// The storefront API (workers/storefront), reached through Shopify's App Proxy.
export interface Customer {
  id: string;
  points_balance: number;
  total_points_earned: number;
  total_points_redeemed: number;
  total_points_reversed: number;
  vip_tier: string | null;
  /** Absent from servers before campaigns named their tiers. */
  vip_tier_id?: string | null;
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

export interface EarnLimit {
  count: number;
  period: "lifetime" | "day" | "week" | "month" | "year";
}

/** purchase: `points` per 1 unit of the shop's currency; the others: points per award. */
export interface WayToEarn {
  action: string;
  points: number;
  network?: string;
  /** The shop's page on `network`, when the merchant gave one. */
  url?: string;
  /** goal_spend: spend `amount` within `days` days. */
  amount?: string;
  days?: number;
  limit?: EarnLimit;
}

/** A campaign running now, in the shopper's language. */
export interface Campaign {
  id: string;
  name: string;
  description?: string | null;
  kind: "multiplier" | "goal_spend" | "bonus_action";
  multiplier?: number;
  action?: string;
  points?: number;
  amount?: string;
  days?: number;
  starts_at: string;
  ends_at: string | null;
  /** null or absent: for everyone; else only holders of these tiers. */
  eligible_tier_ids?: string[] | null;
}

/** `program`, `ways_to_earn` and `campaigns` are absent from configs served before the program settings. */
export interface WidgetConfig {
  language: string;
  translations: Record<string, string>;
  rewards: Reward[];
  earn: { points_per_currency_unit: number; signup_points: number };
  program?: { enabled: boolean; currency: { singular: string; plural: string } };
  /** Absent from servers before referrals: no Refer a friend section. */
  referrals?: { enabled: boolean };
  ways_to_earn?: WayToEarn[];
  campaigns?: Campaign[];
  /** Absent from servers before issue 12: the launcher alone. */
  storefront?: StorefrontContent;
  /** Absent from configs served before store settings: the widget's own look. */
  branding?: Branding;
  /** The languages the shop offers (the panel's language menu); absent from older servers. */
  languages?: string[];
  /** The shop's PostHog, null (or absent, from older servers) while the shop has it off. */
  analytics?: { posthog: { api_key: string; host: string; distinct_id: string | null } } | null;
}

/** core/storefront-content.ts: which surfaces the merchant turned on, and their copy in the config's language. */
export type Surface = "launcher" | "product_points" | "post_purchase" | "email_popup" | "exit_popup" | "sticky_bar" | "loyalty_page";
export type CopyField = "sticky_bar" | "email_popup_title" | "email_popup_body" | "exit_popup_title" | "exit_popup_body" | "post_purchase_title";

export interface StorefrontContent {
  surfaces: Record<Surface, boolean>;
  popup_every_days: number;
  /** A field left out: the widget's own string. */
  copy: Partial<Record<CopyField, string>>;
}

/** The store's settings for the widget; `launcher_label` is in the config's language. */
export interface Branding {
  primary_color: string;
  accent_color: string;
  launcher_position: "bottom-right" | "bottom-left";
  launcher_label: string | null;
  /** Absent from servers before issue 12: the theme's font, no custom CSS. */
  font?: "theme" | "system" | "serif" | "rounded" | "monospace";
  custom_css?: string;
}

/** A threshold or progress: whole points, or spend as a decimal string ("250.00"). */
export type TierAmount = number | string;

export interface TierStatus {
  basis: "points" | "spend";
  period: string;
  current: { id: string; name: string; perks: string[]; earn_multiplier: number } | null;
  next: { id: string; name: string; threshold: TierAmount; remaining: TierAmount } | null;
  progress: { value: TierAmount; period_start: string | null };
  /** When the downgrade policy holds the current tier although progress is below it. */
  keeps_until: string | null;
  tiers: { id: string; name: string; threshold: TierAmount; perks: string[]; earn_multiplier: number }[];
}

export interface Birthday {
  month: number;
  day: number;
}

/** What the shopper has already done. */
export interface CustomerActions {
  birthday: Birthday | null;
  social_follows: string[];
}

export interface Followed {
  outcome: "applied" | "duplicate" | "limit_reached";
  points: number;
  balance: number;
  url?: string;
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

export type ReferralStatus = "pending" | "completed" | "held" | "rejected" | "expired" | "reversed";
export type ReferralChannel = "email" | "sms" | "whatsapp" | "facebook" | "x" | "copy_link";

/** One friend the shopper referred: never their name or email. */
export interface ReferredFriend {
  id: string;
  status: ReferralStatus;
  bound_at: string;
  completed_at: string | null;
  /** The shopper's points from it. */
  points: number;
  /** The shopper got a discount code from it. */
  discount: boolean;
}

/** The referral section (GET /referrals); the offer's texts are in the shopper's language. */
export interface ReferralSection {
  enabled: boolean;
  code: string | null;
  link: string | null;
  channels: Record<ReferralChannel, boolean>;
  offer: { headline: string; advocate_text: string | null; friend_text: string | null; share_message: string };
  referrals: ReferredFriend[];
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

const post = <T>(url: string, body: unknown) =>
  request<T>(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/**
 * `locale` is the storefront's, so the server answers titles in the shopper's language; a getter
 * when the shopper can change it (the panel's language menu): each call reads it afresh.
 */
export function createApi(base: string, locale: string | (() => string)) {
  const current = typeof locale === "string" ? () => locale : locale;
  const query = () => {
    const value = current();
    return value ? `?locale=${encodeURIComponent(value)}` : "";
  };
  return {

    config: () => request<WidgetConfig>(`${base}/widget/config${query()}`),
    customer: () => request<{ customer: Customer }>(`${base}/customer`),
    /**
     * The same key answers the same redemption: a retry cannot spend twice. Sent in the query
     * too, which the App Proxy forwards and signs whatever it does with headers.
     */
    redeem: (body: { reward_id: string; points?: number }, idempotencyKey: string) =>
      request<Redeemed>(`${base}/rewards/redeem${query() ? `${query()}&` : "?"}idempotency_key=${idempotencyKey}`, {
        method: "POST",
        headers: { "content-type": "application/json", "Idempotency-Key": idempotencyKey },
        body: JSON.stringify(body),
      }),
    history: () => request<History>(`${base}/customer/history?limit=${HISTORY_LIMIT}`),
    /** `currency`: the storefront's, so the offer's amounts read in it. */
    referrals: (currency: string | undefined) =>
      request<ReferralSection>(`${base}/referrals${query()}${currency ? `${query() ? "&" : "?"}currency=${encodeURIComponent(currency)}` : ""}`),
    /** The shopper's code, created on first ask; the same code every time after. */
    createReferral: () => post<{ code: string; link: string; created: boolean }>(`${base}/referrals/create`, {}),
    tierStatus: () => request<TierStatus>(`${base}/vip-tiers/status${query()}`),
    actions: () => request<CustomerActions>(`${base}/customer/actions`),
    setBirthday: (birthday: Birthday) => post<{ birthday: Birthday }>(`${base}/customer/birthday`, birthday),
    /** A retry with the same key answers "duplicate": the follow is awarded once. */
    follow: (network: string, idempotencyKey: string) =>
      request<Followed>(`${base}/actions/social-follow?idempotency_key=${idempotencyKey}`, {
        method: "POST",
        headers: { "content-type": "application/json", "Idempotency-Key": idempotencyKey },
        body: JSON.stringify({ network }),
      }),
  };
}

export type Api = ReturnType<typeof createApi>;
