import { createMiddleware } from "hono/factory";
import { verifySessionToken } from "../../core/shopify-auth";
import { isInstalled } from "../../d1/shops";
import type { App } from "../http/context";
import { ApiError } from "../http/envelope";

/** Shopify session token (HS256, aud = API key); the shop is the token's `dest`, nothing else. */
export function sessionTokenAuth(options: { now?: () => number; requireInstalled?: boolean } = {}) {
  const requireInstalled = options.requireInstalled ?? true;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  return createMiddleware<App>(async function sessionTokenAuth(c, next) {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ApiError(401, "missing_session_token", "send the App Bridge session token as a Bearer token");
    const verified = await verifySessionToken(c.env.SHOPIFY_API_KEY, c.env.SHOPIFY_API_SECRET, match[1]!, now());
    if (!verified.valid) throw new ApiError(401, verified.reason, "session token verification failed");
    if (requireInstalled && !(await isInstalled(c.env, verified.shop))) throw new ApiError(403, "shop_not_installed", "this shop has not installed LoyalNest");
    c.set("session", { shop: verified.shop, userId: verified.userId, sessionId: verified.sessionId, token: match[1]! });
    await next();
  });
}
