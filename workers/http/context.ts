import type { AppProxyIdentity, SessionIdentity } from "../../core/shopify-auth";

export type Variables = {
  /** Set by the storefront's App Proxy verification. */
  proxy: AppProxyIdentity;
  /** Set by the merchant surface's session-token verification. */
  session: SessionIdentity & { token: string };
};

export type App = { Bindings: Env; Variables: Variables };
