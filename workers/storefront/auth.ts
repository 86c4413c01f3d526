import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { verifyAppProxy } from "../../core/shopify-auth";
import { isInstalled } from "../../d1/shops";
import type { App } from "../http/context";
import { ApiError } from "../http/envelope";

/**
 * App Proxy signature (±90 s). The customer is the signed `logged_in_customer_id`, only.
 * `notInstalled`: a page's own answer for a signed request from a shop without the app (the
 * API's is 403 shop_not_installed).
 */
export function appProxyAuth(options: { now?: () => number; notInstalled?: (c: Context<App>) => Response | Promise<Response> } = {}) {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return createMiddleware<App>(async function appProxyAuth(c, next) {
    const params = new URL(c.req.url).searchParams;
    const verified = await verifyAppProxy(c.env.SHOPIFY_API_SECRET, params, now());
    if (!verified.valid) throw new ApiError(401, verified.reason, "app proxy signature verification failed");
    if (!(await isInstalled(c.env, verified.shop))) {
      if (options.notInstalled) return options.notInstalled(c);
      throw new ApiError(403, "shop_not_installed", "this shop has not installed LoyalNest");
    }
    c.set("proxy", { shop: verified.shop, customerId: verified.customerId });
    await next();
  });
}

export function requireCustomer(proxy: App["Variables"]["proxy"]): string {
  if (!proxy.customerId) throw new ApiError(401, "not_logged_in", "sign in to the store to see your points");
  return proxy.customerId;
}
