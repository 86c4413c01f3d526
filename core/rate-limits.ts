// The API rate limits, one place. The counting is Cloudflare's rate-limiting binding, configured
// in wrangler.toml with these same numbers (the binding cannot be configured from code; a test
// compares the two). Keys come only from verified credentials: the App Proxy signature's shop
// and logged_in_customer_id, the session token's dest and sub.
//
// Sized so that a real shop's traffic never meets them and one client cannot take a shop's
// share: a shopper's widget asks a few times per page view (120 a minute is two a second, the
// bench's shoppers ask once); a shop's storefront as a whole gets 1,000 a second per location;
// a dashboard user 10 a second, a shop's staff together 50.

export interface RateLimitRule {
  /** The wrangler.toml binding that counts this rule. */
  binding: "STOREFRONT_SHOP_LIMITER" | "STOREFRONT_CUSTOMER_LIMITER" | "MERCHANT_SHOP_LIMITER" | "MERCHANT_USER_LIMITER";
  limit: number;
  /** Seconds; the binding accepts 10 or 60. Also the Retry-After of a refusal. */
  period: 10 | 60;
}

export const RATE_LIMITS = {
  storefrontShop: { binding: "STOREFRONT_SHOP_LIMITER", limit: 10_000, period: 10 },
  storefrontCustomer: { binding: "STOREFRONT_CUSTOMER_LIMITER", limit: 120, period: 60 },
  merchantShop: { binding: "MERCHANT_SHOP_LIMITER", limit: 3_000, period: 60 },
  merchantUser: { binding: "MERCHANT_USER_LIMITER", limit: 600, period: 60 },
} as const satisfies Record<string, RateLimitRule>;
