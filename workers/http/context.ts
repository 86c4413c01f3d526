import type { AppProxyIdentity, CheckoutIdentity, SessionIdentity } from "../../core/shopify-auth";

export type Variables = {
  /** Set by the storefront's App Proxy verification. */
  proxy: AppProxyIdentity;
  /** Set by the checkout surface's verification of a checkout extension's session token. */
  checkout: CheckoutIdentity;
  /** Set by the merchant surface's session-token verification. */
  session: SessionIdentity & { token: string };
  /** Set by the API-call log middleware (workers/http/api-log.ts) for every request. */
  requestId: string;
  /** Set by the admin surface's Cloudflare Access check: the active admin the token's email belongs to. */
  admin: import("../../d1/admin-users").AdminUser;
  /** The shop a webhook's verified signature names (HMAC or the review provider's secret). */
  verifiedShop: string;
};

export type App = { Bindings: Env; Variables: Variables };
