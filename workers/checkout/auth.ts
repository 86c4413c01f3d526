import { createMiddleware } from "hono/factory";
import { verifyCheckoutSessionToken } from "../../core/shopify-auth";
import { isInstalled } from "../../d1/shops";
import type { App } from "../http/context";
import { ApiError } from "../http/envelope";

/**
 * A checkout UI extension's session token (`shopify.sessionToken.get()`) as a Bearer token. The
 * shop is its `dest` and the customer its `sub`, nothing the request says otherwise.
 */
export function checkoutTokenAuth(options: { now?: () => number } = {}) {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return createMiddleware<App>(async function checkoutTokenAuth(c, next) {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
    if (!match) throw new ApiError(401, "missing_session_token", "send the checkout extension's session token as a Bearer token");
    const verified = await verifyCheckoutSessionToken(c.env.SHOPIFY_API_KEY, c.env.SHOPIFY_API_SECRET, match[1]!, now());
    if (!verified.valid) throw new ApiError(401, verified.reason, "session token verification failed");
    if (!(await isInstalled(c.env, verified.shop))) throw new ApiError(403, "shop_not_installed", "this shop has not installed LoyalNest");
    c.set("checkout", { shop: verified.shop, customerId: verified.customerId });
    await next();
  });
}
