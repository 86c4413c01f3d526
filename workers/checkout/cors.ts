// Checkout UI extensions run in a sandboxed web worker on Shopify's extension CDN and call the
// app cross-origin with the session token in the Authorization header (no cookies). The token,
// not the origin, is what authenticates: CORS here only decides which pages' scripts may read
// the answers, so it names Shopify's checkout origins rather than every origin.
import { cors } from "hono/cors";

const CHECKOUT_ORIGIN = /^https:\/\/(?:extensions\.shopifycdn\.com|checkout\.shopify\.com|[a-z0-9][a-z0-9-]*\.myshopify\.com)$/;

export function isCheckoutOrigin(origin: string): boolean {
  return CHECKOUT_ORIGIN.test(origin);
}

export function checkoutCors() {
  return cors({
    origin: (origin) => (isCheckoutOrigin(origin) ? origin : null),
    allowMethods: ["GET", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type"],
    maxAge: 86_400,
  });
}
